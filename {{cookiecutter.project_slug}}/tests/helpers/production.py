"""The app in production configuration, its platform edge pointed at the test sandbox.

Production refuses plain-http platform URLs at start-up, and the sandbox speaks plain http
on loopback. So the app starts with https URLs (every production check runs), then only
its platform edge is rebuilt against the sandbox. Cookies are `__Host-session`, Secure;
the test client speaks https to the redirect URI's host. A redirect URI under a path
(`https://example.org/fsckmsft/callback`) has the app mounted there, as its proxy would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


class MountedAt:
    """What a proxy that mounts the app under `prefix` does: a request under the prefix
    reaches the app with the prefix moved to SCRIPT_NAME. Other paths pass unchanged, so the
    tests' own requests (`/dashboard`) reach it too."""

    def __init__(self, prefix: str, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.prefix = prefix
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(f"{self.prefix}/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
            environ["PATH_INFO"] = path.removeprefix(self.prefix)
        return self.wsgi_app(environ, start_response)


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
    prefix = urlsplit(redirect_uri).path.removesuffix("/callback")
    if prefix:
        app.wsgi_app = MountedAt(prefix, app.wsgi_app)  # type: ignore[method-assign]
    return app
