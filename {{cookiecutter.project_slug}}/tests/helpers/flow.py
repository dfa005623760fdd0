"""The Connect flow driven from a test: log in, approve in the sandbox, read its request log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fsckmsft_sandbox.testing import SandboxServer


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start_login(web: FlaskClient, next_path: str | None = None) -> str:
    """GET /login; answers the authorize URL the web is sent to."""
    response = web.get("/login", query_string={"next": next_path} if next_path else None)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def connect(
    web: FlaskClient, sandbox: SandboxServer, username: str = "ada", workspace: str | None = None
) -> TestResponse:
    """The whole Connect flow; answers the app's response to the callback."""
    callback_url = sandbox.approve(start_login(web), username, workspace)
    return web.get(local_path(callback_url))


def advance_clock(app: Flask, sandbox: SandboxServer, seconds: float) -> None:
    """Move the sandbox clock; the app's clock follows (CLOCK_SOURCE=sandbox)."""
    sandbox.advance(seconds)
    app.extensions["fsckmsft"].clock.forget()


def token_calls(sandbox: SandboxServer, grant_type: str | None = None) -> list[dict[str, Any]]:
    return [
        entry
        for entry in sandbox.requests()
        if entry["path"] == "/oauth/token" and grant_type in (None, entry.get("grant_type"))
    ]


def csrf_token(web: FlaskClient, page: str = "/") -> str:
    import re

    html = web.get(page).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def connection_id_in(html: str) -> str:
    """The connection id a page's form posts (its hidden `connection_id` field)."""
    import re

    match = re.search(r'name="connection_id" value="([^"]+)"', html)
    assert match, "no connection_id field on the page"
    return match.group(1)


def api_url(sandbox: SandboxServer) -> str:
    """The API's own origin: the sandbox's API port where it has one, else the same server
    under another host name (a different origin from the authorization server all the same)."""
    return getattr(sandbox, "api_url", None) or sandbox.url.replace("127.0.0.1", "localhost")


def enable_identity_extension(sandbox: SandboxServer) -> None:
    """Switch on the sandbox's /v1/me extension until its next reset, keeping the extensions
    already on (a project declaring undocumented scopes needs `extra_scopes` as well)."""
    sandbox.enable_extension("identity")
