"""Settings from the environment, validated once at start-up.

Every setting is a plain environment variable. The app itself reads no file: in
development the `flask` command loads `.env` into the environment before the app starts;
a production process (gunicorn, the project's own command) reads its environment and
nothing else. The app refuses to start with a sentence naming the variable when a setting
is missing, malformed, or unsafe for the environment it runs in.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import sys
from collections.abc import Mapping
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import click
from flask.cli import NoAppException
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from .auth.callback_route import callback_route_problem
from .paths import default_instance_path, project_path
from .secret_strength import client_secret_problem, encryption_key_problem, secret_key_problem

log = logging.getLogger(__name__)
ENVIRONMENTS = ("development", "testing", "production")
CLOCK_SOURCES = ("system", "sandbox")
REFRESHER_MODES = ("ahead", "keepalive")
# The names a local server is reached by; the app also answers to its redirect URI's host.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


class StartupError(NoAppException):
    """The app cannot start. The `flask` command prints the message alone, no traceback."""


class ConfigError(StartupError):
    """A setting is missing or unsafe; the message names the variable and the fix."""


def exit_from_flask_command(error: StartupError) -> None:
    """Under the `flask` command, print the one sentence and exit.

    Left to itself, Flask would print the message, then a second, misleading error
    ("No such command 'db'") because the app that carries the command did not load.
    A WSGI server or a test (no click context) gets the exception instead.
    """
    if click.get_current_context(silent=True) is None:
        return
    click.secho(f"Error: {error.format_message()}", err=True, fg="red")
    sys.exit(2)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "")
    if raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}.") from None


def _names(environ: Mapping[str, str], name: str) -> list[str]:
    return [part.strip() for part in environ.get(name, "").split(",") if part.strip()]


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting the app knows from the environment into Flask config keys."""
    env = os.environ if environ is None else environ
    app_env = env.get("APP_ENV", "production")  # unset means production: safe by default
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        "TOKEN_ENCRYPTION_KEYS": env.get("TOKEN_ENCRYPTION_KEYS", ""),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL", "")),
        "FSCKMSFT_CLIENT_ID": env.get("FSCKMSFT_CLIENT_ID", ""),
        "FSCKMSFT_CLIENT_SECRET": env.get("FSCKMSFT_CLIENT_SECRET", ""),
        "FSCKMSFT_AUTH_URL": env.get("FSCKMSFT_AUTH_URL", "https://auth.fsckmsft.org").rstrip("/"),
        "FSCKMSFT_API_URL": env.get("FSCKMSFT_API_URL", "https://api.fsckmsft.org").rstrip("/"),
        "FSCKMSFT_REDIRECT_URI": env.get("FSCKMSFT_REDIRECT_URI", ""),
        # Optional, not documented by the platform: see fsckmsft/identity.py.
        "FSCKMSFT_IDENTITY_URL": env.get("FSCKMSFT_IDENTITY_URL", "").strip(),
        "FSCKMSFT_ACCOUNT_SETTINGS_URL": env.get("FSCKMSFT_ACCOUNT_SETTINGS_URL", ""),
        "FSCKMSFT_USE_PKCE": _flag(env.get("FSCKMSFT_USE_PKCE"), default=True),
        "FSCKMSFT_HTTP_TIMEOUT": _float(env, "FSCKMSFT_HTTP_TIMEOUT", 10.0),
        "REFRESH_LEEWAY_SECONDS": _int(env, "REFRESH_LEEWAY_SECONDS", 120),
        "REFRESHER_INTERVAL_SECONDS": _int(env, "REFRESHER_INTERVAL_SECONDS", 60),
        "REFRESHER_BATCH_SIZE": _int(env, "REFRESHER_BATCH_SIZE", 100),
        "REFRESHER_CONCURRENCY": _int(env, "REFRESHER_CONCURRENCY", 4),
        "REFRESHER_LEASE_SECONDS": _int(env, "REFRESHER_LEASE_SECONDS", 300),
        "REFRESHER_WINDOW_SECONDS": _int(env, "REFRESHER_WINDOW_SECONDS", 300),
        "REFRESHER_KEEPALIVE_DAYS": _int(env, "REFRESHER_KEEPALIVE_DAYS", 80),
        "REFRESHER_MODE": env.get("REFRESHER_MODE", "") or "ahead",
        "REFRESH_COOLDOWN_SECONDS": _int(env, "REFRESH_COOLDOWN_SECONDS", 30),
        "CONNECTION_RETENTION_DAYS": _int(env, "CONNECTION_RETENTION_DAYS", 30),
        "CLOCK_SOURCE": env.get("CLOCK_SOURCE", "system"),
        "MARKETPLACE_MANIFEST": env.get("MARKETPLACE_MANIFEST")
        or str(project_path("marketplace", "manifest.toml")),
        # Flask wants it absolute; a relative INSTANCE_PATH means "from where I start".
        "INSTANCE_PATH": os.path.abspath(env["INSTANCE_PATH"])
        if env.get("INSTANCE_PATH")
        else default_instance_path(),
        "INSPECTOR_ENABLED": _flag(env.get("INSPECTOR_ENABLED"), default=app_env == "development"),
        "ALLOWED_HOSTS": _names(env, "ALLOWED_HOSTS"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        "MAX_QUERY_STRING_LENGTH": _int(env, "MAX_QUERY_STRING_LENGTH", 4096),
        "SESSION_LIFETIME_SECONDS": _int(env, "SESSION_LIFETIME_SECONDS", 12 * 3600),
        "SESSION_IDLE_TIMEOUT_SECONDS": _int(env, "SESSION_IDLE_TIMEOUT_SECONDS", 3600),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "30 per minute"),
        "METRICS_PORT": _int(env, "METRICS_PORT", 0),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "LOG_FORMAT": env.get("LOG_FORMAT", "text").lower(),
        "REFRESHER_SWEEP_RETENTION_DAYS": _int(env, "REFRESHER_SWEEP_RETENTION_DAYS", 14),
    }


