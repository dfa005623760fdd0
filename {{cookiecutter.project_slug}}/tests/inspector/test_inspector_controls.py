"""The workshop controls change the sandbox, and the app's next steps show it."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.flow import advance_clock, connect, token_calls
from tests.helpers.inspector import csrf_token, steps_shown


def control(web: FlaskClient, path: str, **form: str) -> None:
    response = web.post(f"/inspector/sandbox/{path}", data={"csrf_token": csrf_token(web), **form})
    assert response.status_code == 303 and response.headers["Location"] == "/inspector"


def test_controls_are_shown_against_the_sandbox(web: FlaskClient, sandbox: Any) -> None:
    connect(web, sandbox)
    html = web.get("/inspector").get_data(as_text=True)
    assert "Advance clock +61 minutes" in html and "Advance clock +91 days" in html
    assert "Revoke the app for ada" in html and "Next token call: 500" in html


def test_plus_61_minutes_makes_the_next_dashboard_load_refresh(
    web: FlaskClient, sandbox: Any
) -> None:
    connect(web, sandbox)
    control(web, "clock", jump="61m")
    assert sandbox.clock()["offset"] == 61 * 60
    assert web.get("/dashboard").status_code == 200
    shown = steps_shown(web.get("/inspector").get_data(as_text=True))
    after_control = shown[shown.index("sandbox_control") :]
    assert "refreshed" in after_control and "token_request" in after_control
    assert len(token_calls(sandbox, "refresh_token")) == 1


def test_plus_91_days_ends_the_connection_without_asking_fsckmsft(
    web: FlaskClient, sandbox: Any
) -> None:
    connect(web, sandbox)
    control(web, "clock", jump="91d")
    html = web.get("/dashboard").get_data(as_text=True)
    assert "Reconnect to fsckmsft" in html
    assert token_calls(sandbox, "refresh_token") == []  # idle > 90 days: known to be dead


def test_revoke_ends_access_and_the_dashboard_asks_to_reconnect(
    web: FlaskClient, sandbox: Any
) -> None:
    connect(web, sandbox)
    control(web, "revoke", username="ada")
    html = web.get("/dashboard").get_data(as_text=True)
    assert "Reconnect to fsckmsft" in html


def test_revoke_needs_a_connection(web: FlaskClient, sandbox: Any) -> None:
    control(web, "revoke", username="ada")
    assert sandbox.requests() == []  # nobody to revoke: the sandbox was not called
    html = web.get("/inspector").get_data(as_text=True)
    assert "Connect first" in html


@pytest.mark.parametrize(
    ("kind", "rule"),
    [("500", {"status": 500}), ("rotate_then_drop", {"rotate_then_drop": True})],
)
def test_fault_controls_add_a_one_shot_rule_on_the_token_endpoint(
    web: FlaskClient, sandbox: Any, kind: str, rule: dict[str, Any]
) -> None:
    control(web, "fault", kind=kind)
    rules = requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()
    assert rules == [{"id": rules[0]["id"], "endpoint": "token", "count": 1, **rule}]


def test_a_500_on_the_next_refresh_keeps_the_dashboard_working(
    app: Flask, web: FlaskClient, sandbox: Any
) -> None:
    connect(web, sandbox)
    control(web, "fault", kind="500")
    control(web, "clock", jump="61m")
    # The refresh meets the 500 and the expired token cannot stand in: a friendly 503.
    assert web.get("/dashboard").status_code == 503
    # The connection cools down: page views wait it out, then the next attempt refreshes.
    assert web.get("/dashboard").status_code == 503
    assert len(token_calls(sandbox, "refresh_token")) == 1
    advance_clock(app, sandbox, 31)
    assert web.get("/dashboard").status_code == 200
    assert "Difference Engine" in web.get("/dashboard").get_data(as_text=True)


def test_controls_need_the_csrf_token(web: FlaskClient, sandbox: Any) -> None:
    response = web.post("/inspector/sandbox/clock", data={"jump": "61m"})
    assert response.status_code == 400
    assert sandbox.clock()["offset"] == 0


def test_unknown_control_values_are_refused(web: FlaskClient, sandbox: Any) -> None:
    token = csrf_token(web)
    for path, form in (("clock", {"jump": "1y"}), ("fault", {"kind": "drop-everything"})):
        response = web.post(f"/inspector/sandbox/{path}", data={"csrf_token": token, **form})
        assert response.status_code == 400
    assert sandbox.clock()["offset"] == 0
    assert requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json() == []
