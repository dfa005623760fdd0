"""Inspector fixtures: the app in development, inspector on, against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db

from tests.helpers.app import migrated_app, requesting_api_scopes
from tests.helpers.inspector import inspector_config


@pytest.fixture
def app(tmp_path: Path, sandbox: Any) -> Iterator[Flask]:
    """The app requesting the API's scopes, whatever this project asks for: the inspector
    shows the dashboard's API calls and the refreshes they set off."""
    app = migrated_app(
        inspector_config(
            f"sqlite:///{tmp_path / 'app.db'}",
            sandbox.url,
            FSCKMSFT_API_URL=sandbox.api_url,
            CLOCK_SOURCE="sandbox",
            **requesting_api_scopes(sandbox, tmp_path),
        )
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    return app.test_client()
