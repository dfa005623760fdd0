"""Connections nobody can reach any more are not kept alive for ever.

A connection is reachable while a browser presents it, and CONNECTION_RETENTION_DAYS
(30 here) after the last time one did. Past that, the refresher retires it instead of
refreshing it: tokens deleted, no token call, status `abandoned`. A logout makes the
browser's connections unreachable at once (unless an identity source named them).
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app
from tests.helpers.flow import (
    advance_clock,
    api_url,
    connect,
    csrf_token,
    enable_identity_extension,
    token_calls,
)

DAY = 24 * 3600


def only_connection(app: Flask) -> Connection:
    with app.app_context():
        [row] = db.session.scalars(db.select(Connection)).all()
        return row


def sweep(app: Flask) -> None:
    Refresher(app.extensions["fsckmsft"], RefresherSettings()).sweep()


def test_a_connection_no_browser_presented_for_the_retention_period_is_retired(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    advance_clock(app, sandbox, 31 * DAY)
    sweep(app)
    row = only_connection(app)
    assert row.status == ConnectionStatus.ABANDONED
    assert row.access_token_ciphertext is None and row.refresh_token_ciphertext is None
    assert token_calls(sandbox, "refresh_token") == []  # not kept alive


def test_a_retired_connection_asks_its_browser_to_reconnect(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    advance_clock(app, sandbox, 31 * DAY)
    sweep(app)
    page = web.get("/dashboard")
    assert page.status_code == 200 and "Reconnect" in page.get_data(as_text=True)
    assert token_calls(sandbox, "refresh_token") == []


def test_a_connection_its_browser_keeps_presenting_stays_alive(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    advance_clock(app, sandbox, 20 * DAY)
    assert web.get("/dashboard").status_code == 200  # the browser presents it
    advance_clock(app, sandbox, 20 * DAY)  # 40 days after the login, 20 after the visit
    sweep(app)
    assert only_connection(app).status == ConnectionStatus.ACTIVE
    assert token_calls(sandbox, "refresh_token")[-1]["status"] == 200


def test_retention_is_a_setting(app: Flask, web: FlaskClient, sandbox: SandboxServer) -> None:
    app.extensions["fsckmsft"].retention *= 3  # 90 days
    connect(web, sandbox)
    advance_clock(app, sandbox, 31 * DAY)
    sweep(app)
    assert only_connection(app).status == ConnectionStatus.ACTIVE


def log_out(web: FlaskClient) -> None:
    assert web.post("/logout", data={"csrf_token": csrf_token(web)}).status_code == 303


def test_logging_out_ends_the_browsers_connections_at_once(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    # Without an identity nobody can reach them after a logout: their tokens go now.
    connect(web, sandbox)
    log_out(web)
    row = only_connection(app)
    assert row.status == ConnectionStatus.ABANDONED
    assert row.access_token_ciphertext is None and row.refresh_token_ciphertext is None


def test_logging_out_keeps_connections_an_identity_source_named(
    database_url: str, sandbox: SandboxServer
) -> None:
    enable_identity_extension(sandbox)
    app = migrated_app(
        app_config(
            database_url,
            sandbox.url,
            FSCKMSFT_API_URL=api_url(sandbox),
            FSCKMSFT_IDENTITY_URL=f"{api_url(sandbox)}/v1/me",
        )
    )
    web = app.test_client()
    connect(web, sandbox)
    log_out(web)
    assert only_connection(app).status == ConnectionStatus.ACTIVE  # the next login renews it
    with app.app_context():
        db.engine.dispose()
