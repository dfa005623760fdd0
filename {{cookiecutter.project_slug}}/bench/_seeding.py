"""Bench helpers: thousands of connections with real sandbox tokens, made in seconds.

Going through the consent page 10,000 times would measure the consent page. Instead the
token rows are written straight into both databases — the sandbox's (as digests, as it
stores them) and the app's (encrypted, as the app stores them) — so that every refresh the
benchmark then makes is a real, checked refresh on the sandbox's token endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from sqlalchemy import insert

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection, new_connection_id
from {{ cookiecutter.project_slug }}.tokens.cipher import token_associated_data

from fsckmsft_sandbox import create_sandbox
from fsckmsft_sandbox.credentials import digest
from fsckmsft_sandbox.models import Token
from fsckmsft_sandbox.models import db as sandbox_db

BENCH_APP: dict[str, Any] = {
    "client_id": "sbx_bench_client",
    "client_secret": "bench-secret-" + "0123456789abcdefghijklmnopqrstuv",
    "name": "Bench",
    "description": "Benchmarks.",
    "homepage_url": "https://bench.example.com",
    "redirect_uris": ["http://localhost/callback"],
    "scopes": ["read:projects", "write:tasks"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed_sandbox_token_pairs(database: Path, count: int) -> list[tuple[str, str]]:
    """`count` live (access, refresh) token pairs for ada in the sandbox database."""
    sandbox = create_sandbox(database=str(database), seed_app=BENCH_APP)
    pairs = [
        (f"act_{secrets.token_urlsafe(24)}", f"rft_{secrets.token_urlsafe(24)}")
        for _ in range(count)
    ]
    rows = [
        {
            "client_id": BENCH_APP["client_id"], "user_id": "usr_ada", "workspace_id": "ws_ada",
            "code_id": 0, "scope": " ".join(BENCH_APP["scopes"]), "access_digest": digest(access),
            "refresh_digest": digest(refresh), "issued_at": time.time(), "expires_in": 3600,
        }
        for access, refresh in pairs
    ]  # fmt: skip
    with sandbox.app_context():
        sandbox_db.session.execute(insert(Token), rows)
        sandbox_db.session.commit()
        sandbox_db.engine.dispose()
    return pairs


def seed_sandbox_tokens(database: Path, count: int) -> list[str]:
    """`count` live refresh tokens (their access tokens unused) for ada in the sandbox."""
    return [refresh for _, refresh in seed_sandbox_token_pairs(database, count)]


def start_sandbox_process(database: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The sandbox in its own process (its own GIL), serving `database`."""
    port = free_port()
    code = (
        "import sys, json; from fsckmsft_sandbox import serve; "
        f"serve(port={port}, database={str(database)!r}, seed_app=json.loads(sys.argv[1]), "
        # The bench app talks to one sandbox origin for both (the strict profile otherwise).
        "settings={'api_origin': 'shared'})"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(BENCH_APP)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{url}/_sandbox/clock", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the sandbox did not start")


def seed_app_connections(
    app: Flask, refresh_tokens: list[str], due_in: timedelta, access_tokens: list[str] | None = None
) -> list[str]:
    """One connection per refresh token, encrypted as the app stores them, due `due_in` from
    now; answers their ids."""
    services = app.extensions["fsckmsft"]
    now = utcnow()
    rows = []
    for number, refresh_token in enumerate(refresh_tokens):
        connection_id = new_connection_id()
        encrypt = services.cipher.encrypt
        rows.append(
            {
                "id": connection_id, "fsckmsft_user_id": f"user-{number}",
                "fsckmsft_username": "ada", "workspace_id": f"ws-{number}",
                "workspace_name": f"Workspace {number}",
                "access_token_ciphertext": encrypt(
                    access_tokens[number] if access_tokens else f"act_unknown_{number}",
                    associated_data=token_associated_data(connection_id, "access_token"),
                ),
                "refresh_token_ciphertext": encrypt(
                    refresh_token,
                    associated_data=token_associated_data(connection_id, "refresh_token"),
                ),
                "scopes": " ".join(BENCH_APP["scopes"]), "access_expires_at": now + due_in,
                "refresh_issued_at": now, "refresh_due_at": now + due_in, "refresh_failures": 0,
                "status": "active", "version": 1, "created_at": now, "updated_at": now,
            }
        )  # fmt: skip
    with app.app_context():
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Connection), rows[start : start + 5000])
        db.session.commit()
    return [row["id"] for row in rows]


def bench_config(database_url: str, platform_url: str) -> dict[str, Any]:
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": "kbench:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "FSCKMSFT_CLIENT_ID": BENCH_APP["client_id"],
        "FSCKMSFT_CLIENT_SECRET": BENCH_APP["client_secret"],
        "FSCKMSFT_AUTH_URL": platform_url,
        "FSCKMSFT_API_URL": platform_url,
        "FSCKMSFT_REDIRECT_URI": BENCH_APP["redirect_uris"][0],
        "CLOCK_SOURCE": "system",
    }


def utcnow() -> datetime:
    return datetime.now(UTC)
