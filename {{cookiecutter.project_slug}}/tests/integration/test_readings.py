"""What the app must show where the documentation allows more than one reading.

Each test runs under both sandbox profiles (tests/conftest.py) and asserts the outcome the
reading in force calls for (docs/sandbox.md, "Switches, profiles and extensions").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.fsckmsft.errors import NeedsReauthorization
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import TEST_CLIENT_ID, app_config, migrated_app
from tests.helpers.flow import advance_clock, connect, local_path, start_login, token_calls


def only_connection(app: Flask) -> Connection:
    with app.app_context():
        return db.session.scalars(db.select(Connection)).one()


@pytest.fixture
def deploy_new_secret(
    app: Flask, database_url: str, sandbox: SandboxServer
) -> Iterator[Callable[[], Flask]]:
    """The operator generates a new secret on fsckmsft and deploys it: the same database,
    keys and manifest, the new secret (call it once the test's logins are done)."""
    deployed: list[Flask] = []

    def deploy() -> Flask:
        rotated = sandbox._call("POST", f"/_sandbox/apps/{TEST_CLIENT_ID}/rotate-secret")
        deployed.append(
            migrated_app(
                app_config(
                    database_url,
                    sandbox.url,
                    FSCKMSFT_API_URL=sandbox.api_url,
                    CLOCK_SOURCE="sandbox",
                    SECRET_KEY=app.config["SECRET_KEY"],
                    TOKEN_ENCRYPTION_KEYS=app.config["TOKEN_ENCRYPTION_KEYS"],
                    MARKETPLACE_MANIFEST=app.config["MARKETPLACE_MANIFEST"],
                    FSCKMSFT_CLIENT_SECRET=rotated["client_secret"],
                )
            )
        )
        return deployed[-1]

    yield deploy
    for other in deployed:
        with other.app_context():
            db.engine.dispose()


def test_after_a_rotation_the_deployed_secret_refreshes_or_users_reconnect(
    app: Flask,
    web: FlaskClient,
    sandbox: SandboxServer,
    deploy_new_secret: Callable[[], Flask],
) -> None:
    connect(web, sandbox)
    connection_id = only_connection(app).id
    app_with_new_secret = deploy_new_secret()
    advance_clock(app_with_new_secret, sandbox, 61 * 60)
    tokens = app_with_new_secret.extensions["fsckmsft"].token_service
    if sandbox.reading("secret_rotation") == "keep":
        assert tokens.access_token(connection_id).value.startswith("act_")
        assert only_connection(app_with_new_secret).status == ConnectionStatus.ACTIVE
        return
    # "All existing tokens issued with the old secret will be invalidated": the user is asked
    # to reconnect, and nothing asks the platform again for that connection.
    with pytest.raises(NeedsReauthorization):
        tokens.access_token(connection_id)
    assert only_connection(app_with_new_secret).status == ConnectionStatus.NEEDS_REAUTH
    calls = len(token_calls(sandbox, "refresh_token"))
    with pytest.raises(NeedsReauthorization):
        tokens.access_token(connection_id)
    assert len(token_calls(sandbox, "refresh_token")) == calls


def test_after_a_rotation_new_logins_work_with_the_deployed_secret(
    sandbox: SandboxServer, deploy_new_secret: Callable[[], Flask]
) -> None:
    web = deploy_new_secret().test_client()
    assert connect(web, sandbox).headers["Location"].endswith("/dashboard")
    assert web.get("/dashboard").status_code == 200


def test_a_code_used_after_its_lifetime_is_refused_without_a_500(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback_url = sandbox.approve(start_login(web), "ada")
    advance_clock(app, sandbox, 90)  # past 60 s (strict), within 10 minutes (lenient)
    response = web.get(local_path(callback_url))
    if sandbox.reading("code_lifetime") > 90:
        assert response.headers["Location"].endswith("/dashboard")
        return
    assert response.status_code == 400  # "exchange_failed": an honest page, never a 500
    assert token_calls(sandbox, "authorization_code")[-1]["status"] == 400
    with app.app_context():
        assert db.session.scalars(db.select(Connection)).all() == []
