"""The callback's state check: bad, missing, replayed, expired or foreign state → 400, and
the token endpoint is never called."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.flow import advance_clock, connect, local_path, start_login, token_calls


def approved_callback(web: FlaskClient, sandbox: SandboxServer) -> str:
    return local_path(sandbox.approve(start_login(web), "ada"))


def test_missing_state_is_refused_before_any_token_call(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = approved_callback(web, sandbox)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = web.get("/callback", query_string={"code": code})
    assert response.status_code == 400 and token_calls(sandbox) == []


def test_wrong_state_is_refused_before_any_token_call(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = approved_callback(web, sandbox)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = web.get("/callback", query_string={"code": code, "state": "forged-state-value"})
    assert response.status_code == 400 and token_calls(sandbox) == []
    assert "not valid" in response.get_data(as_text=True)


def test_replayed_callback_with_the_old_cookie_fails(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = approved_callback(web, sandbox)
    session_cookie = web.get_cookie("session")
    assert session_cookie is not None
    old_cookie = session_cookie.value
    assert web.get(callback).status_code == 302
    web.set_cookie("session", old_cookie)  # the attacker replays URL and cookie as they were
    replay = web.get(callback)
    assert replay.status_code == 400
    assert len(token_calls(sandbox, "authorization_code")) == 1


def test_state_from_another_browser_is_refused(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    # Login CSRF: the attacker starts a login, then lures the victim to the callback URL.
    attacker_callback = approved_callback(web, sandbox)
    victim = app.test_client()
    victim.get("/")
    assert victim.get(attacker_callback).status_code == 400
    assert token_calls(sandbox) == []


def test_state_expires_after_ten_minutes(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = approved_callback(web, sandbox)
    advance_clock(app, sandbox, 10 * 60 + 1)
    assert web.get(callback).status_code == 400
    assert token_calls(sandbox) == []


def test_error_redirect_with_a_bad_state_is_refused(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    response = web.get("/callback", query_string={"error": "access_denied", "state": "nope"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example"]
)
def test_next_never_leaves_the_site(
    web: FlaskClient, sandbox: SandboxServer, next_path: str
) -> None:
    callback = sandbox.approve(start_login(web, next_path=next_path), "ada")
    assert web.get(local_path(callback)).headers["Location"] == "/dashboard"


def test_next_leads_to_a_local_path(web: FlaskClient, sandbox: SandboxServer) -> None:
    callback = sandbox.approve(start_login(web, next_path="/privacy"), "ada")
    assert web.get(local_path(callback)).headers["Location"] == "/privacy"


def test_session_is_renewed_at_login(web: FlaskClient, sandbox: SandboxServer) -> None:
    web.get("/login")
    with web.session_transaction() as session:
        session["planted"] = "by an attacker"
    assert connect(web, sandbox).status_code == 302
    with web.session_transaction() as session:
        assert "planted" not in session and session["connection_ids"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(["state", "code", "error", "error_description", "x"]),
        st.text(max_size=300),
        max_size=4,
    )
)
def test_fuzzed_callbacks_never_fail_and_never_reach_the_token_endpoint(
    web: FlaskClient, sandbox: SandboxServer, query: dict[str, str]
) -> None:
    start_login(web)  # a real pending state exists, but the fuzzer cannot know it
    response = web.get("/callback", query_string=query)
    assert response.status_code < 500
    # 400 for a bad callback; 414 when the fuzzer's text makes the query string longer than
    # MAX_QUERY_STRING_LENGTH, refused before the callback reads it.
    assert response.status_code in (400, 414) or query.get("error") == "access_denied"
    assert token_calls(sandbox) == []


def test_a_timed_out_code_exchange_is_not_retried_and_asks_to_connect_again(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    app.extensions["fsckmsft"].token_endpoint.timeout = 0.5
    sandbox.add_fault(endpoint="token", grant_type="authorization_code", timeout=1.5, count=1)
    response = web.get(approved_callback(web, sandbox))
    assert response.status_code == 502 and "connect again" in response.get_data(as_text=True)
    # The held request is logged once the sandbox lets go of it; then there must be no other.
    for _ in range(100):
        if token_calls(sandbox, "authorization_code"):
            break
        time.sleep(0.05)
    assert len(token_calls(sandbox, "authorization_code")) == 1  # never a second attempt
