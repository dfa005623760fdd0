"""Fixtures for testing the template: bake it, look at what came out, run things in it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
# Folders that tools create while a project is used; never part of what the template writes.
CACHE_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".venv", ".git", "instance"}

Bake = Callable[..., "BakedProject"]


@dataclass
class BakedProject:
    """A project the template wrote, with small helpers to inspect and use it."""

    path: Path
    answers: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.path.name

    def has_file(self, relative: str) -> bool:
        return (self.path / relative).exists()

    def read(self, relative: str) -> str:
        return (self.path / relative).read_text(encoding="utf-8")

    def file_contains(self, relative: str, text: str) -> bool:
        return self.has_file(relative) and text in self.read(relative)

    def files(self) -> list[Path]:
        """Every file the template wrote (tool caches left out), relative to the project."""
        return sorted(
            path.relative_to(self.path)
            for path in self.path.rglob("*")
            if path.is_file() and not CACHE_DIRS & set(path.relative_to(self.path).parts)
        )

    def run(
        self, cmd: Sequence[str], env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run `cmd` in the project folder; output captured, never raises on failure."""
        return subprocess.run(
            list(cmd),
            cwd=self.path,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def bake_into(output_dir: Path, answers: dict[str, Any], overwrite: bool = False) -> BakedProject:
    """Bake the template without prompts; `answers` override cookiecutter.json's defaults."""
    context = {key: str(value) for key, value in answers.items()}
    project = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context=context,
        output_dir=str(output_dir),
        overwrite_if_exists=overwrite,
    )
    return BakedProject(Path(project), context)


@pytest.fixture
def bake(tmp_path: Path) -> Bake:
    """`bake(**answers)` bakes into this test's temporary folder and returns the project.

    `bake(overwrite_if_exists=True, **answers)` bakes again over an earlier bake, as
    `cruft update` would, which runs the hooks a second time.
    """

    def _bake(overwrite_if_exists: bool = False, **answers: Any) -> BakedProject:
        return bake_into(tmp_path / "out", answers, overwrite=overwrite_if_exists)

    return _bake


def baked_env(**extra: str) -> dict[str, str]:
    """The environment for commands run inside a baked project with the shared venv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_", "FLASK_", "VIRTUAL_ENV"))
        and key not in {"PYTHONPATH", "DATABASE_URL"}
    }
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(Path(sys.executable).parent.parent)
    env.update(extra)
    return env


def lint_imports(project: BakedProject) -> subprocess.CompletedProcess[str]:
    """Check the project's own import contracts ([tool.importlinter] in its pyproject.toml).

    The packages are read from `src/` and `sandbox/` (PYTHONPATH): nothing is installed.
    """
    tool = Path(sys.executable).parent / "lint-imports"
    assert tool.exists(), "import-linter is missing from the test venv (make test installs it)"
    pythonpath = os.pathsep.join([str(project.path / "src"), str(project.path / "sandbox")])
    return project.run([str(tool), "--no-cache"], env=baked_env(PYTHONPATH=pythonpath))


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def installed(project: BakedProject) -> Iterator[BakedProject]:
    """Install `project` (and its sandbox, if baked) editable into the shared test venv for
    the `with` block only.

    Every baked project's sandbox is the same `fsckmsft-sandbox` distribution, so two of
    them installed at once would shadow each other: install one, use it, uninstall it.
    """
    targets = ["-e", str(project.path)]
    if (project.path / "sandbox" / "pyproject.toml").exists():
        targets += ["-e", str(project.path / "sandbox")]
    result = pip("install", "-q", "--no-deps", "--no-build-isolation", *targets)
    assert result.returncode == 0, f"pip install -e failed:\n{result.stdout}\n{result.stderr}"
    try:
        yield project
    finally:
        pip("uninstall", "-q", "-y", project.slug.replace("_", "-"), "fsckmsft-sandbox")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: installs a baked project and runs its own test suite (minutes)"
    )
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium through Playwright"
    )
