"""The Flask application factory: reads as a table of contents."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from flask import Flask

from .auth.rate_limits import limiter
from .config import (
    StartupError,
    exit_from_flask_command,
    own_host_names,
    settings_from_env,
    validate,
    warn_about_missing_credentials,
)
from .database import configure_sqlite, create_owner_only, engine_options, is_sqlite
from .events.receivers import connect_receivers
from .extensions import csrf, db, migrate
from .logs.configuration import configure_logging
from .logs.redaction import install_log_redaction
from .paths import project_path
from .services import build_services


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    try:
        return build_app(overrides)
    except StartupError as error:
        exit_from_flask_command(error)  # one sentence, no traceback, no second error
        raise


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    # The environment only: no file is read here (the `flask` command loads .env in
    # development, before this runs; production processes never do).
    settings = {**settings_from_env(), **(overrides or {})}
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.from_mapping(settings)
    validate(app.config)
    warn_about_missing_credentials(app.config)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    configure_session_cookie(app)
    configure_request_checks(app)
    register_session_check(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    install_log_redaction(secrets=configured_secrets(app.config))
    connect_receivers()
    app.extensions["fsckmsft"] = build_services(app)
    return app


def configured_secrets(config: dict[str, Any]) -> list[str]:
    """The secret values this process holds, which no log line may show."""
    keys = [entry.partition(":")[2].strip() for entry in config["TOKEN_ENCRYPTION_KEYS"].split(",")]
    return [config["SECRET_KEY"], config["FSCKMSFT_CLIENT_SECRET"], *keys]


def configure_session_cookie(app: Flask) -> None:
    development = app.config["APP_ENV"] != "production"
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,  # page scripts cannot read it (XSS cannot steal it)
        # Lax, not Strict: the callback is a cross-site navigation from fsckmsft and must
        # carry the cookie; Lax still withholds it from cross-site POSTs (CSRF).
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not development,
        # __Host- cookies must be Secure, host-only and Path=/: no subdomain can set them.
        SESSION_COOKIE_NAME="session" if development else "__Host-session",
        # The browser drops the cookie when the server-side session would end anyway.
        PERMANENT_SESSION_LIFETIME=app.config["SESSION_LIFETIME_SECONDS"],
        # That lifetime is absolute (the server ends the session then, however busy), so
        # re-signing the cookie on every response would only slide an expiry that changes
        # nothing: the cookie is written when its contents change.
        SESSION_REFRESH_EACH_REQUEST=False,
        # CSRF tokens live in the session and die with it (auth/session_user.check_session
        # clears an ended session); this bounds the anonymous ones too.
        WTF_CSRF_TIME_LIMIT=app.config["SESSION_LIFETIME_SECONDS"],
    )


def configure_request_checks(app: Flask) -> None:
    """Which Host names to answer, and how much one request may send."""
    from .web.limits import install_request_limits

    # Any other Host gets a 400: a DNS-rebinding name pointed at 127.0.0.1 cannot make a
    # web page a same-origin client of the development app (its inspector's controls).
    app.config["TRUSTED_HOSTS"] = own_host_names(app.config)
    install_request_limits(app)


def register_session_check(app: Flask) -> None:
    """Before every request, and before the CSRF check: drop an ended session."""
    from .auth.session_user import check_session

    app.before_request(check_session)


def register_extensions(app: Flask) -> None:
    # Owner-only (0700): the SQLite files in it hold the ciphertexts and session records.
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance.chmod(0o700)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        engine_options(app.config["SQLALCHEMY_DATABASE_URI"], app.config["REFRESHER_CONCURRENCY"]),
    )
    db.init_app(app)
    with app.app_context():
        if is_sqlite(db.engine):
            create_owner_only(db.engine)
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(project_path("migrations")))
    csrf.init_app(app)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .auth.views import blueprint as auth
    from .web.views import blueprint as web

    app.register_blueprint(web)
    app.register_blueprint(auth)
    register_flow_inspector(app)


def register_flow_inspector(app: Flask) -> None:
    """The workshop flow inspector at /inspector: development only, and only if baked in.

    Nothing else imports it, so a project baked with include_flow_inspector=no (the package
    deleted) runs unchanged. Never in production: everywhere else /inspector is a plain 404.
    """
    if not app.config["INSPECTOR_ENABLED"] or app.config["APP_ENV"] == "production":
        return
    name = f"{__name__}.inspector"
    if importlib.util.find_spec(name) is None:
        return
    importlib.import_module(name).init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from .web.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from .web.headers import add_security_headers

    app.after_request(add_security_headers)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
