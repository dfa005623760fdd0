"""Refresh: users never meet an avoidable 401, and no race loses an authorization."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.clock import SystemClock
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.fsckmsft.api import Project
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.flow import advance_clock, connect, token_calls


def only_connection(app: Flask) -> Connection:
    with app.app_context():
        return db.session.scalars(db.select(Connection)).one()


def api_401s(sandbox: SandboxServer) -> list[dict]:
    return [e for e in sandbox.requests() if e["path"].startswith("/v1/") and e["status"] == 401]


def test_twenty_concurrent_callers_on_an_expired_token_cause_one_refresh(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    connection = only_connection(app)
    advance_clock(app, sandbox, 61 * 60)
    services = app.extensions["fsckmsft"]
    results: list[list[Project] | BaseException] = []
    barrier = threading.Barrier(20)

    def call_api() -> None:
        barrier.wait()
        try:
            api = services.api.for_connection(connection.id, connection.granted_scopes())
            results.append(api.list_projects())
        except BaseException as error:  # collected and asserted below
            results.append(error)

    threads = [threading.Thread(target=call_api) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(result, list) and result for result in results), results
    assert len(results) == 20
    refreshes = token_calls(sandbox, "refresh_token")
    assert len(refreshes) == 1 and refreshes[0]["status"] == 200
    assert api_401s(sandbox) == []


def test_a_401_refreshes_once_and_retries_once(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    # Only the platform's clock moves: the app keeps the system time and so still
    # believes its token is fresh (as after clock skew, or an early expiry).
    app.extensions["fsckmsft"].token_service.now = SystemClock().now
    sandbox.advance(61 * 60)
    response = web.get("/dashboard")
    assert response.status_code == 200 and "data-project-id" in response.get_data(as_text=True)
    assert len(api_401s(sandbox)) == 1
    assert len(token_calls(sandbox, "refresh_token")) == 1


def test_revoked_access_shows_reconnect_never_500(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    from tests.helpers.app import TEST_CLIENT_ID

    connect(web, sandbox)
    sandbox.revoke("ada", TEST_CLIENT_ID)
    response = web.get("/dashboard")
    assert response.status_code == 200 and "Reconnect" in response.get_data(as_text=True)
    assert only_connection(app).status == ConnectionStatus.NEEDS_REAUTH


def test_ninety_days_idle_needs_reauth_without_calling_the_platform(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    advance_clock(app, sandbox, 91 * 24 * 3600)
    response = web.get("/dashboard")
    assert "Reconnect" in response.get_data(as_text=True)
    assert token_calls(sandbox, "refresh_token") == []
    assert only_connection(app).last_error == "refresh_token_idle_90_days"


def test_rotated_then_dropped_refresh_retries_once_then_needs_reauth(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", rotate_then_drop=True, count=1)
    advance_clock(app, sandbox, 61 * 60)
    response = web.get("/dashboard")
    assert response.status_code == 200 and "Reconnect" in response.get_data(as_text=True)
    attempts = token_calls(sandbox, "refresh_token")
    assert len(attempts) == 2 and attempts[1]["status"] == 400


def test_a_timeout_is_retried_once_with_the_same_token(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    app.extensions["fsckmsft"].token_endpoint.timeout = 0.5
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", timeout=1.5, count=1)
    advance_clock(app, sandbox, 61 * 60)
    response = web.get("/dashboard")
    assert response.status_code == 200 and "data-project-id" in response.get_data(as_text=True)
    assert only_connection(app).status == ConnectionStatus.ACTIVE


def test_a_500_from_the_token_endpoint_keeps_the_connection_and_cools_it_down(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", status=500, count=1)
    advance_clock(app, sandbox, 61 * 60)
    first = web.get("/dashboard")
    assert first.status_code == 503 and "try again" in first.get_data(as_text=True)
    connection = only_connection(app)
    assert connection.status == ConnectionStatus.ACTIVE and connection.refresh_failures == 1
    # Page views during the cool-down wait it out: no second call to a struggling platform.
    assert web.get("/dashboard").status_code == 503
    assert len(token_calls(sandbox, "refresh_token")) == 1
    advance_clock(app, sandbox, 31)  # past the first cool-down (at most 30 s)
    second = web.get("/dashboard")
    assert second.status_code == 200 and "data-project-id" in second.get_data(as_text=True)
    assert only_connection(app).refresh_failures == 0


def test_rotated_client_secret_is_not_blamed_on_the_user(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    from tests.helpers.app import TEST_CLIENT_ID

    connect(web, sandbox)
    sandbox._call("POST", f"/_sandbox/apps/{TEST_CLIENT_ID}/rotate-secret")
    advance_clock(app, sandbox, 61 * 60)
    response = web.get("/dashboard")
    assert response.status_code < 500
    assert "integration is unavailable" in response.get_data(as_text=True)
    assert "Reconnect" not in response.get_data(as_text=True)
    assert only_connection(app).status == ConnectionStatus.ACTIVE
