"""The architecture is a contract: a baked project's `lint-imports` keeps its layers.

Each test bakes the default answers, and the ones that break a contract write the
offending import into the baked code first, so they show the contract would catch it.
`lint-imports` reads the packages from `src/` and `sandbox/` (PYTHONPATH), so nothing is
installed.
"""

from __future__ import annotations

import re

from conftest import Bake, BakedProject, lint_imports

MAX_TOP_LEVEL_MODULES = 12
# lint-imports prints "<contract name> BROKEN" (maybe followed by "(n ignored imports)").
BROKEN = re.compile(r"^(.+) BROKEN\b", re.MULTILINE)


def add_import(project: BakedProject, relative: str, statement: str) -> None:
    """Append an import statement to a baked module (at the end: where does not matter)."""
    path = project.path / relative
    path.write_text(path.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")


def broken_contracts(output: str) -> list[str]:
    """The names of the contracts lint-imports reports broken, in its order."""
    return [match.group(1) for match in BROKEN.finditer(output)]


def test_default_bake_keeps_every_contract(bake: Bake) -> None:
    result = lint_imports(bake())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_view_importing_the_database_session_breaks_the_layers(bake: Bake) -> None:
    project = bake()
    add_import(project, f"src/{project.slug}/web/views.py", "from ..extensions import db")
    result = lint_imports(project)
    assert result.returncode != 0
    assert broken_contracts(result.stdout) == ["Views reach storage only through services"]
    assert f"{project.slug}.web.views -> {project.slug}.extensions" in result.stdout


def test_a_view_importing_sqlalchemy_breaks_the_layers(bake: Bake) -> None:
    project = bake()
    add_import(project, f"src/{project.slug}/auth/views.py", "from sqlalchemy.orm import Session")
    result = lint_imports(project)
    assert broken_contracts(result.stdout) == ["Views reach storage only through services"]


def test_the_app_importing_the_emulator_breaks_the_contract(bake: Bake) -> None:
    project = bake()
    add_import(project, f"src/{project.slug}/models.py", "import fsckmsft_sandbox")
    result = lint_imports(project)
    assert result.returncode != 0
    assert broken_contracts(result.stdout) == ["The app never imports the emulator"]
    assert f"{project.slug}.models -> fsckmsft_sandbox" in result.stdout


def test_the_emulator_importing_the_app_breaks_the_contract(bake: Bake) -> None:
    project = bake()
    add_import(project, "sandbox/fsckmsft_sandbox/models.py", f"import {project.slug}.config")
    result = lint_imports(project)
    assert broken_contracts(result.stdout) == ["The emulator never imports the app"]


def test_the_flow_importing_the_inspector_breaks_the_contract(bake: Bake) -> None:
    project = bake()
    add_import(
        project, f"src/{project.slug}/events/flow.py", "from ..inspector.recorder import FlowRecorder"
    )
    result = lint_imports(project)
    assert "Nothing in the flow imports the inspector" in broken_contracts(result.stdout)


def test_a_lower_layer_importing_a_higher_one_breaks_the_layers(bake: Bake) -> None:
    project = bake()
    add_import(project, f"src/{project.slug}/fsckmsft/api.py", "from ..services import services")
    result = lint_imports(project)
    assert broken_contracts(result.stdout) == [
        "Layers: entry points, services, platform edge, storage"
    ]


def test_the_package_top_level_holds_at_most_a_dozen_modules(bake: Bake) -> None:
    project = bake()
    package = project.path / "src" / project.slug
    modules = sorted(path.name for path in package.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
