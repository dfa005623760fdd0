"""Checks of the settings production would run with (`--env-file`, or a production env)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask

from ..config import ConfigError, parse_key_ring, settings_from_env, validate
from ..secret_strength import client_secret_problem, encryption_key_problem, secret_key_problem
from .context import CheckContext
from .registry import check

TRUE_WORDS = ("1", "true", "yes", "on")


def _production(context: CheckContext) -> Mapping[str, str]:
    assert context.production_env is not None  # the registry skips these checks otherwise
    return context.production_env


def production_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """The Flask config the app would build from `environ`, session cookie settings included."""
    from .. import configure_session_cookie

    probe = Flask("marketplace_probe")
    probe.config.from_mapping(settings_from_env(environ))
    configure_session_cookie(probe)
    return dict(probe.config)


# A guessable SECRET_KEY lets anyone forge session cookies and act as any signed-in user;
# a stand-in client secret ('x') means an example value, not fsckmsft's, reached production.
# The same rules refuse to start the app (config.validate): one implementation.
@check(
    "PROD_SECRET_WEAK",
    "error",
    "SECRET_KEY and the client secret are real secrets",
    needs="production",
)
def prod_secret_weak(context: CheckContext) -> Iterator[str]:
    production = _production(context)
    problems = (
        secret_key_problem(production.get("SECRET_KEY", "")),
        client_secret_problem(production.get("FSCKMSFT_CLIENT_SECRET", "")),
    )
    yield from filter(None, problems)


# Weak or malformed token keys make every stored access and refresh token readable.
@check("PROD_KEYS_WEAK", "error", "TOKEN_ENCRYPTION_KEYS are valid random keys", needs="production")
def prod_keys_weak(context: CheckContext) -> Iterator[str]:
    try:
        ring = parse_key_ring(_production(context).get("TOKEN_ENCRYPTION_KEYS", ""))
    except ConfigError as error:
        yield str(error)
        return
    yield from filter(None, (encryption_key_problem(key_id, key) for key_id, key in ring))


# Development secrets sit in a laptop's .env and shell history: production needs its own.
@check("PROD_SECRET_IS_DEV", "error", "production secrets differ from .env", needs="production")
def prod_secret_is_dev(context: CheckContext) -> Iterator[str]:
    production, development = _production(context), context.development_env
    for name in ("SECRET_KEY", "FSCKMSFT_CLIENT_SECRET"):
        if production.get(name) and production.get(name) == development.get(name):
            yield f"{name} is the development value from .env; generate a new one for production."
    dev_ring = development.get("TOKEN_ENCRYPTION_KEYS", "").split(",")
    dev_keys = {entry.strip().partition(":")[2] for entry in dev_ring}
    for entry in filter(None, production.get("TOKEN_ENCRYPTION_KEYS", "").split(",")):
        key_id, _, key = entry.strip().partition(":")
        if key and key in dev_keys:
            yield (
                f"TOKEN_ENCRYPTION_KEYS key {key_id!r} is the development key from .env; "
                "make a new one."
            )


# Without Secure the session cookie also travels over plain http, where it can be stolen.
@check("PROD_COOKIE_INSECURE", "error", "the session cookie is Secure", needs="production")
def prod_cookie_insecure(context: CheckContext) -> Iterator[str]:
    config = production_config(_production(context))
    if not config["SESSION_COOKIE_SECURE"] or not config["SESSION_COOKIE_HTTPONLY"]:
        yield (
            f"with APP_ENV={config['APP_ENV']} the session cookie is not Secure; production "
            "must set APP_ENV=production (or leave it unset)."
        )


# The Werkzeug debugger runs any Python code a visitor types into the error page.
@check("PROD_DEBUG_ON", "error", "debug mode is off", needs="production")
def prod_debug_on(context: CheckContext) -> Iterator[str]:
    production = _production(context)
    for name in ("FLASK_DEBUG", "DEBUG"):
        if production.get(name, "").strip().lower() in TRUE_WORDS:
            yield f"{name} is on; unset it in production (the debugger executes arbitrary code)."


# The app refuses to start on these settings, so the listed app would be down.
@check("PROD_CONFIG_INVALID", "error", "the app starts with these settings", needs="production")
def prod_config_invalid(context: CheckContext) -> Iterator[str]:
    try:
        config = settings_from_env(_production(context))
        config["DEBUG"] = False  # PROD_DEBUG_ON reports debug on its own
        validate(config)
    except ConfigError as error:
        yield str(error)
