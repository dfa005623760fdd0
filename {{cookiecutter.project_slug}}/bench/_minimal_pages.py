"""Bench helper: the minimal equivalents of the app's signed-in pages, as one Flask app.

- `/dashboard`: one sqlite3 row, one AES-GCM decryption, one API GET over a pooled
  connection, a small Jinja page;
- `/`: a bare route rendering that small page;
- `/healthz`: a bare route answering JSON after one sqlite3 read.

`pages.py` calls it in-process; `served_pages.py` serves it under gunicorn, which imports
`_minimal_pages:from_environment()` (the database and the API come from the environment).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Response, jsonify

# A small page, compiled once, as the app's own templates are (an .html file: Jinja).
PAGE = (Path(__file__).parent / "minimal_page.html").read_text(encoding="utf-8")
NONCE = b"\0" * 12
ASSOCIATED_DATA = b"connections/c1/access_token"


def create_database(path: Path) -> bytes:
    """A one-row connections table holding a sealed access token; answers the key."""
    key = AESGCM.generate_key(bit_length=256)
    sealed = AESGCM(key).encrypt(NONCE, b"act_" + b"x" * 40, ASSOCIATED_DATA)
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE connections (id TEXT PRIMARY KEY, token BLOB, name TEXT)")
        database.execute("INSERT INTO connections VALUES ('c1', ?, 'Workspace')", (sealed,))
    return key


def minimal_app(database_path: Path, key: bytes, api_url: str) -> Flask:
    """The same work as the app's pages, done by hand."""
    cipher = AESGCM(key)
    database = sqlite3.connect(database_path, check_same_thread=False)
    http = requests.Session()
    app = Flask("minimal")
    page = app.jinja_env.from_string(PAGE)  # compiled once, as the app's templates are

    @app.get("/dashboard")
    def dashboard() -> str:
        token, name = database.execute(
            "SELECT token, name FROM connections WHERE id = 'c1'"
        ).fetchone()
        access = cipher.decrypt(NONCE, token, ASSOCIATED_DATA).decode()
        answer = http.get(
            f"{api_url}/v1/projects", headers={"Authorization": f"Bearer {access}"}, timeout=10
        )
        return page.render(title=name, projects=answer.json()["projects"])

    @app.get("/")
    def index() -> str:
        return page.render(title="Acme Tasks", projects=[])

    @app.get("/healthz")
    def healthz() -> Response:
        database.execute("SELECT count(*) FROM connections").fetchone()
        return jsonify(status="ok")

    return app


def from_environment() -> Flask:
    """For gunicorn: MINIMAL_DATABASE, MINIMAL_KEY (hex) and MINIMAL_API_URL."""
    return minimal_app(
        Path(os.environ["MINIMAL_DATABASE"]),
        bytes.fromhex(os.environ["MINIMAL_KEY"]),
        os.environ["MINIMAL_API_URL"],
    )
