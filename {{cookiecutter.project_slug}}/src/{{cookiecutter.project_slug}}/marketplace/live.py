"""`marketplace check --live`: the whole flow, headless, against an in-process sandbox.

The sandbox registers the app from the manifest under review; a throwaway copy of the app
(temporary SQLite, fresh keys) connects a sandbox user, calls the API, refreshes after the
clock moves 61 minutes, and shows Reconnect once the user revokes access. The app reaches
the API on an origin of its own (as on the real platform: auth.… and api.…), and the last
step checks that the whole flow called only the endpoints the documentation defines.
Development only: the sandbox is imported here, never by the running app.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from ..manifest import load_manifest
from .report import Outcome, Severity, Status

LOCAL_REDIRECT_URI = "http://localhost/callback"  # Flask's test client is "localhost"
DOCUMENTED_PATH = re.compile(r"^/oauth/(authorize|token)$|^/v1/projects(/[^/]+/tasks)?$")
ACCESS_TOKEN_LIFETIME = 60 * 60


class StepFailed(Exception):
    """A step of the flow did not do what the platform documentation says it must."""


@dataclass
class LiveFlow:
    """State shared by the steps: the sandbox, the app, one browser, one sandbox user."""

    sandbox: Any
    app: Flask
    web: FlaskClient
    client_id: str
    username: str

    def connect(self) -> None:
        login = self.web.get("/login")
        if login.status_code != 302:
            raise StepFailed(f"/login answered {login.status_code}, not a redirect to fsckmsft")
        callback = self.sandbox.approve(login.headers["Location"], self.username)
        parts = urlsplit(callback)
        if "code=" not in parts.query:
            raise StepFailed(f"the sandbox refused the authorization: {callback}")
        answer = self.web.get(f"{parts.path}?{parts.query}")
        if answer.status_code != 302 or answer.headers.get("Location") != "/dashboard":
            raise StepFailed(f"/callback answered {answer.status_code}, not /dashboard")

    def dashboard_projects(self) -> list[str]:
        page = self.web.get("/dashboard")
        html = page.get_data(as_text=True)
        projects = re.findall(r'data-project-id="([^"]+)"', html)
        if page.status_code != 200 or not projects:
            raise StepFailed(f"/dashboard answered {page.status_code} without the user's projects")
        return projects

    def token_calls(self, grant_type: str) -> list[dict[str, Any]]:
        return [
            entry
            for entry in self.sandbox.requests()
            if entry["path"] == "/oauth/token" and entry.get("grant_type") == grant_type
        ]


def step_connect(flow: LiveFlow) -> str:
    flow.connect()
    return f"{flow.username} approved the app; the code was exchanged on the server"


def step_api_call(flow: LiveFlow) -> str:
    projects = flow.dashboard_projects()
    return f"the dashboard listed {len(projects)} project(s) through GET /v1/projects"


def step_refresh(flow: LiveFlow) -> str:
    flow.sandbox.advance(ACCESS_TOKEN_LIFETIME + 60)
    flow.app.extensions["fsckmsft"].clock.forget()
    flow.dashboard_projects()
    refreshes = flow.token_calls("refresh_token")
    if [entry["status"] for entry in refreshes] != [200]:
        raise StepFailed(f"expected one successful refresh, the sandbox saw {refreshes}")
    api_calls = [e for e in flow.sandbox.requests() if e["path"].startswith("/v1/")]
    if any(entry["status"] == 401 for entry in api_calls):
        raise StepFailed("an API call met a 401 instead of being refreshed first")
    return "61 minutes later the token was refreshed once, before the API call, with no 401"


def step_revoke(flow: LiveFlow) -> str:
    flow.sandbox.revoke(flow.username, flow.client_id)
    page = flow.web.get("/dashboard")
    if page.status_code != 200 or "Reconnect" not in page.get_data(as_text=True):
        raise StepFailed(f"after revoking, /dashboard answered {page.status_code}, no Reconnect")
    return "after the user revoked access the dashboard offered Reconnect"


def step_reconnect(flow: LiveFlow) -> str:
    flow.connect()
    flow.dashboard_projects()
    return "connecting again brought the projects back"


def step_documented_only(flow: LiveFlow) -> str:
    called = sorted({entry["path"] for entry in flow.sandbox.requests()})
    undocumented = [path for path in called if not DOCUMENTED_PATH.match(path)]
    if undocumented:
        raise StepFailed(
            f"the app called {', '.join(undocumented)}, which the platform documentation "
            "does not define"
        )
    return f"only documented endpoints were called ({', '.join(called)}), the API on its own origin"


STEPS: list[tuple[str, str, Callable[[LiveFlow], str]]] = [
    ("LIVE_CONNECT", "live: Connect with fsckmsft completes", step_connect),
    ("LIVE_API_CALL", "live: the app calls the API", step_api_call),
    ("LIVE_REFRESH", "live: an expired access token is refreshed", step_refresh),
    ("LIVE_REVOKE", "live: a revoked connection shows Reconnect", step_revoke),
    ("LIVE_RECONNECT", "live: reconnecting works", step_reconnect),
    ("LIVE_DOCUMENTED_ONLY", "live: only documented endpoints are called", step_documented_only),
]

REGISTER = ("LIVE_REGISTER", "live: the app registers from the manifest and starts")


def _migrate(app: Flask) -> None:
    """Bring the throwaway database up with the real migrations, quietly.

    Alembic reconfigures logging to print INFO lines, and Flask-Migrate answers a failure
    with sys.exit: keep the lines out of the report and turn the exit into a failed step.
    """
    import logging

    from flask_migrate import upgrade

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    output = io.StringIO()
    try:
        with app.app_context(), contextlib.redirect_stderr(output):
            upgrade()
    except SystemExit:
        lines = [line for line in output.getvalue().splitlines() if line.strip()]
        raise StepFailed(f"the migrations failed: {lines[-1] if lines else 'no message'}") from None
    finally:
        root.handlers[:], root.level = handlers, level


def _app_config(sandbox: Any, database: Path, manifest: Path, client: tuple[str, str]) -> dict:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": f"klive:{key}",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "FSCKMSFT_CLIENT_ID": client[0],
        "FSCKMSFT_CLIENT_SECRET": client[1],
        "FSCKMSFT_AUTH_URL": sandbox.url,
        "FSCKMSFT_API_URL": sandbox.api_url,  # the API on its own origin, as documented
        "FSCKMSFT_REDIRECT_URI": LOCAL_REDIRECT_URI,
        "FSCKMSFT_HTTP_TIMEOUT": 5.0,
        "CLOCK_SOURCE": "sandbox",
        "MARKETPLACE_MANIFEST": str(manifest),
        "INSPECTOR_ENABLED": False,  # the workshop inspector plays no part in a listing
    }


def _dispose(app: Flask) -> None:
    """Close the throwaway app's database connections (its own, not the running app's)."""
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def _start(stack: contextlib.ExitStack, manifest_path: Path) -> LiveFlow:
    """The sandbox with the app registered from the manifest, and the app migrated."""
    from .. import create_app

    try:
        from fsckmsft_sandbox.testing import SandboxServer, settings_for
    except ImportError:
        raise StepFailed(
            "the sandbox is not installed (pip install -e ./sandbox); --live needs it"
        ) from None
    manifest = load_manifest(manifest_path)
    client = ("sbx_" + secrets.token_hex(12), secrets.token_urlsafe(32))
    registration = manifest.sandbox_registration(
        client_id=client[0], client_secret=client[1], local_redirect_uri=LOCAL_REDIRECT_URI
    )
    # The strict profile, with the extensions the manifest's scopes need (labelled as such).
    settings = settings_for(registration, "strict")
    sandbox = stack.enter_context(SandboxServer(seed_app=registration, settings=settings))
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="marketplace-live-")))
    app = create_app(_app_config(sandbox, folder / "live.db", manifest_path, client))
    stack.callback(_dispose, app)
    _migrate(app)
    username = sandbox.users()[0]["username"]
    return LiveFlow(sandbox, app, app.test_client(), client[0], username)


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, StepFailed) else f"{type(error).__name__}: {error}"


def _register(status: Status, message: str) -> tuple[str, Severity, str, Status, tuple[str]]:
    return REGISTER[0], "error", REGISTER[1], status, (message,)


def _run_steps(flow: LiveFlow) -> Iterator[Outcome]:
    failed = None
    for step_id, title, step in STEPS:
        if failed:
            yield Outcome(step_id, "error", title, "skip", (f"skipped: {failed} failed",))
            continue
        try:
            yield Outcome(step_id, "error", title, "pass", (step(flow),))
        except Exception as error:  # every failure becomes a line of the report
            failed = step_id
            yield Outcome(step_id, "error", title, "fail", (_reason(error),))


@contextlib.contextmanager
def _app_warnings_silenced() -> Iterator[None]:
    """The flow revokes access on purpose; the app's warning about it is not news here."""
    import logging

    logger = logging.getLogger(__package__.partition(".")[0])
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def run_live(manifest_path: Path) -> list[Outcome]:
    """Every step's outcome; a step after a failed one is skipped."""
    with contextlib.ExitStack() as stack, _app_warnings_silenced():
        try:
            flow = _start(stack, manifest_path)
        except Exception as error:  # registration or start-up refused: report, never a traceback
            skipped = [
                Outcome(step_id, "error", title, "skip", ("skipped: LIVE_REGISTER failed",))
                for step_id, title, _ in STEPS
            ]
            return [Outcome(*_register("fail", _reason(error))), *skipped]
        registered = f"registered {flow.client_id} with the manifest's redirect URIs and scopes"
        return [Outcome(*_register("pass", registered)), *list(_run_steps(flow))]
