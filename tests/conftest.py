"""Fixtures for testing the template: bake it, look at what came out, run things in it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
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


def project_venv(project: BakedProject, folder: Path) -> Path:
    """A virtual environment of the project's own, made as its README makes one: the
    hash-locked requirements-dev.txt, then the project and its sandbox, editable. Returns
    the environment's bin/ folder.

    Each bake gets its own environment so that bakes can be used side by side (`make test`
    runs tests in parallel): in one shared environment two bakes would shadow each other,
    having the same `fsckmsft-sandbox` and often the same package name. uv (one of the
    template's tools) installs from its cache in seconds; the environment itself comes from
    `python -m venv`, as the README makes it, so it has pip (the wheel tests use it).
    """
    uv = str(Path(sys.executable).parent / "uv")
    venv = folder / "venv"
    python = str(venv / "bin" / "python")
    steps = (
        [sys.executable, "-m", "venv", str(venv)],  # as the README makes it: with pip
        [uv, "pip", "install", "--quiet", "--python", python, "--require-hashes",
         "-r", "requirements-dev.txt"],
        [uv, "pip", "install", "--quiet", "--python", python, "--no-deps",
         "--no-build-isolation", "-e", ".", "-e", "./sandbox"],
    )  # fmt: skip
    for step in steps:
        result = project.run(step, env=baked_env(), timeout=900)
        assert result.returncode == 0, f"{' '.join(step[1:3])} failed:\n{result.stderr}"
    return venv / "bin"


def venv_env(bin_folder: Path, **extra: str) -> dict[str, str]:
    """`baked_env`, for commands run with the environment whose bin/ is `bin_folder`."""
    return baked_env(
        PATH=os.pathsep.join([str(bin_folder), os.environ.get("PATH", "")]),
        VIRTUAL_ENV=str(bin_folder.parent),
        **extra,
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first. `make test` hands tests out to its workers one at a time, in this
    order: started last, a baked project's whole suite would finish alone, minutes after
    every other test."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: installs a baked project and runs its own test suite (minutes)"
    )
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium through Playwright"
    )
