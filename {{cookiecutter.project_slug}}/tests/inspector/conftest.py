"""Inspector fixtures: the app in development, inspector on, against the sandbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db

from tests.conftest import app_config, migrated_app


def inspector_config(database_url: str, platform_url: str, **overrides: Any) -> dict[str, Any]:
    """Development settings, as `flask dev` runs them, with the inspector on."""
    settings = {"APP_ENV": "development", "INSPECTOR_ENABLED": True, **overrides}
    return app_config(database_url, platform_url, **settings)


@pytest.fixture
def app(tmp_path: Path, sandbox: Any) -> Iterator[Flask]:
    app = migrated_app(
        inspector_config(f"sqlite:///{tmp_path / 'app.db'}", sandbox.url, CLOCK_SOURCE="sandbox")
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    return app.test_client()


def steps_shown(html: str) -> list[str]:
    """The step names of the inspector page, in the order it lists them."""
    return re.findall(r'<li class="step[^"]*" data-step="([a-z_]+)"', html)


def csrf_token(web: FlaskClient, page: str = "/inspector") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', web.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)
