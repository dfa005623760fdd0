"""Browser fixtures: Debian's Chromium, driven by Playwright, against the app over real HTTP."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.project_slug }}.extensions import db

from tests.helpers.app import app_config, migrated_app, sandbox_settings, seed_app, unavailable
from tests.helpers.browser import CHROMIUM, VIEWPORT, LiveApp, LiveServer


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    """The app in development mode, with the sandbox, both on free loopback ports."""
    from fsckmsft_sandbox.testing import SandboxServer

    server = LiveServer()
    redirect_uri = f"{server.url}/callback"
    with SandboxServer(
        seed_app=seed_app(local_redirect_uri=redirect_uri), settings=sandbox_settings()
    ) as sandbox:
        config = app_config(
            f"sqlite:///{tmp_path / 'app.db'}",
            sandbox.url,
            FSCKMSFT_API_URL=sandbox.api_url,
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
