"""Helpers for refresher tests: many connections, made fast, straight through the sandbox."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from authlib.integrations.requests_client import OAuth2Session
from flask import Flask

from {{ cookiecutter.project_slug }}.database import write_locked_session
from {{ cookiecutter.project_slug }}.fsckmsft.token_response import TokenSet
from {{ cookiecutter.project_slug }}.models import Connection, new_connection_id
from {{ cookiecutter.project_slug }}.services import Services

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import PROJECT_ROOT, TEST_CLIENT_ID, TEST_REDIRECT_URI


def issue_tokens(sandbox: SandboxServer, services: Services, username: str) -> TokenSet:
    """Approve in the sandbox and exchange the code: a real token set, no browser."""
    client = OAuth2Session(
        TEST_CLIENT_ID, scope=" ".join(services.requested_scopes), redirect_uri=TEST_REDIRECT_URI
    )
    url, _ = client.create_authorization_url(
        f"{sandbox.url}/oauth/authorize", state=secrets.token_urlsafe(16)
    )
    code = parse_qs(urlsplit(sandbox.approve(url, username)).query)["code"][0]
    return services.token_endpoint.exchange_code(
        code=code, redirect_uri=TEST_REDIRECT_URI, code_verifier=None
    )


def seed_connections(
    app: Flask, sandbox: SandboxServer, count: int, username: str = "ada"
) -> list[str]:
    """`count` connections, each with its own real tokens from the sandbox."""
    services: Services = app.extensions["fsckmsft"]
    ids = []
    with write_locked_session(services.token_service.engine) as session:
        for number in range(count):
            connection = Connection(
                id=new_connection_id(),
                fsckmsft_user_id=f"{username}-{number}",
                fsckmsft_username=username,
                workspace_id=f"ws-{number}",
                workspace_name=f"Workspace {number}",
                version=0,
                # A browser holds them across the tests' time jumps (retention has its own tests).
                reachable_until=services.clock.now() + timedelta(days=365),
            )
            services.token_service.store_tokens(
                session, connection, issue_tokens(sandbox, services, username)
            )
            ids.append(connection.id)
    return ids


def flask_env(app: Flask, **extra: str) -> dict[str, str]:
    """Environment for a `flask` subprocess configured like `app`."""
    config = app.config
    names = [
        "APP_ENV", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "FSCKMSFT_CLIENT_ID",
        "FSCKMSFT_CLIENT_SECRET", "FSCKMSFT_AUTH_URL", "FSCKMSFT_API_URL",
        "FSCKMSFT_REDIRECT_URI", "CLOCK_SOURCE", "MARKETPLACE_MANIFEST",
    ]  # fmt: skip
    # MARKETPLACE_MANIFEST only where the test set one; the rest every test config has.
    chosen = {name: str(config[name]) for name in names if config.get(name) is not None}
    env = {**os.environ, **chosen}
    env.update(DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"], FLASK_APP="{{ cookiecutter.project_slug }}")
    env.update(extra)
    return env


def start_flask(app: Flask, *args: str, **extra_env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", *args],
        cwd=PROJECT_ROOT,
        env=flask_env(app, **extra_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def refresh_calls(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [
        entry
        for entry in sandbox.requests()
        if entry["path"] == "/oauth/token" and entry.get("grant_type") == "refresh_token"
    ]
