"""The app under test: its settings, a migrated instance, the test client's registration."""

from __future__ import annotations

import atexit
import base64
import json
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import pytest
from flask import Flask

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.manifest import load_manifest

from tests.helpers.databases import copy_sqlite, is_empty

# Tests run from the source checkout: the project root, two folders up.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_CLIENT_ID = "sbx_test_client"
TEST_CLIENT_SECRET = "test-client-secret-" + "x" * 24
TEST_REDIRECT_URI = "http://localhost/callback"  # Flask's test client serves "localhost"


def new_key_ring_entry() -> str:
    return f"k{secrets.token_hex(4)}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


def unavailable(reason: str) -> NoReturn:
    """Skip on a laptop that lacks a service; fail in CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


# -- databases ---------------------------------------------------------------


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
        # Tests sign in far more often than a person: the limit itself is tested on its own.
        "LOGIN_RATE_LIMIT": "1000 per minute",
        **overrides,
    }


def migrated_app(config: dict[str, Any]) -> Flask:
    """The app on a database brought up by the real migrations.

    A new SQLite database starts as a copy of one that this process migrated for real
    (Alembic costs about 0.1 s a test, the copy a few milliseconds): the same migrations made
    both. PostgreSQL runs them each time: making a database from a migrated template cost
    more than migrating once the server was busy. tests/unit/test_migrations.py runs them
    step by step, up and down, on both databases.
    """
    from flask_migrate import upgrade

    app = create_app(config)
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        if engine.dialect.name == "sqlite" and is_empty(engine):
            copy_sqlite(migrated_sqlite_original(), engine)
        else:
            upgrade()
    return app


_migrated_sqlite_originals: list[Path] = []  # this process's, made on first use


def migrated_sqlite_original() -> Path:
    from flask_migrate import upgrade

    if not _migrated_sqlite_originals:
        folder = Path(tempfile.mkdtemp(prefix="migrated-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        original = folder / "migrated.db"
        app = create_app(app_config(f"sqlite:///{original}", "https://fsckmsft.test"))
        with app.app_context():
            upgrade()
            app.extensions["sqlalchemy"].engine.dispose()
        _migrated_sqlite_originals.append(original)
    return _migrated_sqlite_originals[0]


# -- the sandbox (in projects baked with it) -----------------------------------

MANIFEST = load_manifest(PROJECT_ROOT / "marketplace" / "manifest.toml")
# What this project asks for, so what the sandbox grants: the flow tests adapt to it.
GRANTED = frozenset(MANIFEST.registration.scopes)


def sandbox_settings(profile: str = "strict") -> dict[str, Any]:
    """The settings the tests' sandbox starts with: a profile, and the extensions the
    manifest's scopes need (none for the documented scopes)."""
    from fsckmsft_sandbox.testing import settings_for  # only where it is installed

    return settings_for(seed_app(), profile)


#: The scopes of the documented API calls: GET /v1/projects needs read:projects and
#: POST /v1/projects/<id>/tasks needs write:tasks (DESIGN.md §5).
API_SCOPES = ("read:projects", "write:tasks")


def requesting_api_scopes(sandbox: Any, folder: Path) -> dict[str, Any]:
    """Settings for an app that requests API_SCOPES, whatever this project's manifest asks
    for, and the test registration edited to declare them (until the sandbox's next reset).

    For tests whose subject is the token machinery, which they drive through the API: with
    this project's own scopes (say read:tasks alone) the app may have no API call to make.
    """
    sandbox._call("PATCH", f"/_sandbox/apps/{TEST_CLIENT_ID}", json={"scopes": list(API_SCOPES)})
    return {"MARKETPLACE_MANIFEST": str(manifest_requesting(API_SCOPES, folder))}


def manifest_requesting(scopes: tuple[str, ...], folder: Path) -> Path:
    """A copy of this project's manifest, in `folder`, whose [registration] asks for `scopes`."""
    text = MANIFEST.path.read_text(encoding="utf-8")
    scopes_line = re.compile(r"^scopes = \[.*\]$", re.MULTILINE)
    assert len(scopes_line.findall(text)) == 1, "the manifest has one [registration] scopes line"
    copy = folder / "manifest.toml"
    copy.write_text(scopes_line.sub(f"scopes = {json.dumps(list(scopes))}", text), encoding="utf-8")
    assert load_manifest(copy).registration.scopes == scopes
    return copy


def seed_app(local_redirect_uri: str = TEST_REDIRECT_URI) -> dict[str, Any]:
    """The app as the tests' sandbox registers it, with the test client's credentials."""
    return MANIFEST.sandbox_registration(
        client_id=TEST_CLIENT_ID,
        client_secret=TEST_CLIENT_SECRET,
        local_redirect_uri=local_redirect_uri,
    )
