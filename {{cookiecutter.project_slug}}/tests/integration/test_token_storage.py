"""Tokens at rest in a real database: key rotation, and tampering caught."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.config import parse_key_ring
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.fsckmsft.errors import NeedsReauthorization
from {{ cookiecutter.project_slug }}.models import Connection
from {{ cookiecutter.project_slug }}.tokens.cipher import (
    DecryptionError,
    TokenCipher,
    token_associated_data,
)
from {{ cookiecutter.project_slug }}.tokens.rotation import rotate_all_tokens

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import new_key_ring_entry
from tests.helpers.flow import connect
from tests.helpers.refresher import seed_connections


def key_ids(app: Flask) -> set[str]:
    with app.app_context():
        rows = db.session.scalars(db.select(Connection)).all()
        return {
            envelope.split(":")[1]
            for row in rows
            for envelope in (row.access_token_ciphertext, row.refresh_token_ciphertext)
        }


def add_new_first_key(app: Flask) -> str:
    """What an operator does: a new key first in TOKEN_ENCRYPTION_KEYS, the old one after."""
    services = app.extensions["fsckmsft"]
    new_entry = new_key_ring_entry()
    ring = parse_key_ring(f"{new_entry},{app.config['TOKEN_ENCRYPTION_KEYS']}")
    services.cipher = services.token_service.cipher = TokenCipher(ring)
    return new_entry.split(":")[0]


def test_rotate_key_re_encrypts_every_row_under_the_first_key(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    seed_connections(app, sandbox, 3)
    new_key_id = add_new_first_key(app)
    output = app.test_cli_runner().invoke(args=["tokens", "rotate-key"]).output
    assert "re-encrypted 4 connection(s); 0 already current" in output
    assert key_ids(app) == {new_key_id}
    assert "data-project-id" in web.get("/dashboard").get_data(as_text=True)  # still works
    again = app.test_cli_runner().invoke(args=["tokens", "rotate-key"]).output
    assert "re-encrypted 0 connection(s); 4 already current" in again


def test_an_interrupted_rotation_finishes_when_run_again(
    app: Flask, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_connections(app, sandbox, 4)
    new_key_id = add_new_first_key(app)
    services = app.extensions["fsckmsft"]
    real_encrypt, calls = services.cipher.encrypt, []

    def encrypt_then_crash(*args: object, **kwargs: object) -> str:
        calls.append(1)
        if len(calls) == 5:  # two rows done, the third half-way: the process dies
            raise KeyboardInterrupt
        return real_encrypt(*args, **kwargs)

    monkeypatch.setattr(services.cipher, "encrypt", encrypt_then_crash)
    with pytest.raises(KeyboardInterrupt):
        rotate_all_tokens(services)
    monkeypatch.setattr(services.cipher, "encrypt", real_encrypt)
    assert len(key_ids(app)) == 2  # some rows moved, the rest still readable under the old key
    result = rotate_all_tokens(services)
    assert (result.rotated, result.current) == (2, 2)
    assert key_ids(app) == {new_key_id}


def test_a_token_copied_into_another_row_does_not_decrypt(
    app: Flask, sandbox: SandboxServer
) -> None:
    victim, attacker = seed_connections(app, sandbox, 2)
    with app.app_context():
        stolen = db.session.get_one(Connection, victim).access_token_ciphertext
        db.session.get_one(Connection, attacker).access_token_ciphertext = stolen
        db.session.commit()
        row = db.session.get(Connection, attacker)
        with pytest.raises(DecryptionError):
            app.extensions["fsckmsft"].cipher.decrypt(
                stolen, associated_data=token_associated_data(attacker, "access_token")
            )
        with pytest.raises(NeedsReauthorization):  # the connection is not usable either
            app.extensions["fsckmsft"].token_service._decrypt_access(row)


def test_refresh_all_refreshes_every_active_connection(app: Flask, sandbox: SandboxServer) -> None:
    seed_connections(app, sandbox, 3)
    result = app.test_cli_runner().invoke(args=["tokens", "refresh", "--all"])
    assert result.exit_code == 0, result.output
    assert "refreshed 3 of 3; 0 failed" in result.output
    with app.app_context():
        assert {row.version for row in db.session.scalars(db.select(Connection))} == {2}
