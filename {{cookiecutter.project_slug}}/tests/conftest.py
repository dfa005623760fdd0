"""Fixtures that give real things: a database, the app, the sandbox on a free port."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.app import (
    app_config,
    migrated_app,
    sandbox_settings,
    seed_app,
    unavailable,
)
from tests.helpers.databases import create_database, drop_database, url_of_database

# -- databases ---------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if not os.environ.get("TEST_POSTGRES_URL"):
        unavailable("TEST_POSTGRES_URL is not set (scripts/with-postgres starts a server)")
    name = f"test_{uuid.uuid4().hex[:12]}"
    create_database(name)
    try:
        yield url_of_database(name)
    finally:
        drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


# -- the app -----------------------------------------------------------------


# -- the sandbox (in projects baked with it) -----------------------------------


#: The readings of the documentation every test that drives the sandbox runs under: the
#: strictest and the most lenient (docs/sandbox.md, "Switches, profiles and extensions").
SANDBOX_PROFILES = ("strict", "lenient")


@pytest.fixture(scope="session", params=SANDBOX_PROFILES)
def sandbox_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The sandbox on a free loopback port, in this process, for the whole run: one per
    profile, so each test that uses it runs under both readings."""
    from fsckmsft_sandbox.testing import SandboxServer  # imported only by tests that drive it

    with SandboxServer(seed_app=seed_app(), settings=sandbox_settings(request.param)) as server:
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
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


@pytest.fixture
def client(unit_app: Flask) -> FlaskClient:
    return unit_app.test_client()