def normalise_database_url(url: str) -> str:
    """DATABASE_URL as users paste it: `postgres://` (Heroku, Render) and `postgresql://`
    name no driver, so SQLAlchemy would look for psycopg2; the app ships psycopg 3."""
    if not url:
        return "sqlite:///app.db"
    scheme, separator, rest = url.partition("://")
    if separator and scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    return url


def parse_key_ring(raw: str) -> list[tuple[str, bytes]]:
    """Parse TOKEN_ENCRYPTION_KEYS: comma-separated '<key id>:<urlsafe base64 32-byte key>'."""
    ring: list[tuple[str, bytes]] = []
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id.isalnum():
            raise ConfigError(
                "TOKEN_ENCRYPTION_KEYS entries must look like '<key id>:<base64 key>' with an "
                "alphanumeric key id; generate one with `flask tokens new-key`."
            )
        try:
            key = base64.urlsafe_b64decode(encoded.encode())
        except (binascii.Error, ValueError):
            raise ConfigError(
                f"TOKEN_ENCRYPTION_KEYS key {key_id!r} is not valid base64; generate one with "
                "`flask tokens new-key`."
            ) from None
        if len(key) != 32:
            raise ConfigError(
                f"TOKEN_ENCRYPTION_KEYS key {key_id!r} must be 32 bytes (AES-256), got {len(key)}; "
                "generate one with `flask tokens new-key`."
            )
        ring.append((key_id, key))
    if not ring:
        raise ConfigError(
            "TOKEN_ENCRYPTION_KEYS is not set; generate a key with `flask tokens new-key` "
            "and set it (in .env for development)."
        )
    if len({key_id for key_id, _ in ring}) != len(ring):
        raise ConfigError("TOKEN_ENCRYPTION_KEYS names the same key id twice; give each its own.")
    return ring


