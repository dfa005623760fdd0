"""An outcome for every token-endpoint answer, on the web path and in the refresher alike.

- invalid_grant / invalid_scope: Reconnect, and no further token calls for that connection;
- invalid_client / unauthorized_client (a rotated secret, a deleted app): an honest page,
  one operator alert, token calls paused process-wide;
- 429 (with or without Retry-After), 5xx, timeouts: a per-connection cool-down that page
  views honour too.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection, ConnectionStatus
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import TEST_CLIENT_ID
from tests.helpers.flow import advance_clock, connect, token_calls
from tests.helpers.refresher import refresh_calls, seed_connections

EXPIRED = 61 * 60


def rows(app: Flask) -> list[Connection]:
    with app.app_context():
        return list(db.session.scalars(db.select(Connection)))


def page(web: FlaskClient) -> tuple[int, str]:
    response = web.get("/dashboard")
    return response.status_code, response.get_data(as_text=True)


def alerts(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if "OPERATOR ALERT" in record.getMessage()]


# -- the user must connect again -------------------------------------------------


def test_invalid_scope_on_refresh_shows_reconnect_and_no_further_token_calls(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    sandbox.add_fault(
        endpoint="token", grant_type="refresh_token", status=400, error="invalid_scope", count=1
    )
    advance_clock(app, sandbox, EXPIRED)
    for _ in range(3):
        status, html = page(web)
        assert status == 200 and "Reconnect" in html
    assert len(token_calls(sandbox, "refresh_token")) == 1
    [row] = rows(app)
    assert (row.status, row.last_error) == (ConnectionStatus.NEEDS_REAUTH, "invalid_scope")


def test_invalid_scope_in_the_refresher_needs_reauth(app: Flask, sandbox: SandboxServer) -> None:
    seed_connections(app, sandbox, 1)
    sandbox.add_fault(
        endpoint="token", grant_type="refresh_token", status=400, error="invalid_scope", count=1
    )
    advance_clock(app, sandbox, EXPIRED)
    refresher = Refresher(app.extensions["fsckmsft"], RefresherSettings())
    assert refresher.sweep().outcomes["needs_reauth"] == 1
    assert refresher.sweep().claimed == 0 and len(refresh_calls(sandbox)) == 1
    assert [row.status for row in rows(app)] == [ConnectionStatus.NEEDS_REAUTH]


# -- the operator must act ---------------------------------------------------------


def test_a_deleted_app_gives_an_honest_page_one_alert_and_no_5xx(
    app: Flask, web: FlaskClient, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    connect(web, sandbox)
    sandbox._call("DELETE", f"/_sandbox/apps/{TEST_CLIENT_ID}")  # revokes every token too
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            status, html = page(web)
            assert status < 500, html
            assert "integration is unavailable" in html and "Reconnect" not in html
    assert len(alerts(caplog)) == 1
    assert len(token_calls(sandbox, "refresh_token")) == 1  # then paused
    assert [row.status for row in rows(app)] == [ConnectionStatus.ACTIVE]  # not the user's fault


def test_a_refused_code_exchange_pauses_token_calls_and_alerts_once(
    app: Flask, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    connected = app.test_client()
    connect(connected, sandbox, "grace")
    advance_clock(app, sandbox, EXPIRED)  # grace's access token has expired
    sandbox.add_fault(
        endpoint="token", grant_type="authorization_code", status=401, error="invalid_client"
    )
    with caplog.at_level(logging.WARNING):
        for user in ("ada", "linus", "ada"):
            response = connect(app.test_client(), sandbox, user)
            assert response.status_code == 503
            assert "fsckmsft refused this app" in response.get_data(as_text=True)
        # The pause is the token service's: the connected browser's refresh waits too.
        status, html = page(connected)
        assert status < 500 and "integration is unavailable" in html
    assert len(alerts(caplog)) == 1
    assert len(token_calls(sandbox, "authorization_code")) == 2  # grace's, then one refused
    assert token_calls(sandbox, "refresh_token") == []


def test_unauthorized_client_pauses_token_calls_for_every_connection(
    app: Flask, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    browsers = [app.test_client() for _ in range(2)]
    for browser, user in zip(browsers, ("ada", "linus"), strict=True):
        connect(browser, sandbox, user)
    sandbox.add_fault(
        endpoint="token", grant_type="refresh_token", status=400, error="unauthorized_client"
    )
    advance_clock(app, sandbox, EXPIRED)
    with caplog.at_level(logging.WARNING):
        for browser in browsers * 2:
            status, html = page(browser)
            assert status < 500 and "integration is unavailable" in html
        # The refresher of this process is paused as well.
        result = Refresher(app.extensions["fsckmsft"], RefresherSettings()).sweep()
    assert result.outcomes["refreshed"] == 0 and result.failed == 0
    assert len(token_calls(sandbox, "refresh_token")) == 1
    assert len(alerts(caplog)) == 1


# -- the platform asks us to wait --------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "cooldown"),
    [({"status": 429, "retry_after": 120}, 120), ({"status": 429}, 30)],
    ids=["retry-after-120", "no-retry-after"],
)
def test_a_429_storm_makes_at_most_one_token_call_per_cooldown(
    app: Flask, web: FlaskClient, sandbox: SandboxServer, fault: dict[str, Any], cooldown: int
) -> None:
    connect(web, sandbox)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", **fault)  # every call
    advance_clock(app, sandbox, EXPIRED)
    for _ in range(5):
        status, html = page(web)
        assert status == 503 and "wait" in html
    assert len(token_calls(sandbox, "refresh_token")) == 1
    # Nor does the refresher call while the connection cools down.
    assert Refresher(app.extensions["fsckmsft"], RefresherSettings()).sweep().claimed == 0
    advance_clock(app, sandbox, cooldown - 5)
    page(web)
    assert len(token_calls(sandbox, "refresh_token")) == 1
    advance_clock(app, sandbox, 6)
    page(web)
    assert len(token_calls(sandbox, "refresh_token")) == 2


def test_timeouts_cool_the_connection_down_for_page_views(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    app.extensions["fsckmsft"].token_endpoint.timeout = 0.3
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", timeout=1.0, count=2)
    advance_clock(app, sandbox, EXPIRED)
    assert page(web)[0] == 503
    time.sleep(1.2)  # the sandbox logs a timed-out request once its (late) answer is sent
    assert len(token_calls(sandbox, "refresh_token")) == 2  # the call and its one retry
    assert page(web)[0] == 503
    time.sleep(1.2)
    assert len(token_calls(sandbox, "refresh_token")) == 2
    [row] = rows(app)
    assert row.status == ConnectionStatus.ACTIVE and row.cooldown_until is not None


def test_a_page_view_during_a_cooldown_uses_the_still_valid_token(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    sandbox.add_fault(endpoint="token", grant_type="refresh_token", status=503, count=1)
    advance_clock(app, sandbox, 59 * 60)  # inside the 2-minute leeway, not yet expired
    for _ in range(3):
        status, html = page(web)
        assert status == 200 and "data-project-id" in html
    assert len(token_calls(sandbox, "refresh_token")) == 1
