"""Pages that say what is true while the app is not fully set up: a database behind its
migrations, missing client credentials. Never a 500 traceback, always the operator told."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.paths import project_path

from tests.helpers.app import app_config


@pytest.fixture
def unmigrated_app(sqlite_url: str) -> Iterator[Flask]:
    app = create_app(app_config(sqlite_url, "https://fsckmsft.test"))
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_healthz_reports_pending_migrations(unmigrated_app: Flask) -> None:
    health = unmigrated_app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "ok", "migrations": "pending"}


def test_healthz_follows_the_migrations_on_either_database(database_url: str) -> None:
    """Never migrated (no version table), one migration behind, then at head: the health
    check reads Alembic's version table itself, on SQLite and PostgreSQL alike."""
    app = create_app(app_config(database_url, "https://fsckmsft.test"))
    health = app.test_client()
    assert health.get("/healthz").get_json()["migrations"] == "pending"
    with app.app_context():
        migrations = ScriptDirectory(str(project_path("migrations")))
        (head,) = migrations.get_heads()
        previous = migrations.get_revision(head).down_revision
        assert isinstance(previous, str)
        upgrade(revision=previous)
    behind = health.get("/healthz")
    assert behind.status_code == 503
    assert behind.get_json()["migrations"] == "pending"
    with app.app_context():
        upgrade()
    current = health.get("/healthz")
    assert current.get_json() == {"status": "ok", "database": "ok", "migrations": "current"}
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_healthz_reports_a_database_that_does_not_answer() -> None:
    nowhere = "postgresql+psycopg://app:pw@127.0.0.1:1/nothing_listens_here"
    app = create_app(
        {
            **app_config(nowhere, "https://fsckmsft.test"),
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        }
    )
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "unreachable"}


def test_healthz_is_ok_once_migrated(unit_app: Flask) -> None:
    health = unit_app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["migrations"] == "current"


def test_connect_on_an_unmigrated_database_says_how_to_set_it_up(
    unmigrated_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    page = unmigrated_app.test_client().get("/login")
    assert page.status_code == 503
    assert "flask db upgrade" in page.get_data(as_text=True)
    assert "flask db upgrade" in caplog.text  # the operator is told too


def test_production_tells_the_user_only_that_the_site_is_being_set_up(
    sqlite_url: str,
) -> None:
    app = create_app(app_config(sqlite_url, "https://fsckmsft.test"))
    app.config["APP_ENV"] = "production"
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "still being set up" in page and "flask db" not in page


@pytest.mark.parametrize("missing", ["FSCKMSFT_CLIENT_ID", "FSCKMSFT_CLIENT_SECRET"])
def test_connect_without_client_credentials_tells_the_operator_and_the_user(
    sqlite_url: str, missing: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Not migrated: the check comes before any database work (and Alembic's logging
    # set-up would take caplog's handler away).
    app = create_app(app_config(sqlite_url, "https://fsckmsft.test", **{missing: ""}))
    with caplog.at_level(logging.WARNING):
        page = app.test_client().get("/login")
    assert page.status_code == 503
    assert "no fsckmsft client credentials" in page.get_data(as_text=True)
    told = [record for record in caplog.records if missing in record.getMessage()]
    assert [record.levelname for record in told if record.levelname == "ERROR"] == ["ERROR"]