def own_host_names(config: Mapping[str, Any]) -> list[str]:
    """The host names this app answers to: loopback, its redirect URI's host, ALLOWED_HOSTS."""
    redirect_host = urlsplit(config["FSCKMSFT_REDIRECT_URI"]).hostname
    names = [*LOOPBACK_HOSTS, *([redirect_host] if redirect_host else []), *config["ALLOWED_HOSTS"]]
    return list(dict.fromkeys(names))


def validate(config: Mapping[str, Any]) -> None:
    """Refuse to start on a missing or unsafe setting, naming the variable."""
    app_env = config["APP_ENV"]
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}.")
    secret_key = config["SECRET_KEY"]
    if not secret_key:
        raise ConfigError(
            "SECRET_KEY is not set; it signs the session cookie: set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    parse_key_ring(config["TOKEN_ENCRYPTION_KEYS"])
    validate_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["LOG_LEVEL"] not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")
    if config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}.")
    if not 0 <= config["METRICS_PORT"] <= 65535:
        raise ConfigError("METRICS_PORT must be a port number (0 turns metrics off).")
    if config["REFRESHER_SWEEP_RETENTION_DAYS"] < 1:
        raise ConfigError("REFRESHER_SWEEP_RETENTION_DAYS must be at least 1.")
    if config["CLOCK_SOURCE"] not in CLOCK_SOURCES:
        raise ConfigError(f"CLOCK_SOURCE must be one of {', '.join(CLOCK_SOURCES)}.")
    for name in (
        "REFRESHER_BATCH_SIZE",
        "REFRESHER_CONCURRENCY",
        "REFRESHER_INTERVAL_SECONDS",
        "MAX_CONTENT_LENGTH",
        "MAX_QUERY_STRING_LENGTH",
        "SESSION_LIFETIME_SECONDS",
        "SESSION_IDLE_TIMEOUT_SECONDS",
    ):
        if config[name] < 1:
            raise ConfigError(f"{name} must be at least 1.")
    if config["REFRESHER_MODE"] not in REFRESHER_MODES:
        raise ConfigError(f"REFRESHER_MODE must be one of {', '.join(REFRESHER_MODES)}.")
    if not 1 <= config["REFRESHER_KEEPALIVE_DAYS"] < 90:
        raise ConfigError("REFRESHER_KEEPALIVE_DAYS must be below the platform's 90-day limit.")
    if config["CONNECTION_RETENTION_DAYS"] < 1:
        raise ConfigError("CONNECTION_RETENTION_DAYS must be at least 1.")
    _validate_identity_url(config)
    if app_env == "production":
        _validate_production(config)


def _validate_identity_url(config: Mapping[str, Any]) -> None:
    # The identity source receives the access token: only ever the API's own origin.
    source = urlsplit(config.get("FSCKMSFT_IDENTITY_URL", ""))
    api = urlsplit(config["FSCKMSFT_API_URL"])
    if source.geturl() and (
        (source.scheme, source.netloc) != (api.scheme, api.netloc) or not source.path
    ):
        raise ConfigError(
            "FSCKMSFT_IDENTITY_URL must be a URL on FSCKMSFT_API_URL's origin "
            "(it receives the access token), or be left empty."
        )


def validate_database_url(url: str) -> None:
    """A URL SQLAlchemy can use, with its driver installed. Never echoes the URL: it may
    hold a password."""
    example = "sqlite:///app.db or postgresql+psycopg://user:password@host/dbname"
    try:
        dialect = make_url(url).get_dialect()
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL; use one like {example}.") from None
    except NoSuchModuleError:
        scheme = url.partition(":")[0]
        raise ConfigError(
            f"DATABASE_URL names an unknown database kind {scheme!r}; use one like {example}."
        ) from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        raise ConfigError(
            f"DATABASE_URL needs the Python driver {error.name!r}, which is not installed "
            "(for PostgreSQL: pip install 'psycopg[binary]')."
        ) from None


