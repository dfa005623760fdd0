"""Bake a named matrix of answer combinations and check what each one writes.

Every option value appears at least once. Each combination is baked once per session
for the quick checks; the slow test bakes its own copy, installs it into the shared
test venv and runs the baked project's own test suite.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import TEMPLATE, BakedProject, bake_into, baked_env, installed, lint_imports

MATRIX: dict[str, dict[str, str]] = {
    "defaults": {},
    "postgresql-everything": {
        "database": "postgresql",
        "project_name": "Team Planner",
        "scopes": "read:projects write:projects read:tasks write:tasks",
    },
    "sqlite-bare": {
        "include_sandbox": "no",
        "include_flow_inspector": "no",
        "project_slug": "bare_tasks",
        "homepage_url": "https://bare.example.org/",
        "redirect_uri": "https://bare.example.org/oauth/fsckmsft/callback",
    },
    "postgresql-no-sandbox": {
        "database": "postgresql",
        "include_sandbox": "no",
        "scopes": "read:tasks",
    },
    "sqlite-sandbox-no-inspector": {
        "include_flow_inspector": "no",
        "project_name": "Widget Board",
        "scopes": "write:tasks read:projects",
    },
}

SANDBOX_PATHS = ("sandbox", "tests/sandbox", "tests/integration", "bench/sandbox_token_rate.py")
INSPECTOR_PATHS = ("src/{slug}/inspector", "tests/inspector")

# Jinja syntax that must never survive rendering. Files copied without rendering (the
# app's Jinja templates, GitHub workflows) legitimately contain {{ }} and {% %}: for
# them only a leftover `cookiecutter.<answer>` counts.
UNRENDERED = re.compile(r"\{\{|\{%|%\}|cookiecutter\.(?!json\b)\w")
COPIED_WITHOUT_RENDER = re.compile(r"cookiecutter\.(?!json\b)\w")


@pytest.fixture(scope="session", params=MATRIX.values(), ids=MATRIX.keys())
def baked(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BakedProject:
    return bake_into(tmp_path_factory.mktemp("matrix"), request.param)


def option(project: BakedProject, name: str) -> str:
    """The answer `project` was baked with: given, or cookiecutter.json's default."""
    if name in project.answers:
        return project.answers[name]
    default = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))[name]
    return default[0] if isinstance(default, list) else default


def text_files(project: BakedProject) -> list[tuple[Path, str]]:
    found = []
    for relative in project.files():
        try:
            found.append((relative, (project.path / relative).read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # binary (icons, screenshots)
    return found


def copied_without_render(relative: Path) -> bool:
    return relative.suffix == ".html" or relative.parts[:2] == (".github", "workflows")


def test_no_unrendered_template_syntax(baked: BakedProject) -> None:
    leftovers = []
    for relative, text in text_files(baked):
        pattern = COPIED_WITHOUT_RENDER if copied_without_render(relative) else UNRENDERED
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                leftovers.append(f"{relative}:{number}: {line.strip()}")
    assert not leftovers, "unrendered template syntax:\n" + "\n".join(leftovers)


def test_no_template_placeholders_in_paths(baked: BakedProject) -> None:
    assert not [path for path in baked.files() if "{{" in str(path) or "cookiecutter" in str(path)]


def test_package_is_named_after_the_slug(baked: BakedProject) -> None:
    assert baked.has_file(f"src/{baked.slug}/__init__.py")
    assert baked.file_contains(".flaskenv", f"FLASK_APP={baked.slug}")
    if "project_slug" in baked.answers:
        assert baked.slug == baked.answers["project_slug"]


def test_sandbox_files_follow_the_answer(baked: BakedProject) -> None:
    expect_present = option(baked, "include_sandbox") == "yes"
    assert_paths(baked, SANDBOX_PATHS, expect_present)


def test_inspector_files_follow_the_answer(baked: BakedProject) -> None:
    expect_present = option(baked, "include_flow_inspector") == "yes"
    paths = tuple(path.format(slug=baked.slug) for path in INSPECTOR_PATHS)
    assert_paths(baked, paths, expect_present)


def assert_paths(project: BakedProject, paths: tuple[str, ...], expect_present: bool) -> None:
    """Pruned paths must be gone; kept ones present wherever the template has them."""
    for relative in paths:
        if expect_present:
            if in_template(relative, project.slug):
                assert project.has_file(relative), f"{relative} missing though chosen"
        else:
            assert not project.has_file(relative), f"{relative} left behind though not chosen"


def in_template(relative: str, slug: str) -> bool:
    source = relative.replace(slug, "{{cookiecutter.project_slug}}")
    return (TEMPLATE / "{{cookiecutter.project_slug}}" / source).exists()


def test_ruff_is_clean_with_the_projects_own_config(baked: BakedProject) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = baked.run([str(ruff), "check", "--no-cache", "."], env=baked_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_contracts_hold(baked: BakedProject) -> None:
    result = lint_imports(baked)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_python_file_compiles(baked: BakedProject) -> None:
    for relative, text in text_files(baked):
        if relative.suffix == ".py":
            compile(text, str(relative), "exec")


def test_pyproject_parses_and_names_the_project(baked: BakedProject) -> None:
    pyproject = tomllib.loads(baked.read("pyproject.toml"))
    assert pyproject["project"]["name"] == baked.slug.replace("_", "-")
    assert pyproject["project"]["description"] == option(baked, "description")
    assert "dev" in pyproject["project"]["optional-dependencies"]


def test_postgresql_choice_brings_its_driver(baked: BakedProject) -> None:
    dependencies = " ".join(tomllib.loads(baked.read("pyproject.toml"))["project"]["dependencies"])
    assert ("psycopg" in dependencies) == (option(baked, "database") == "postgresql")


def test_every_yaml_file_parses(baked: BakedProject) -> None:
    for relative, text in text_files(baked):
        if relative.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(text))


def test_ci_workflow_exists(baked: BakedProject) -> None:
    workflows = list((baked.path / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, "the baked project has no CI workflow"


def test_manifest_carries_the_answers(baked: BakedProject) -> None:
    registration = tomllib.loads(baked.read("marketplace/manifest.toml"))["registration"]
    assert registration["name"] == option(baked, "project_name")
    assert registration["description"] == option(baked, "description")
    assert registration["homepage_url"] == option(baked, "homepage_url")
    assert registration["redirect_uris"] == [option(baked, "redirect_uri")]
    assert registration["scopes"] == option(baked, "scopes").split()


def test_dotenv_matches_the_database_choice(baked: BakedProject) -> None:
    scheme = "postgresql" if option(baked, "database") == "postgresql" else "sqlite"
    assert baked.file_contains(".env", f"DATABASE_URL={scheme}")


@pytest.mark.slow
@pytest.mark.parametrize("answers", MATRIX.values(), ids=MATRIX.keys())
def test_baked_projects_own_suite_passes(answers: dict[str, str], tmp_path: Path) -> None:
    project = bake_into(tmp_path, answers)
    passthrough = {name: os.environ[name] for name in ("CI", "TEST_POSTGRES_URL") if name in os.environ}
    with installed(project):
        result = project.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            env=baked_env(**passthrough),
            timeout=1500,
        )
    output = result.stdout + result.stderr
    print(output[-4000:])
    assert result.returncode == 0, f"baked suite failed (exit {result.returncode}):\n{output[-8000:]}"
