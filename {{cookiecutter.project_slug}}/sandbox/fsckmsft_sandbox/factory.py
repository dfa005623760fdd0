"""create_sandbox(): the emulator as one Flask app (authorization server and API).

The API answers on its own origin when the `api_origin` switch says `separate`: the servers
(serving.py, testing.py) then listen on a second port whose requests `api_origin_app` marks.
"""

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
from .settings import Settings, settings_from
from .state import SandboxState, current_settings

JSON_PREFIXES = ("/_sandbox", "/oauth/token", "/v1")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
#: Set in the WSGI environ of requests that reached the API's own origin.
API_ORIGIN_KEY = "fsckmsft_sandbox.api_origin"


def create_sandbox(
    database: str | None = None,
    seed_app: dict[str, Any] | None = None,
    hosts: Iterable[str] = (),
    settings: Settings | dict[str, Any] | None = None,
) -> Flask:
    """The sandbox app. `database` is a SQLite file (None: a private temporary file);
    `seed_app` is registered at start and again by every reset, with its own credentials;
    `hosts` are host names it answers to besides 127.0.0.1 and localhost; `settings`
    (Settings, or changes to the strict profile such as `{"profile": "lenient",
    "extensions": ["identity"]}`) are in force at start and again after every reset."""
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
    start = settings_from(settings)
    app.extensions["sandbox"] = SandboxState(
        seed_app=seed_app, start_settings=start, settings=start
    )
    db.init_app(app)
    init_authorization_server(app)
    for blueprint in (oauth_views.bp, api.bp, admin_api.bp, controls.bp, pages.bp):
        app.register_blueprint(blueprint)
    app.before_request(refuse_cross_site_writes)
    app.before_request(keep_auth_and_api_apart)
    # Every page shows the profile in force and labels the extensions that are on.
    app.context_processor(lambda: {"sandbox_settings": current_settings()})
    register_error_handlers(app)
    instrument.install(app)
    with app.app_context():
        event.listen(db.engine, "connect", use_write_ahead_log)
        start_database(seed_app)
    return app


def listening_on(app: Flask, port: int, scheme: str = "http") -> None:
    """Fix the sandbox's own origins once its port is known: the only `Origin` it trusts."""
    app.config["OWN_ORIGINS"] = frozenset(
        f"{scheme}://{host}:{port}" for host in app.config["TRUSTED_HOSTS"]
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


def api_origin_app(app: Flask) -> Any:
    """The WSGI app for the API's own origin: the same sandbox, its requests marked."""

    def marked(environ: dict[str, Any], start_response: Any) -> Any:
        environ[API_ORIGIN_KEY] = True
        return app(environ, start_response)

    return marked


def keep_auth_and_api_apart() -> Response | None:
    """With the API on its own origin, /v1/* exists only there and /oauth/* only on the
    authorization server, as on the platform (auth.… and api.…)."""
    if current_settings().api_origin != "separate":
        return None
    on_api_origin = bool(request.environ.get(API_ORIGIN_KEY))
    if request.path.startswith("/v1/") and not on_api_origin:
        return error_response(404, "not_found", "The API answers on its own origin.")
    if request.path.startswith("/oauth/") and on_api_origin:
        return error_response(
            404, "not_found", "This is the API's origin; /oauth/* is on the authorization server's."
        )
    return None


def error_response(status: int, error: str, description: str) -> Response:
    if request.path.startswith(JSON_PREFIXES):
        response = jsonify(
            {"error": error, "error_description": description, "message": description}
        )
    else:
        response = Response(render_template("error.html", message=description))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Plain HTTP errors as RFC 6749-style JSON on JSON routes, as a page elsewhere."""
    names = {
        400: "invalid_request",
        404: "not_found",
        405: "invalid_request",
        413: "invalid_request",
        415: "invalid_request",
        500: "server_error",
    }

    def handle(error: HTTPException) -> Response:
        code = error.code or 500
        return error_response(code, names.get(code, "invalid_request"), error.description or "")

    for code in names:
        app.register_error_handler(code, handle)
