"""No token, code or secret in the database as plaintext, or in any log line."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection
from {{ cookiecutter.project_slug }}.tokens.cipher import token_associated_data

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import TEST_CLIENT_SECRET, app_config, migrated_app
from tests.helpers.flow import advance_clock, local_path, start_login


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def plaintext_tokens(app: Flask) -> list[str]:
    """The tokens as the platform issued them, recovered through the cipher."""
    cipher = app.extensions["fsckmsft"].cipher
    with app.app_context():
        row = db.session.scalars(db.select(Connection)).one()
        return [
            cipher.decrypt(
                getattr(row, f"{column}_ciphertext"),
                associated_data=token_associated_data(row.id, column),
            )
            for column in ("access_token", "refresh_token")
        ]


def full_flow(app: Flask, web: FlaskClient, sandbox: SandboxServer) -> list[str]:
    """Connect, list, refresh; answers every secret value that took part."""
    callback = sandbox.approve(start_login(web), "ada")
    query = parse_qs(urlsplit(callback).query)
    assert web.get(local_path(callback)).status_code == 302
    first_tokens = plaintext_tokens(app)
    assert web.get("/dashboard").status_code == 200
    advance_clock(app, sandbox, 61 * 60)
    assert web.get("/dashboard").status_code == 200
    return [
        query["code"][0],
        query["state"][0],
        TEST_CLIENT_SECRET,
        *first_tokens,
        *plaintext_tokens(app),
    ]


@pytest.fixture
def file_app(tmp_path: Path, sandbox: SandboxServer) -> Flask:
    return migrated_app(
        app_config(
            f"sqlite:///{tmp_path / 'app.db'}",
            sandbox.url,
            FSCKMSFT_API_URL=sandbox.api_url,
            CLOCK_SOURCE="sandbox",
        )
    )


def test_no_plaintext_token_in_the_database_file(
    tmp_path: Path, file_app: Flask, sandbox: SandboxServer
) -> None:
    secrets = full_flow(file_app, file_app.test_client(), sandbox)
    with file_app.app_context():
        db.engine.dispose()  # flush the WAL into the file
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("app.db*"))
    assert raw, "database file not found"
    for secret in secrets:
        assert secret.encode() not in raw
    assert b"act_" not in raw and b"rft_" not in raw


def test_debug_log_of_a_full_flow_holds_no_secret(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    collector = Collect()
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(collector)
    root.setLevel(logging.DEBUG)
    for name in ("werkzeug", "urllib3", "authlib", "sqlalchemy.engine"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        secrets = full_flow(app, web, sandbox)
    finally:
        root.removeHandler(collector)
        root.setLevel(previous_level)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    text = "\n".join(collector.lines)
    assert "/oauth/token" in text, "urllib3 debug lines were not captured"
    for secret in secrets:
        assert secret not in text
