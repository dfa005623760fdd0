"""Integration fixtures: the app against the sandbox over real HTTP on loopback."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app, requesting_api_scopes
from tests.helpers.production import production_app


def sandbox_app(database_url: str, sandbox: SandboxServer, **overrides: Any) -> Iterator[Flask]:
    app = migrated_app(
        app_config(
            database_url,
            sandbox.url,
            FSCKMSFT_API_URL=sandbox.api_url,
            CLOCK_SOURCE="sandbox",
            **overrides,
        )
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(database_url: str, sandbox: SandboxServer, tmp_path: Path) -> Iterator[Flask]:
    """The app requesting the scopes of the documented API calls (API_SCOPES), whatever this
    project asks for: these tests drive the login, refresh and storage machinery, through the
    API. What this project's own scopes allow is tested with `project_app`."""
    yield from sandbox_app(database_url, sandbox, **requesting_api_scopes(sandbox, tmp_path))


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    """One browser (one cookie jar) talking to the app."""
    return app.test_client()


@pytest.fixture
def project_app(database_url: str, sandbox: SandboxServer) -> Iterator[Flask]:
    """The app requesting the scopes this project's manifest asks for (GRANTED)."""
    yield from sandbox_app(database_url, sandbox)


@pytest.fixture
def project_web(project_app: Flask) -> FlaskClient:
    """A browser on `project_app`."""
    return project_app.test_client()


@pytest.fixture(params=["development", "production"])
def any_env_app(
    request: pytest.FixtureRequest, database_url: str, sandbox: SandboxServer
) -> Iterator[Flask]:
    """The app in development configuration (inspector on, if baked), then in production
    configuration (Secure `__Host-session` cookie over https)."""
    if request.param == "production":
        app = production_app(database_url, sandbox.url, sandbox.api_url)
    else:
        inspector = importlib.util.find_spec("{{ cookiecutter.project_slug }}.inspector") is not None
        app = migrated_app(
            app_config(
                database_url,
                sandbox.url,
                FSCKMSFT_API_URL=sandbox.api_url,
                APP_ENV="development",
                INSPECTOR_ENABLED=inspector,
            )
        )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def any_web(any_env_app: Flask) -> FlaskClient:
    """A browser on `any_env_app`."""
    return any_env_app.test_client()
