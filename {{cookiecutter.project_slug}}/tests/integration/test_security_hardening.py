"""Cookies, headers and CSRF: the security list of DESIGN.md §6."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }} import create_app

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config
from tests.helpers.flow import connect, csrf_token


def set_cookie_header(web: FlaskClient, sandbox: SandboxServer) -> str:
    response = connect(web, sandbox)
    return "; ".join(response.headers.getlist("Set-Cookie"))


def test_session_cookie_is_httponly_and_lax(web: FlaskClient, sandbox: SandboxServer) -> None:
    cookie = set_cookie_header(web, sandbox)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookie_is_secure_and_host_prefixed(sqlite_url: str) -> None:
    config = app_config(
        sqlite_url,
        "https://auth.fsckmsft.test",
        APP_ENV="production",
        FSCKMSFT_REDIRECT_URI="https://app.example.com/callback",
    )
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_every_page_has_security_headers(web: FlaskClient) -> None:
    for path in ("/", "/privacy", "/terms", "/support", "/healthz", "/missing-page"):
        headers = web.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_state_changing_routes_refuse_get(web: FlaskClient) -> None:
    for path in ("/logout", "/disconnect", "/dashboard/tasks"):
        assert web.get(path).status_code == 405, path


def test_post_without_csrf_token_is_refused(web: FlaskClient, sandbox: SandboxServer) -> None:
    connect(web, sandbox)
    for path in ("/logout", "/disconnect", "/dashboard/tasks"):
        assert web.post(path, data={}).status_code == 400, path
    assert "Disconnect" in web.get("/").get_data(as_text=True)  # still signed in


def test_disconnect_from_another_origin_is_refused(
    web: FlaskClient, sandbox: SandboxServer
) -> None:
    connect(web, sandbox)
    token = csrf_token(web)
    response = web.post(
        "/disconnect",
        data={"csrf_token": token, "connection_id": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code in (400, 403)


def test_logout_clears_the_session(web: FlaskClient, sandbox: SandboxServer) -> None:
    connect(web, sandbox)
    assert web.post("/logout", data={"csrf_token": csrf_token(web)}).status_code == 303
    assert "Connect with fsckmsft" in web.get("/").get_data(as_text=True)


def test_healthz_reports_the_database(app: Flask, web: FlaskClient) -> None:
    response = web.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "migrations": "current"}
