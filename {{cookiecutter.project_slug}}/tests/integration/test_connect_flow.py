"""The whole flow against the sandbox, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import GRANTED, MANIFEST, TEST_CLIENT_ID, TEST_REDIRECT_URI
from tests.helpers.flow import (
    advance_clock,
    connect,
    connection_id_in,
    csrf_token,
    local_path,
    start_login,
    token_calls,
)


def test_landing_page_shows_connect_button(web: FlaskClient) -> None:
    html = web.get("/").get_data(as_text=True)
    assert "Connect with fsckmsft" in html and 'href="/login"' in html


def test_login_sends_the_documented_authorize_request(
    project_web: FlaskClient, sandbox: SandboxServer
) -> None:
    url = urlsplit(start_login(project_web))
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{sandbox.url}/oauth/authorize"
    assert params["client_id"] == TEST_CLIENT_ID
    assert params["redirect_uri"] == TEST_REDIRECT_URI
    assert params["response_type"] == "code"
    assert params["scope"].split() == list(MANIFEST.registration.scopes)
    assert len(params["state"]) >= 22  # at least 128 bits, base64url
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43


def test_redirect_uri_comes_from_config_not_the_host_header(web: FlaskClient) -> None:
    # Another of the app's own names (unknown names get a 400 before any view runs).
    response = web.get("/login", headers={"Host": "127.0.0.1:8000"})
    params = parse_qs(urlsplit(response.headers["Location"]).query)
    assert params["redirect_uri"] == [TEST_REDIRECT_URI]


def test_pkce_can_be_switched_off(app: Flask, web: FlaskClient, sandbox: SandboxServer) -> None:
    app.config["FSCKMSFT_USE_PKCE"] = False
    assert "code_challenge" not in start_login(web)
    assert connect(web, sandbox).status_code == 302


def test_connect_list_add_task_refresh_and_revoke(
    project_app: Flask, project_web: FlaskClient, sandbox: SandboxServer
) -> None:
    callback = connect(project_web, sandbox, "ada")
    assert callback.status_code == 302 and callback.headers["Location"] == "/dashboard"
    assert callback.headers["Referrer-Policy"] == "no-referrer"
    assert callback.headers["Cache-Control"] == "no-store"
    assert token_calls(sandbox, "authorization_code")[0]["status"] == 200

    dashboard = project_web.get("/dashboard").get_data(as_text=True)
    if "read:projects" not in GRANTED:
        # No documented call needs the scopes this project requests: the dashboard says
        # what is missing and never calls the API (so nothing expires in use either).
        assert "cannot list projects" in dashboard
        assert not [e for e in sandbox.requests() if e["path"].startswith("/v1/")]
        return
    projects = re.findall(r'data-project-id="([^"]+)"', dashboard)
    assert projects, dashboard

    if "write:tasks" in GRANTED:
        added = project_web.post(
            "/dashboard/tasks",
            data={
                "csrf_token": csrf_token(project_web, "/dashboard"),
                "connection_id": connection_id_in(dashboard),
                "project_id": projects[0],
                "title": "Write the workshop notes",
            },
        )
        assert added.status_code == 303
        assert "Added" in project_web.get("/dashboard").get_data(as_text=True)
    else:
        assert "Adding tasks needs write:tasks" in dashboard

    advance_clock(project_app, sandbox, 61 * 60)
    later = project_web.get("/dashboard")
    assert later.status_code == 200 and projects[0] in later.get_data(as_text=True)
    assert len(token_calls(sandbox, "refresh_token")) == 1
    assert not [
        e for e in sandbox.requests() if e["path"].startswith("/v1/") and e["status"] == 401
    ]

    sandbox.revoke("ada", TEST_CLIENT_ID)
    revoked = project_web.get("/dashboard")
    assert revoked.status_code == 200 and "Reconnect" in revoked.get_data(as_text=True)


def test_deny_shows_a_friendly_page_with_try_again(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    location = sandbox.approve(start_login(web), "ada", decision="deny")
    response = web.get(local_path(location))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Try again" in html and token_calls(sandbox) == []


def test_parallel_logins_in_two_tabs_both_work(web: FlaskClient, sandbox: SandboxServer) -> None:
    first_tab = sandbox.approve(start_login(web), "grace")
    second_tab = sandbox.approve(start_login(web), "grace", workspace=None)
    for location in (second_tab, first_tab):
        assert web.get(local_path(location)).status_code == 302


def test_two_workspaces_make_two_connections(web: FlaskClient, sandbox: SandboxServer) -> None:
    grace = next(user for user in sandbox.users() if user["username"] == "grace")
    for workspace in grace["workspaces"][:2]:
        # "Connect another workspace": without an identity endpoint the browser says so.
        authorize = web.get("/login", query_string={"new": "1"}).headers["Location"]
        callback = sandbox.approve(authorize, "grace", workspace["id"])
        assert web.get(local_path(callback)).status_code == 302
    html = web.get("/").get_data(as_text=True)
    assert html.count('href="/disconnect/confirm?connection=') == 2  # one per connection


def test_disconnect_deletes_the_tokens(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    from {{ cookiecutter.project_slug }}.extensions import db
    from {{ cookiecutter.project_slug }}.models import Connection

    connect(web, sandbox)
    confirm = re.search(r'href="(/disconnect/confirm[^"]+)"', web.get("/dashboard").text)
    assert confirm, "no Disconnect link on the dashboard"
    page = web.get(confirm.group(1).replace("&amp;", "&")).get_data(as_text=True)
    connection_id = connection_id_in(page)
    response = web.post(
        "/disconnect", data={"csrf_token": csrf_token(web), "connection_id": connection_id}
    )
    assert response.status_code == 303
    with app.app_context():
        row = db.session.get(Connection, connection_id)
        assert row is not None
        assert row.access_token_ciphertext is None and row.refresh_token_ciphertext is None
    assert "Connect with fsckmsft" in web.get("/").get_data(as_text=True)


def test_fewer_scopes_granted_turns_features_off(web: FlaskClient, sandbox: SandboxServer) -> None:
    # The app asks for read:projects and write:tasks (the `web` fixture); the user (here:
    # the authorize URL) grants only read:projects.
    narrowed = re.sub(r"scope=[^&]+", "scope=read%3Aprojects", start_login(web))
    callback = sandbox.approve(narrowed, "ada")
    assert web.get(local_path(callback)).status_code == 302
    html = web.get("/dashboard").get_data(as_text=True)
    assert "did not grant" in html and "write:tasks" in html
    assert "Add task" not in html
