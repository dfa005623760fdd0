"""Pages that say what is true while the app is not fully set up: a database behind its
migrations, missing client credentials. Never a 500 traceback, always the operator told."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.paths import project_path

from tests.helpers.app import app_config


@pytest.fixture
def unmigrated_app(database_url: str) -> Iterator[Flask]:
    """An app on a database nothing has migrated yet, on SQLite and on PostgreSQL."""
    app = create_app(app_config(database_url, "https://fsckmsft.test"))
    yield app
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def _migrate(app: Flask, *, behind_head: int = 0) -> None:
    with app.app_context():
        migrations = ScriptDirectory(str(project_path("migrations")))
        revision: object = migrations.get_current_head()
        for _ in range(behind_head):
            assert isinstance(revision, str)  # one line of migrations, no merges
            revision = migrations.get_revision(revision).down_revision
        assert isinstance(revision, str)
        upgrade(revision=revision)


def test_healthz_reports_a_database_never_migrated_as_pending(
    unmigrated_app: Flask,
) -> None:
    health = unmigrated_app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "ok", "migrations": "pending"}


def test_healthz_reports_a_database_one_migration_behind_as_pending(
    unmigrated_app: Flask,
) -> None:
    _migrate(unmigrated_app, behind_head=1)
    health = unmigrated_app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "ok", "migrations": "pending"}


def test_healthz_is_ok_at_the_newest_migration(unmigrated_app: Flask) -> None:
    """Also says that the health check reads the table Alembic writes its version to."""
    _migrate(unmigrated_app)
    health = unmigrated_app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "database": "ok", "migrations": "current"}


def test_healthz_reports_a_version_table_it_cannot_read(
    unmigrated_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Connected, but the migration state cannot be read (here a damaged version table;
    in production more often a role without SELECT on it): not "unreachable", not "current"."""
    _migrate(unmigrated_app)
    with unmigrated_app.app_context(), db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE alembic_version RENAME COLUMN version_num TO v"))
    health = unmigrated_app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "ok", "migrations": "unreadable"}
    assert "the migration state is unreadable" in caplog.text


def test_healthz_reports_a_database_that_does_not_answer() -> None:
    nowhere = "postgresql+psycopg://app:pw@127.0.0.1:1/nothing_listens_here"
    config = app_config(
        nowhere,
        "https://fsckmsft.test",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    health = create_app(config).test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "unreachable"}


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
