"""The defaults chosen for sessions and limits (issue 13): documented, and what ships."""

from __future__ import annotations

from flask import Flask

from {{ cookiecutter.project_slug }} import configure_session_cookie
from {{ cookiecutter.project_slug }}.config import settings_from_env


def test_sessions_last_a_working_day_and_end_after_an_idle_hour() -> None:
    app = Flask("defaults")
    app.config.from_mapping(settings_from_env({}))
    configure_session_cookie(app)
    assert app.config["SESSION_LIFETIME_SECONDS"] == 12 * 3600
    assert app.config["SESSION_IDLE_TIMEOUT_SECONDS"] == 3600
    # The cookie and the CSRF tokens live no longer than the server-side session.
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 12 * 3600


def test_login_and_callback_allow_thirty_a_minute_per_address_counted_in_memory() -> None:
    settings = settings_from_env({})
    assert settings["LOGIN_RATE_LIMIT"] == "30 per minute"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"


def test_requests_are_bounded_by_default() -> None:
    settings = settings_from_env({})
    assert settings["MAX_CONTENT_LENGTH"] == 64 * 1024
    assert settings["MAX_QUERY_STRING_LENGTH"] == 4096