def account_settings_url(config: Mapping[str, Any]) -> str:
    """Where a user revokes the app's access on fsckmsft ("from their account settings",
    says the documentation, which gives no address): the setting, or the sandbox's page."""
    return config["FSCKMSFT_ACCOUNT_SETTINGS_URL"] or f"{config['FSCKMSFT_AUTH_URL']}/settings/apps"


def missing_credentials(config: Mapping[str, Any]) -> list[str]:
    """The client credentials that are not set (production refuses to start without them;
    development starts, and "Connect" cannot work until they are set)."""
    return [name for name in ("FSCKMSFT_CLIENT_ID", "FSCKMSFT_CLIENT_SECRET") if not config[name]]


_credential_warnings: set[str] = set()


def warn_about_missing_credentials(config: Mapping[str, Any]) -> None:
    """Tell the operator at start-up (once per process) what "Connect" will lack."""
    missing = " and ".join(missing_credentials(config))
    if missing and missing not in _credential_warnings:
        _credential_warnings.add(missing)
        log.warning(
            '%s not set: "Connect with fsckmsft" cannot work until you set your registered '
            "app's values (in .env for development).",
            missing,
        )


def is_loopback(url: str) -> bool:
    """True for a URL whose host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _validate_production(config: Mapping[str, Any]) -> None:
    for name in ("FSCKMSFT_CLIENT_ID", "FSCKMSFT_CLIENT_SECRET", "FSCKMSFT_REDIRECT_URI"):
        if not config[name]:
            raise ConfigError(f"{name} is not set; production needs the registered app's value.")
    # The same rules as `flask marketplace check`: a guessable SECRET_KEY lets anyone forge
    # a session cookie, a made-up token key exposes every stored token, and a stand-in
    # client secret means a copy-pasted example reached production.
    problems = [
        secret_key_problem(config["SECRET_KEY"]),
        *(
            encryption_key_problem(key_id, key)
            for key_id, key in parse_key_ring(config["TOKEN_ENCRYPTION_KEYS"])
        ),
        client_secret_problem(config["FSCKMSFT_CLIENT_SECRET"]),
    ]
    for problem in problems:
        if problem:
            raise ConfigError(problem)
    # Tokens and the client secret must only ever travel over TLS.
    for name in ("FSCKMSFT_AUTH_URL", "FSCKMSFT_API_URL", "FSCKMSFT_REDIRECT_URI"):
        if urlsplit(config[name]).scheme != "https":
            raise ConfigError(f"{name} must be an https:// URL in production.")
    # The app's own rule (not the platform's): fsckmsft sends every login back to this URI,
    # and only /callback (behind any prefix the proxy mounts the app under) is served.
    route_problem = callback_route_problem(config["FSCKMSFT_REDIRECT_URI"])
    if route_problem:
        raise ConfigError(f"FSCKMSFT_REDIRECT_URI {route_problem}.")
    # A loopback platform is the sandbox (or a tunnel to somewhere unknown): production
    # would send its client secret and users' tokens to whatever listens on this machine.
    for name in ("FSCKMSFT_AUTH_URL", "FSCKMSFT_API_URL"):
        if is_loopback(config[name]):
            raise ConfigError(
                f"{name} points at this machine ({config[name]}), which is the sandbox's "
                "place; production talks to the real platform."
            )
    if config["INSPECTOR_ENABLED"]:
        # The inspector shows each step of every login, with token previews, to anyone.
        raise ConfigError(
            "INSPECTOR_ENABLED must be off in production: the inspector is a workshop tool."
        )
    if config["CLOCK_SOURCE"] != "system":
        raise ConfigError(
            "CLOCK_SOURCE must be 'system' in production (the sandbox clock is for development)."
        )
    if config.get("DEBUG"):
        raise ConfigError(
            "FLASK_DEBUG must be off in production: the debugger runs arbitrary code."
        )
