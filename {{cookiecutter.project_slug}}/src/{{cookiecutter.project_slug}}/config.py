"""Settings from the environment, validated once at start-up.

Every setting is a plain environment variable (a `.env` file in development). The app
refuses to start with a message naming the variable when a setting is missing, malformed
or unsafe for the environment it runs in.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask.cli import NoAppException

from .secret_strength import client_secret_problem, encryption_key_problem, secret_key_problem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("development", "testing", "production")
CLOCK_SOURCES = ("system", "sandbox")
REFRESHER_MODES = ("ahead", "keepalive")
# The names a local server is reached by; the app also answers to its redirect URI's host.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


class StartupError(NoAppException):
    """The app cannot start. The `flask` command prints the message alone, no traceback."""


class ConfigError(StartupError):
    """A setting is missing or unsafe; the message names the variable and the fix."""


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
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", "sqlite:///app.db"),
        "FSCKMSFT_CLIENT_ID": env.get("FSCKMSFT_CLIENT_ID", ""),
        "FSCKMSFT_CLIENT_SECRET": env.get("FSCKMSFT_CLIENT_SECRET", ""),
        "FSCKMSFT_AUTH_URL": env.get("FSCKMSFT_AUTH_URL", "https://auth.fsckmsft.org").rstrip("/"),
        "FSCKMSFT_API_URL": env.get("FSCKMSFT_API_URL", "https://api.fsckmsft.org").rstrip("/"),
        "FSCKMSFT_REDIRECT_URI": env.get("FSCKMSFT_REDIRECT_URI", ""),
        # Optional, not documented by the platform: see fsckmsft/identity.py.
        "FSCKMSFT_IDENTITY_URL": env.get("FSCKMSFT_IDENTITY_URL", "").strip(),
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
        "MARKETPLACE_MANIFEST": env.get(
            "MARKETPLACE_MANIFEST", str(PROJECT_ROOT / "marketplace" / "manifest.toml")
        ),
        "INSPECTOR_ENABLED": _flag(env.get("INSPECTOR_ENABLED"), default=app_env == "development"),
        "ALLOWED_HOSTS": _names(env, "ALLOWED_HOSTS"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        "MAX_QUERY_STRING_LENGTH": _int(env, "MAX_QUERY_STRING_LENGTH", 4096),
        "SESSION_LIFETIME_SECONDS": _int(env, "SESSION_LIFETIME_SECONDS", 12 * 3600),
        "SESSION_IDLE_TIMEOUT_SECONDS": _int(env, "SESSION_IDLE_TIMEOUT_SECONDS", 3600),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "30 per minute"),
    }


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
                f"TOKEN_ENCRYPTION_KEYS key {key_id!r} is not valid base64."
            ) from None
        if len(key) != 32:
            raise ConfigError(
                f"TOKEN_ENCRYPTION_KEYS key {key_id!r} must be 32 bytes (AES-256), got {len(key)}."
            )
        ring.append((key_id, key))
    if not ring:
        raise ConfigError(
            "TOKEN_ENCRYPTION_KEYS is not set; generate a key with `flask tokens new-key`."
        )
    if len({key_id for key_id, _ in ring}) != len(ring):
        raise ConfigError("TOKEN_ENCRYPTION_KEYS names the same key id twice.")
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
        raise ConfigError("SECRET_KEY is not set; it signs the session cookie.")
    parse_key_ring(config["TOKEN_ENCRYPTION_KEYS"])
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


def _validate_production(config: Mapping[str, Any]) -> None:
    for name in ("FSCKMSFT_CLIENT_ID", "FSCKMSFT_CLIENT_SECRET", "FSCKMSFT_REDIRECT_URI"):
        if not config[name]:
            raise ConfigError(f"{name} is not set; production needs the registered app's value.")
    # The same rules as `flask marketplace check`: a guessable SECRET_KEY lets anyone forge
    # a session cookie, a made-up token key exposes every stored token, and a stand-in
    # client secret means a copy-pasted example reached production.
    problems = [
        secret_key_problem(config["SECRET_KEY"]),
        *(encryption_key_problem(key_id, key) for key_id, key in parse_key_ring(
            config["TOKEN_ENCRYPTION_KEYS"])),
        client_secret_problem(config["FSCKMSFT_CLIENT_SECRET"]),
    ]
    for problem in problems:
        if problem:
            raise ConfigError(problem)
    # Tokens and the client secret must only ever travel over TLS.
    for name in ("FSCKMSFT_AUTH_URL", "FSCKMSFT_API_URL", "FSCKMSFT_REDIRECT_URI"):
        if urlsplit(config[name]).scheme != "https":
            raise ConfigError(f"{name} must be an https:// URL in production.")
    if config["CLOCK_SOURCE"] != "system":
        raise ConfigError(
            "CLOCK_SOURCE must be 'system' in production (the sandbox clock is for development)."
        )
    if config.get("DEBUG"):
        raise ConfigError(
            "FLASK_DEBUG must be off in production: the debugger runs arbitrary code."
        )
