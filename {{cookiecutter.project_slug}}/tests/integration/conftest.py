"""Integration fixtures: the app against the sandbox over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app


@pytest.fixture
def app(database_url: str, sandbox: SandboxServer) -> Iterator[Flask]:
    app = migrated_app(app_config(database_url, sandbox.url, CLOCK_SOURCE="sandbox"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    """One browser (one cookie jar) talking to the app."""
    return app.test_client()


