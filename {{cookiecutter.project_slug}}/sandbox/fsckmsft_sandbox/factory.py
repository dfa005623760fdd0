"""create_sandbox(): the emulator as one Flask app (authorization server and API, one origin)."""

import atexit
import contextlib
import os
import tempfile
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from . import admin_api, api, controls, instrument, pages
from .models import db
from .oauth import views as oauth_views
from .oauth.server import init_authorization_server
from .seed import start_database
from .state import SandboxState

JSON_PREFIXES = ("/_sandbox", "/oauth/token", "/v1")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def create_sandbox(database: str | None = None,
                   seed_app: dict[str, Any] | None = None,
                   hosts: Iterable[str] = ()) -> Flask:
    """The sandbox app. `database` is a SQLite file (None: a private temporary file);
    `seed_app` is registered at start and again by every reset, with its own credentials;
    `hosts` are host names it answers to besides 127.0.0.1 and localhost."""
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database or private_database_file()}",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 30, "check_same_thread": False}},
        JSON_SORT_KEYS=False,
        # Any other Host is refused (400): a DNS-rebinding name that points at 127.0.0.1
        # cannot turn a web page into a same-origin client of the controls.
        TRUSTED_HOSTS=[*LOOPBACK_HOSTS, *hosts],
        OWN_ORIGINS=frozenset(),  # set by listening_on() once the port is known
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["sandbox"] = SandboxState(seed_app=seed_app)
    db.init_app(app)
    init_authorization_server(app)
    for blueprint in (oauth_views.bp, api.bp, admin_api.bp, controls.bp, pages.bp):
        app.register_blueprint(blueprint)
    app.before_request(refuse_cross_site_writes)
    register_error_handlers(app)
    instrument.install(app)
    with app.app_context():
        event.listen(db.engine, "connect", use_write_ahead_log)
        start_database(seed_app)
    return app


def listening_on(app: Flask, port: int) -> None:
    """Fix the sandbox's own origins once its port is known: the only `Origin` it trusts."""
    app.config["OWN_ORIGINS"] = frozenset(
        f"http://{host}:{port}" for host in app.config["TRUSTED_HOSTS"]
    )


def private_database_file() -> str:
    """A temporary SQLite file (not :memory:, which each thread would see empty)."""
    handle, path = tempfile.mkstemp(prefix="fsckmsft-sandbox-", suffix=".sqlite3")
    os.close(handle)
    atexit.register(_remove_if_present, path)
    return path


def _remove_if_present(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def use_write_ahead_log(connection: Any, _record: Any) -> None:
    """Readers never wait for the writer in WAL mode."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def refuse_cross_site_writes() -> Response | None:
    """The controls and settings take no login; a page on another site must not drive them
    from a visitor's browser (cross-site request forgery)."""
    if request.routing_exception is not None:
        return None  # routing refuses it first (an unknown Host: 400)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not request.path.startswith(("/_sandbox", "/settings")):
        return None
    origin = request.headers.get("Origin")
    cross_site = request.headers.get("Sec-Fetch-Site") == "cross-site"
    # A fixed list, never a URL built from the request's own Host header (which the
    # attacker chooses under DNS rebinding).
    own_origins = current_app.config["OWN_ORIGINS"]
    if cross_site or (origin is not None and origin.rstrip("/") not in own_origins):
        return error_response(403, "access_denied", "Cross-site requests are refused.")
    return None


def error_response(status: int, error: str, description: str) -> Response:
    if request.path.startswith(JSON_PREFIXES):
        response = jsonify({"error": error, "error_description": description,
                            "message": description})
    else:
        response = Response(render_template("error.html", message=description))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Plain HTTP errors as RFC 6749-style JSON on JSON routes, as a page elsewhere."""
    names = {400: "invalid_request", 404: "not_found", 405: "invalid_request",
             413: "invalid_request", 415: "invalid_request", 500: "server_error"}

    def handle(error: HTTPException) -> Response:
        code = error.code or 500
        return error_response(code, names.get(code, "invalid_request"), error.description or "")

    for code in names:
        app.register_error_handler(code, handle)
