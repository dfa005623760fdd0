"""Browser fixtures: Debian's Chromium, driven by Playwright, against the app over real HTTP.

`playwright install` is never needed: the tests launch the system Chromium
(E2E_CHROMIUM, default /usr/bin/chromium). On a laptop without it the browser tests are
skipped with the reason; under CI=true they fail instead (see `unavailable`).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from {{ cookiecutter.project_slug }}.extensions import db

from tests.conftest import app_config, migrated_app, seed_app, unavailable

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}  # the Marketplace screenshot size


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class LiveServer:
    """The app over real HTTP on a free port of `localhost`.

    The port is chosen first, because the app's redirect URI (and the sandbox's
    registration) must name it; the app is plugged in afterwards.
    """

    def __init__(self) -> None:
        self.app: Flask | None = None
        self._server: BaseWSGIServer = make_server(
            "localhost", 0, self._dispatch, threaded=True, request_handler=QuietHandler
        )
        self.url = f"http://localhost:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None, "serve(app) first"
        return self.app(environ, start_response)

    def serve(self, app: Flask) -> None:
        self.app = app
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


@dataclass
class LiveApp:
    url: str
    app: Flask
    sandbox: Any  # sandbox.testing.SandboxServer

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox clock; the app's clock follows at once."""
        self.sandbox.advance(seconds)
        self.app.extensions["fsckmsft"].clock.forget()


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    """The app in development mode, with the sandbox, both on free loopback ports."""
    from sandbox.testing import SandboxServer

    server = LiveServer()
    redirect_uri = f"{server.url}/callback"
    with SandboxServer(seed_app=seed_app(local_redirect_uri=redirect_uri)) as sandbox:
        config = app_config(
            f"sqlite:///{tmp_path / 'app.db'}",
            sandbox.url,
            APP_ENV="development",
            INSPECTOR_ENABLED=True,
            CLOCK_SOURCE="sandbox",
            FSCKMSFT_REDIRECT_URI=redirect_uri,
        )
        app = migrated_app(config)
        server.serve(app)
        try:
            yield LiveApp(server.url, app, sandbox)
        finally:
            server.stop()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the steps' screenshots go: E2E_SCREENSHOTS_DIR (`make screenshots`) or tmp."""
    folder = Path(os.environ.get("E2E_SCREENSHOTS_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


if importlib.util.find_spec("pytest_playwright") is None:

    @pytest.fixture
    def page() -> None:
        unavailable("pytest-playwright is not installed (pip install -e '.[dev]')")

else:
    from playwright.sync_api import Browser, Error, Playwright, sync_playwright

    @pytest.fixture(scope="session")
    def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
        # Debian's Chromium; Playwright adds --headless, --no-sandbox and friends itself.
        return {**browser_type_launch_args, "executable_path": CHROMIUM}

    @pytest.fixture(scope="session")
    def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
        return {**browser_context_args, "viewport": VIEWPORT}

    @pytest.fixture(scope="session")
    def playwright() -> Iterator[Playwright]:
        """Playwright's driver with a TMPDIR of its own: failed launches leave folders there.

        A short path: Chromium's singleton socket inside it must fit in 108 bytes.
        """
        private_tmp = tempfile.mkdtemp(prefix="pw-")
        previous = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = private_tmp
        try:
            driver = sync_playwright().start()  # the driver process keeps this environment
        finally:
            if previous is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = previous
        yield driver
        driver.stop()
        shutil.rmtree(private_tmp, ignore_errors=True)

    @pytest.fixture(scope="session")
    def browser(launch_browser: Callable[[], Browser]) -> Iterator[Browser]:
        if not Path(CHROMIUM).exists():
            unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        try:
            browser = launch_browser()
        except Error as error:
            unavailable(f"Chromium did not start: {str(error).splitlines()[0]}")
        yield browser
        browser.close()
