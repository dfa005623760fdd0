"""A login and the dashboard need only the documented endpoints, on separate origins;
how connections are kept without an identity endpoint, and merged where one exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app, requesting_api_scopes
from tests.helpers.flow import (
    api_url,
    connect,
    connection_id_in,
    csrf_token,
    enable_identity_extension,
    local_path,
    start_login,
    token_calls,
)

DOCUMENTED = re.compile(r"^(/oauth/authorize|/oauth/token|/v1/projects|/v1/projects/[^/]+/tasks)$")


@pytest.fixture
def split_app(database_url: str, sandbox: SandboxServer, tmp_path: Path) -> Iterator[Flask]:
    """The app with fsckmsft's auth server and API on two different origins, requesting the
    API's scopes (whatever this project asks for)."""
    app = migrated_app(
        app_config(
            database_url,
            sandbox.url,
            FSCKMSFT_API_URL=api_url(sandbox),
            CLOCK_SOURCE="sandbox",
            **requesting_api_scopes(sandbox, tmp_path),
        )
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def identified_app(database_url: str, sandbox: SandboxServer) -> Iterator[Flask]:
    """The app with an identity source: the sandbox's /v1/me extension, switched on."""
    enable_identity_extension(sandbox)
    app = migrated_app(
        app_config(
            database_url,
            sandbox.url,
            FSCKMSFT_API_URL=api_url(sandbox),
            FSCKMSFT_IDENTITY_URL=f"{api_url(sandbox)}/v1/me",
        )
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def rows(app: Flask) -> list[Connection]:
    with app.app_context():
        return list(db.session.scalars(db.select(Connection).order_by(Connection.created_at)))


def session_ids(web: FlaskClient) -> list[str]:
    with web.session_transaction() as session:
        return list(session.get("connection_ids", []))


def login_url(web: FlaskClient, **params: str) -> str:
    """GET /login with `params`; answers the authorize URL."""
    response = web.get("/login", query_string=params)
    assert response.status_code == 302
    return response.headers["Location"]


def add_task(web: FlaskClient, title: str) -> str:
    dashboard = web.get("/dashboard").get_data(as_text=True)
    project = re.findall(r'data-project-id="([^"]+)"', dashboard)[0]
    connection_id = connection_id_in(dashboard)
    web.post(
        "/dashboard/tasks",
        data={
            "csrf_token": csrf_token(web, "/dashboard"),
            "connection_id": connection_id,
            "project_id": project,
            "title": title,
        },
    )
    return web.get("/dashboard").get_data(as_text=True)


def test_login_and_dashboard_use_only_documented_endpoints_on_separate_origins(
    split_app: Flask, sandbox: SandboxServer
) -> None:
    web = split_app.test_client()
    assert connect(web, sandbox, "ada").headers["Location"] == "/dashboard"
    page = add_task(web, "Needs no identity endpoint")
    assert "Difference Engine" in page and "Added" in page
    paths = {entry["path"] for entry in sandbox.requests()}
    assert paths and all(DOCUMENTED.match(path) for path in paths), paths
    assert "/v1/me" not in paths


def test_without_identity_the_connection_belongs_to_the_browser(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox, "ada")
    [row] = rows(app)
    assert session_ids(web) == [row.id]
    assert row.fsckmsft_user_id is None and row.workspace_id is None
    assert app.test_client().get("/dashboard").status_code == 302  # another browser: nothing


def test_a_repeat_login_in_the_same_browser_renews_its_connection(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox, "ada")
    [first] = rows(app)
    connect(web, sandbox, "ada")
    [renewed] = rows(app)
    assert renewed.id == first.id and renewed.version > first.version
    assert session_ids(web) == [first.id]
    assert len(token_calls(sandbox, "authorization_code")) == 2


def test_connect_another_workspace_adds_a_connection(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox, "grace")
    other = sandbox.approve(login_url(web, new="1"), "grace", workspace="ws_grace_lectures")
    assert web.get(local_path(other)).status_code == 302
    assert len(rows(app)) == 2 and len(session_ids(web)) == 2


def test_reconnect_renews_the_chosen_connection_of_this_browser(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox, "grace")
    web.get(local_path(sandbox.approve(login_url(web, new="1"), "grace")))
    first, second = rows(app)
    web.get(local_path(sandbox.approve(login_url(web, connection=first.id), "grace")))
    after = {row.id: row.version for row in rows(app)}
    assert len(after) == 2
    assert after[first.id] > first.version and after[second.id] == second.version


def test_a_login_cannot_renew_another_browsers_connection(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    # Otherwise anyone who learnt a connection id could put their own tokens in its place.
    connect(web, sandbox, "ada")
    [victims] = rows(app)
    attacker = app.test_client()
    attacker.get(local_path(sandbox.approve(login_url(attacker, connection=victims.id), "linus")))
    after = {row.id: row.version for row in rows(app)}
    assert len(after) == 2 and after[victims.id] == victims.version


def test_with_an_identity_source_one_user_two_workspaces_make_two_connections(
    identified_app: Flask, sandbox: SandboxServer
) -> None:
    web = identified_app.test_client()
    for workspace in ("ws_grace_navy", "ws_grace_lectures"):
        callback = sandbox.approve(start_login(web), "grace", workspace)
        assert web.get(local_path(callback)).status_code == 302
    names = {row.workspace_id: row.workspace_name for row in rows(identified_app)}
    assert set(names) == {"ws_grace_navy", "ws_grace_lectures"}
    html = web.get("/").get_data(as_text=True)
    assert all(name is not None and name in html for name in names.values())


def test_with_an_identity_source_logins_from_two_browsers_share_one_connection(
    identified_app: Flask, sandbox: SandboxServer
) -> None:
    for _browser in range(2):
        web = identified_app.test_client()
        web.get(local_path(sandbox.approve(start_login(web), "ada")))
    [row] = rows(identified_app)
    assert row.fsckmsft_username == "ada" and row.workspace_name
