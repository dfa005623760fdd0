"""Fixtures for the marketplace check: a known-good listing in a temporary project, the CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

# The project's own modules, imported here only: the test modules import them from this
# file, so no import block mixes `tests` with the package (whose name sorts either side).
from {{ cookiecutter.project_slug }} import create_app

from tests.helpers.listing import (
    PROJECT_ROOT,
    CheckRun,
    ListingProject,
    good_manifest,
    png_bytes,
)


@pytest.fixture
def listing(tmp_path: Path) -> ListingProject:
    """A temporary project whose listing passes every check."""
    root = tmp_path / "project"
    (root / "marketplace").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "marketplace" / "icon.png", root / "marketplace" / "icon.png")
    (root / "marketplace" / "screenshots").mkdir()
    (root / "marketplace" / "screenshots" / "dashboard.png").write_bytes(png_bytes(1280, 800))
    (root / ".gitignore").write_text(".env\n.venv/\n", encoding="utf-8")
    return ListingProject(root, good_manifest()).save()


@pytest.fixture(autouse=True)
def development_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process environment of a developer's machine, unless a test says otherwise."""
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


@pytest.fixture(scope="session")
def cli_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from tests.helpers.app import app_config

    database = tmp_path_factory.mktemp("marketplace") / "app.db"
    config = app_config(f"sqlite:///{database}", "https://fsckmsft.test", INSPECTOR_ENABLED=False)
    app = create_app(config)
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture
def check(cli_app: Flask) -> Callable[..., CheckRun]:
    """`check(project, *options)` runs `flask marketplace check --json` on `project`."""

    def run(project: ListingProject | None, *options: str) -> CheckRun:
        where = ["--project-dir", str(project.path)] if project else []
        result = cli_app.test_cli_runner().invoke(
            args=["marketplace", "check", "--json", *where, *options]
        )
        assert "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return CheckRun(result, json.loads(result.stdout))

    return run
