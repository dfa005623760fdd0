"""Fixtures that give real things: a database, the app, the sandbox on a free port."""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.config import PROJECT_ROOT
from {{ cookiecutter.project_slug }}.manifest import load_manifest

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_CLIENT_ID = "sbx_test_client"
TEST_CLIENT_SECRET = "test-client-secret-" + "x" * 24
TEST_REDIRECT_URI = "http://localhost/callback"  # Flask's test client serves "localhost"


def new_key_ring_entry() -> str:
    return f"k{secrets.token_hex(4)}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def unavailable(reason: str) -> None:
    """Skip on a laptop that lacks a service; fail in CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


# -- databases ---------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    server_url = os.environ.get("TEST_POSTGRES_URL")
    if not server_url:
        unavailable("TEST_POSTGRES_URL is not set (scripts/with-postgres starts a server)")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


# -- the app -----------------------------------------------------------------


def app_config(database_url: str, platform_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": new_key_ring_entry(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "FSCKMSFT_CLIENT_ID": TEST_CLIENT_ID,
        "FSCKMSFT_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "FSCKMSFT_AUTH_URL": platform_url,
        "FSCKMSFT_API_URL": platform_url,
        "FSCKMSFT_REDIRECT_URI": TEST_REDIRECT_URI,
        "FSCKMSFT_HTTP_TIMEOUT": 5.0,
        "CLOCK_SOURCE": "system",
        **overrides,
    }


def migrated_app(config: dict[str, Any]) -> Flask:
    """The app on a database brought up by the real migrations."""
    from flask_migrate import upgrade

    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


# -- the sandbox (in projects baked with it) -----------------------------------

MANIFEST = load_manifest(PROJECT_ROOT / "marketplace" / "manifest.toml")


def seed_app(local_redirect_uri: str = TEST_REDIRECT_URI) -> dict[str, Any]:
    """The app as the tests' sandbox registers it, with the test client's credentials."""
    return MANIFEST.sandbox_registration(
        client_id=TEST_CLIENT_ID,
        client_secret=TEST_CLIENT_SECRET,
        local_redirect_uri=local_redirect_uri,
    )


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Any]:
    """The sandbox on a free loopback port, in this process, for the whole run."""
    from sandbox.testing import SandboxServer  # imported only by tests that drive it

    with SandboxServer(seed_app=seed_app()) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: Any) -> Any:
    """The shared sandbox, back in its start state for every test."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def unit_app(sqlite_url: str) -> Iterator[Flask]:
    """The app against a fake platform address (for `responses`-based unit tests)."""
    app = migrated_app(app_config(sqlite_url, "https://fsckmsft.test"))
    yield app
    app.extensions["sqlalchemy"].engines[None].dispose()


@pytest.fixture
def client(unit_app: Flask) -> FlaskClient:
    return unit_app.test_client()
