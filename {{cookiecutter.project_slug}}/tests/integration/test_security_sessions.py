"""Sessions that end on the server: logout, disconnect, reconnect, idle and absolute limits,
and a new browser id at every login. Each in development and in production configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import LoginState, UserSession
from {{ cookiecutter.project_slug }}.services import build_services

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.cookies import copy_of
from tests.helpers.flow import (
    advance_clock,
    connect,
    csrf_token,
    local_path,
    start_login,
    token_calls,
)


def signed_in(web: FlaskClient) -> bool:
    return web.get("/dashboard").status_code == 200


def first_connection(web: FlaskClient) -> str:
    with web.session_transaction() as session:
        return session["connection_ids"][0]


def add_task(web: FlaskClient, token: str, connection_id: str) -> int:
    """POST a task the way the dashboard form does; answers the status."""
    form = {
        "csrf_token": token,
        "connection_id": connection_id,
        "project_id": "prj_any",
        "title": "added from a copied cookie",
    }
    return web.post("/dashboard/tasks", data=form).status_code


def task_posts(sandbox: SandboxServer) -> list[dict]:
    return [e for e in sandbox.requests() if e["method"] == "POST" and e["path"].startswith("/v1")]


def session_rows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession)) or 0


def age_sessions(app: Flask, **changes: datetime) -> None:
    with app.app_context():
        db.session.execute(update(UserSession).values(**changes))
        db.session.commit()


# -- logout, disconnect, reconnect ---------------------------------------------------


def test_a_cookie_copied_before_logout_opens_nothing(
    any_web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(any_web, sandbox)
    connection_id, token = first_connection(any_web), csrf_token(any_web)
    saved = copy_of(any_web)
    assert any_web.post("/logout", data={"csrf_token": token}).status_code == 303
    assert not signed_in(saved)
    assert add_task(saved, token, connection_id) == 400  # its CSRF token died with it
    assert task_posts(sandbox) == []


def with_identity_source(app: Flask, sandbox: SandboxServer) -> Flask:
    """The optional identity source on (an extension): a login finds the user's connection
    to the workspace, whichever browser made it."""
    sandbox.enable_extension("identity")
    app.config["FSCKMSFT_IDENTITY_URL"] = f"{app.config['FSCKMSFT_API_URL']}/v1/me"
    app.extensions["fsckmsft"] = build_services(app)
    return app


def test_a_cookie_copied_before_disconnect_stays_dead_after_a_reconnect_elsewhere(
    any_env_app: Flask, sandbox: SandboxServer
) -> None:
    app = with_identity_source(any_env_app, sandbox)
    web = app.test_client()
    connect(web, sandbox)
    connection_id, token = first_connection(web), csrf_token(web)
    saved = copy_of(web)
    form = {"csrf_token": token, "connection_id": connection_id}
    assert web.post("/disconnect", data=form).status_code == 303
    elsewhere = app.test_client()
    connect(elsewhere, sandbox)  # the same user and workspace: the same connection row
    assert first_connection(elsewhere) == connection_id
    assert not signed_in(saved)
    add_task(saved, token, connection_id)  # the copy still holds the old CSRF token
    assert task_posts(sandbox) == []


def test_a_reconnect_elsewhere_ends_older_grants_of_that_connection(
    any_env_app: Flask, sandbox: SandboxServer
) -> None:
    app = with_identity_source(any_env_app, sandbox)
    web = app.test_client()
    connect(web, sandbox)
    saved = copy_of(web)
    elsewhere = app.test_client()
    connect(elsewhere, sandbox)
    assert first_connection(elsewhere) == first_connection(web)
    assert signed_in(elsewhere)
    assert not signed_in(saved)


def test_a_repeat_login_ends_copies_of_the_cookie(
    any_web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(any_web, sandbox)
    saved = copy_of(any_web)
    connect(any_web, sandbox)  # renews this browser's connection: a new authorization
    assert signed_in(any_web)
    assert not signed_in(saved)


def test_a_cookie_from_before_server_side_sessions_is_not_honoured(
    any_web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(any_web, sandbox)
    connection_id = first_connection(any_web)
    with any_web.session_transaction() as session:
        session.clear()  # what a cookie signed by the previous release held
        session.update(connection_ids=[connection_id])
    assert not signed_in(any_web)


# -- lifetimes ---------------------------------------------------------------------


def test_an_idle_session_ends(any_env_app: Flask, sandbox: SandboxServer) -> None:
    web = any_env_app.test_client()
    connect(web, sandbox)
    idle = timedelta(seconds=any_env_app.config["SESSION_IDLE_TIMEOUT_SECONDS"])
    age_sessions(any_env_app, last_seen_at=datetime.now(UTC) - idle - timedelta(seconds=1))
    assert not signed_in(web)
    assert session_rows(any_env_app) == 0


def test_an_active_session_ends_at_its_absolute_lifetime(
    any_env_app: Flask, sandbox: SandboxServer
) -> None:
    web = any_env_app.test_client()
    connect(web, sandbox)
    assert signed_in(web)
    age_sessions(any_env_app, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert not signed_in(web)


def test_activity_keeps_a_session_alive(any_env_app: Flask, sandbox: SandboxServer) -> None:
    web = any_env_app.test_client()
    connect(web, sandbox)
    idle = timedelta(seconds=any_env_app.config["SESSION_IDLE_TIMEOUT_SECONDS"])
    almost_idle = datetime.now(UTC) - idle + timedelta(minutes=5)
    age_sessions(any_env_app, last_seen_at=almost_idle)
    assert signed_in(web)  # seen now: the idle timeout starts again
    with any_env_app.app_context():
        seen = db.session.scalar(select(UserSession.last_seen_at))
    assert seen is not None and seen > almost_idle + timedelta(minutes=4)


def test_an_unchanged_session_cookie_is_not_sent_again(
    any_web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(any_web, sandbox)
    assert "Set-Cookie" in any_web.get("/").headers  # the page's CSRF token joined the session
    # Nothing changed since: the cookie the browser holds stays as it is (its expiry is the
    # session's absolute lifetime, which re-sending it would not change).
    assert "Set-Cookie" not in any_web.get("/").headers
    assert "Set-Cookie" not in any_web.get("/dashboard").headers


# -- the browser id ------------------------------------------------------------------


def test_a_browser_id_planted_before_login_is_worthless_after_it(
    any_env_app: Flask, sandbox: SandboxServer
) -> None:
    planted = "browser-id-the-attacker-knows"
    victim, attacker = any_env_app.test_client(), any_env_app.test_client()
    for browser in (victim, attacker):
        browser.get("/")
        with browser.session_transaction() as session:
            session["browser_id"] = planted
    connect(victim, sandbox, "ada")
    mine = first_connection(victim)
    # Later, the attacker starts a login under the planted id and sends its callback link.
    trap = sandbox.approve(start_login(attacker), "grace")
    exchanges = len(token_calls(sandbox, "authorization_code"))
    answer = victim.get(local_path(trap))
    assert answer.status_code == 400
    assert len(token_calls(sandbox, "authorization_code")) == exchanges
    with victim.session_transaction() as session:
        assert session["connection_ids"] == [mine]
        assert session["browser_id"] != planted


def test_pending_logins_of_other_tabs_survive_the_new_browser_id(
    any_env_app: Flask, sandbox: SandboxServer
) -> None:
    web = any_env_app.test_client()
    first_tab, second_tab = start_login(web), start_login(web)
    assert web.get(local_path(sandbox.approve(first_tab, "ada"))).status_code == 302
    assert web.get(local_path(sandbox.approve(second_tab, "grace"))).status_code == 302
    with web.session_transaction() as session:
        assert len(session["connection_ids"]) == 2  # both logins completed


# -- rate limits ---------------------------------------------------------------------


def test_login_is_rate_limited_per_client_address(
    any_env_app: Flask, sandbox: SandboxServer
) -> None:
    any_env_app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    flood, neighbour = any_env_app.test_client(), any_env_app.test_client()
    flood.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    neighbour.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    answers = [flood.get("/login").status_code for _ in range(8)]
    assert answers == [302] * 5 + [429] * 3
    with any_env_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginState)) == 5
    assert neighbour.get("/login").status_code == 302
    assert flood.get("/callback", query_string={"state": "x"}).status_code == 400
    for _ in range(5):
        flood.get("/callback", query_string={"state": "x"})
    assert flood.get("/callback", query_string={"state": "x"}).status_code == 429


def test_expired_login_states_are_purged(
    app: Flask, web: FlaskClient, sandbox: SandboxServer
) -> None:
    start_login(web)
    advance_clock(app, sandbox, 11 * 60)  # past the 10-minute lifetime of a state
    start_login(web)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginState)) == 1
