"""The callback refuses repeated parameters before anything else (RFC 6749 §3.1), and tells
a connected user that a spent link was already used, still without calling fsckmsft."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.flow import connect, csrf_token, local_path, start_login, token_calls


def approved_callback(web: FlaskClient, sandbox: SandboxServer) -> str:
    return local_path(sandbox.approve(start_login(web), "ada"))


@pytest.mark.parametrize(
    ("decision", "extra"),
    [
        ("approve", "state=forged-second-state"),
        ("approve", "code=forged-second-code"),
        ("deny", "error=server_error"),
    ],
)
def test_callback_with_a_repeated_parameter_never_reaches_the_token_endpoint(
    web: FlaskClient, sandbox: SandboxServer, decision: str, extra: str
) -> None:
    # The valid values come first: a check reading the first value alone would pass.
    callback = local_path(sandbox.approve(start_login(web), "ada", decision=decision))
    response = web.get(f"{callback}&{extra}")
    assert response.status_code == 400 and token_calls(sandbox) == []
    assert "more than once" in response.get_data(as_text=True)


def test_a_repeated_parameter_is_refused_before_the_state_is_spent(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = approved_callback(web, sandbox)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    assert web.get(f"{callback}&state={state}").status_code == 400
    assert web.get(callback).status_code == 302  # the state was not touched


def test_reloading_the_callback_says_already_connected_and_calls_nothing(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = approved_callback(web, sandbox)
    assert web.get(callback).status_code == 302
    reload = web.get(callback)
    html = reload.get_data(as_text=True)
    assert reload.status_code == 400 and "already connected" in html
    assert 'href="/dashboard"' in html
    assert len(token_calls(sandbox, "authorization_code")) == 1


def test_back_then_approve_again_says_already_connected_and_calls_nothing(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    authorize = start_login(web)
    assert web.get(local_path(sandbox.approve(authorize, "ada"))).status_code == 302
    again = web.get(local_path(sandbox.approve(authorize, "ada")))  # a new code, a spent state
    assert again.status_code == 400 and "already connected" in again.get_data(as_text=True)
    assert len(token_calls(sandbox, "authorization_code")) == 1


def test_a_spent_link_in_a_browser_without_connections_is_simply_not_valid(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = approved_callback(web, sandbox)
    connect_page = web.get(callback)
    assert connect_page.status_code == 302
    page = web.get("/").get_data(as_text=True)
    connection_id = page.split("/disconnect/confirm?connection=")[1].split('"')[0]
    web.post("/disconnect", data={"csrf_token": csrf_token(web), "connection_id": connection_id})
    replay = web.get(callback).get_data(as_text=True)
    assert "already connected" not in replay and "not valid" in replay


def test_a_foreign_state_is_not_called_already_connected(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    code = parse_qs(urlsplit(approved_callback(web, sandbox)).query)["code"][0]
    forged = web.get("/callback", query_string={"code": code, "state": "forged-state-value"})
    assert forged.status_code == 400 and "already connected" not in forged.get_data(as_text=True)
