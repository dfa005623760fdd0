"""The app in production configuration, its platform edge pointed at the test sandbox.

Production refuses plain-http platform URLs at start-up, and the sandbox speaks plain http
on loopback. So the app starts with https URLs (every production check runs), then only
its platform edge is rebuilt against the sandbox. Cookies are `__Host-session`, Secure;
the test client speaks https to the redirect URI's host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.services import build_services

from tests.helpers.app import MANIFEST, app_config, migrated_app


class HttpsBrowser(FlaskClient):
    """A browser on the https site: its forms send the same-origin Referer real ones send
    (Flask-WTF requires it over https)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_REFERER"] = f"https://{self.application.config['SERVER_NAME']}/"


def production_app(database_url: str, sandbox_url: str, api_url: str | None = None) -> Flask:
    redirect_uri = MANIFEST.registration.redirect_uris[0]  # registered in the test sandbox
    app = migrated_app(
        app_config(
            database_url,
            "https://auth.fsckmsft.test",
            APP_ENV="production",
            FSCKMSFT_REDIRECT_URI=redirect_uri,
        )
    )
    app.config.update(FSCKMSFT_AUTH_URL=sandbox_url, FSCKMSFT_API_URL=api_url or sandbox_url)
    app.extensions["fsckmsft"] = build_services(app)
    # The test client then sends https://<redirect URI host>/... (Secure cookies travel).
    app.config.update(SERVER_NAME=urlsplit(redirect_uri).netloc, PREFERRED_URL_SCHEME="https")
    app.test_client_class = HttpsBrowser
    return app
