"""A stored token that does not decrypt is that connection's problem only (its key left
the ring, or the ciphertext was damaged): rotation carries on and reports it, the
connection needs re-authorization, the user sees Reconnect, an operator log names the row."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.config import parse_key_ring
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings
from {{ cookiecutter.project_slug }}.tokens.cipher import TokenCipher, token_associated_data

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import new_key_ring_entry
from tests.helpers.flow import advance_clock, connect, token_calls
from tests.helpers.refresher import seed_connections


def encrypt_under_a_lost_key(app: Flask, connection_id: str, column: str) -> None:
    """Store a token encrypted under a key that is not in the ring (as after losing it)."""
    lost = TokenCipher(parse_key_ring(new_key_ring_entry()))
    envelope = lost.encrypt(
        "rft_secret_value_never_shown",
        associated_data=token_associated_data(connection_id, column),
    )
    with app.app_context():
        setattr(db.session.get(Connection, connection_id), f"{column}_ciphertext", envelope)
        db.session.commit()


def row(app: Flask, connection_id: str) -> Connection:
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
    assert connection is not None, f"no connection {connection_id}"
    return connection


def test_rotate_key_carries_on_past_an_undecryptable_row_and_reports_it(
    app: Flask, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    first, broken, last = seed_connections(app, sandbox, 3)
    encrypt_under_a_lost_key(app, broken, "refresh_token")
    services = app.extensions["fsckmsft"]
    new_entry = new_key_ring_entry()
    ring = parse_key_ring(f"{new_entry},{app.config['TOKEN_ENCRYPTION_KEYS']}")
    services.cipher = services.token_service.cipher = TokenCipher(ring)
    with caplog.at_level(logging.ERROR):
        result = app.test_cli_runner().invoke(args=["tokens", "rotate-key"])
    assert result.exit_code == 1
    assert "re-encrypted 2 connection(s)" in result.output and broken in result.output
    assert "rft_" not in result.output and "rft_" not in caplog.text
    assert broken in caplog.text  # the operator line names the row
    new_key_id = new_entry.split(":")[0]
    for connection_id in (first, last):
        ciphertext = row(app, connection_id).access_token_ciphertext
        assert ciphertext is not None
        assert ciphertext.split(":")[1] == new_key_id
    assert row(app, broken).status == ConnectionStatus.NEEDS_REAUTH


def test_an_undecryptable_access_token_shows_reconnect_and_names_the_row(
    app: Flask, web: FlaskClient, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    connect(web, sandbox)
    with app.app_context():
        connection_id = db.session.scalars(db.select(Connection.id)).one()
    encrypt_under_a_lost_key(app, connection_id, "access_token")
    with caplog.at_level(logging.ERROR):
        response = web.get("/dashboard")
    assert response.status_code == 200 and "Reconnect" in response.get_data(as_text=True)
    assert row(app, connection_id).status == ConnectionStatus.NEEDS_REAUTH
    assert connection_id in caplog.text and "does not decrypt" in caplog.text


def test_an_undecryptable_refresh_token_needs_reauth_without_a_token_call(
    app: Flask, sandbox: SandboxServer
) -> None:
    [connection_id] = seed_connections(app, sandbox, 1)
    encrypt_under_a_lost_key(app, connection_id, "refresh_token")
    advance_clock(app, sandbox, 61 * 60)
    result = Refresher(app.extensions["fsckmsft"], RefresherSettings()).sweep()
    assert result.outcomes["needs_reauth"] == 1 and result.failed == 0
    assert token_calls(sandbox, "refresh_token") == []
    assert row(app, connection_id).status == ConnectionStatus.NEEDS_REAUTH
