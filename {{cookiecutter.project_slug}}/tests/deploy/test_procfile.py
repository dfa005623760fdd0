"""The Procfile run as a platform runs it: the built wheel, production, real processes.

honcho (a Procfile runner) starts `release`, then two web workers and two refreshers from
the wheel installed in a clean virtual environment, against PostgreSQL and the sandbox
served over TLS on two origins (the authorization server's and the API's), as the
platform is. A user logs in, the refreshers refresh, SIGTERM stops everything, and
nothing is lost. A development `.env` lies in the working folder all along: it changes
nothing, because production reads its environment only.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from fsckmsft_sandbox.testing import SandboxServer, settings_for
from tests.helpers.app import (
    PROJECT_ROOT,
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    new_key_ring_entry,
    seed_app,
)
from tests.helpers.deploy import (
    Certificates,
    TunnelProxy,
    build_wheel,
    free_port,
    install_in_clean_venv,
    locked_requirements,
    make_certificates,
)

pytestmark = pytest.mark.postgres

AUTH = "auth.fsckmsft.test"  # the sandbox's authorization server, under a name of its own
API = "api.fsckmsft.test"  # the sandbox's API, on its own origin as the platform's is
APP = "app.example.test"  # the app, as users reach it
COMMAND = "{{ cookiecutter.project_slug | replace('_', '-') }}"  # the production command line
{%- if cookiecutter.database == "postgresql" %}
POSTGRESQL_DRIVER: tuple[str, ...] = ()  # psycopg is in requirements.txt already
{%- else %}
# The [postgresql] extra's packages, as requirements-dev.txt locks them.
POSTGRESQL_DRIVER: tuple[str, ...] = ("psycopg", "psycopg-binary")
{%- endif %}
# A development .env as a careless copy would leave it: if production read it, the web
# process would run as development (a plain `session` cookie, no HSTS, the inspector),
# and the release and refreshers would log nothing below WARNING (a developer's quiet
# terminal), hiding the lines this test reads from them.
DEVELOPMENT_DOTENV = (
    "APP_ENV=development\nINSPECTOR_ENABLED=1\nCLOCK_SOURCE=sandbox\nLOG_LEVEL=WARNING\n"
)


@pytest.fixture(scope="module")
def wheel_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a clean virtual environment: the locked requirements, then the wheel."""
    folder = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(PROJECT_ROOT, folder)
    requirements = locked_requirements(PROJECT_ROOT, also=POSTGRESQL_DRIVER)
    return install_in_clean_venv(wheel, folder / "venv", requirements)


@dataclass
class Platform:
    """The sandbox on TLS behind a proxy that knows the test's names, and the web port."""

    sandbox: SandboxServer
    proxy: TunnelProxy
    certificates: Certificates
    web_port: int

    def client(self) -> requests.Session:
        """A client that trusts the throwaway CA and reaches the names through the proxy."""
        client = requests.Session()
        client.trust_env = False  # this machine's own CA bundle or proxy must not win
        client.verify = str(self.certificates.ca_file)
        client.proxies = {"https": self.proxy.url}
        return client


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    certificates = make_certificates(tmp_path, [AUTH, API, APP])
    registration = seed_app(f"https://{APP}/callback")
    sandbox = SandboxServer(
        ssl_context=certificates.server_context(),
        hosts=[AUTH, API],  # the sandbox answers only names it is told (DNS rebinding)
        seed_app=registration,
        settings=settings_for(registration),  # the strict profile, and extra_scopes if asked
    )
    web_port = free_port()
    routes = {
        f"{AUTH}:443": sandbox.port,
        f"{API}:443": sandbox.api_port,
        f"{APP}:443": web_port,
        f"127.0.0.1:{sandbox.port}": sandbox.port,  # the test's own calls to the controls
    }
    with sandbox, TunnelProxy(routes) as proxy:
        found = Platform(sandbox, proxy, certificates, web_port)
        sandbox.http = found.client()
        yield found


def platform_settings(platform: Platform, database_url: str) -> dict[str, str]:
    """The settings an operator gives the platform (honcho reads them from a file)."""
    certificates = platform.certificates
    return {
        # No APP_ENV: unset means production.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": new_key_ring_entry(),
        # As Heroku hands it out: no driver named.
        "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgres://"),
        "FSCKMSFT_CLIENT_ID": TEST_CLIENT_ID,
        "FSCKMSFT_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "FSCKMSFT_AUTH_URL": f"https://{AUTH}",
        "FSCKMSFT_API_URL": f"https://{API}",
        "FSCKMSFT_REDIRECT_URI": f"https://{APP}/callback",
        "HTTPS_PROXY": platform.proxy.url,
        "REQUESTS_CA_BUNDLE": str(certificates.ca_file),
        "WEB_CONCURRENCY": "2",
        # TLS at gunicorn itself stands in for the platform's TLS-terminating router.
        "GUNICORN_BIND": f"127.0.0.1:{platform.web_port}",
        "GUNICORN_CMD_ARGS": f"--certfile {certificates.cert_file} "
        f"--keyfile {certificates.key_file}",
        # Every token is due at once (the sandbox issues 1-hour tokens): the refreshers
        # refresh on every sweep, the most a clean stop can be asked to survive.
        "REFRESHER_WINDOW_SECONDS": "3600",
        "REFRESHER_INTERVAL_SECONDS": "1",
    }


def deploy_folder(tmp_path: Path, settings: dict[str, str]) -> Path:
    """What a platform checks out: the Procfile and gunicorn.conf.py (the code is the
    installed wheel), plus a development .env that has no business there."""
    folder = tmp_path / "deploy"
    folder.mkdir()
    for name in ("Procfile", "gunicorn.conf.py"):
        shutil.copy(PROJECT_ROOT / name, folder / name)
    (folder / ".env").write_text(DEVELOPMENT_DOTENV, encoding="utf-8")
    (folder / "platform.env").write_text(
        "".join(f'{name}="{value}"\n' for name, value in settings.items()), encoding="utf-8"
    )
    return folder


def honcho(wheel_bin: Path, folder: Path, *args: str, **popen: Any) -> subprocess.Popen[str]:
    """`honcho ARGS` in `folder` with the platform's settings (never .env), the wheel's
    venv first on PATH, and nothing of this test's environment (no APP_ENV) passed on."""
    env = {name: os.environ[name] for name in ("HOME", "LANG", "TMPDIR") if name in os.environ}
    env["PATH"] = os.pathsep.join([str(wheel_bin), os.environ["PATH"]])
    command, *rest = args
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "honcho"), command, "--env", "platform.env", *rest],
        cwd=folder, env=env, text=True, **popen,
    )  # fmt: skip


def run_command(wheel_bin: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`honcho run <the production command> ARGS`: what an operator runs beside the app."""
    process = honcho(
        wheel_bin, folder, "run", COMMAND, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answers(client: requests.Session, url: str) -> bool:
    try:
        return client.get(url, timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or its workers still booting
        return False


def refreshes(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """The refresh requests the platform received, oldest first."""
    return [
        entry
        for entry in sandbox.requests()
        if entry["path"] == "/oauth/token" and entry.get("grant_type") == "refresh_token"
    ]


def log_in(platform: Platform, browser: requests.Session) -> requests.Response:
    """The whole login: /login, the sandbox's consent page, /callback; answers /dashboard."""
    login = browser.get(f"https://{APP}/login", allow_redirects=False, timeout=10)
    assert login.status_code == 302, login.text
    assert login.headers["Location"].startswith(f"https://{AUTH}/oauth/authorize?")
    callback = platform.sandbox.approve(login.headers["Location"], "ada")
    assert callback.startswith(f"https://{APP}/callback?"), callback
    done = browser.get(callback, allow_redirects=False, timeout=15)
    assert done.status_code == 302 and done.headers["Location"].endswith("/dashboard"), done.text
    return browser.get(f"https://{APP}/dashboard", allow_redirects=False, timeout=10)


def group_alive(group: int) -> bool:
    """Whether any process of a process group is left (a zombie counts until reaped)."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def stored_connections(database_url: str) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT status FROM connections")))
    finally:
        engine.dispose()


def test_the_procfile_logs_in_refreshes_and_stops_cleanly_in_production(
    wheel_bin: Path, postgres_url: str, tmp_path: Path, platform: Platform
) -> None:
    folder = deploy_folder(tmp_path, platform_settings(platform, postgres_url))

    release = honcho(wheel_bin, folder, "start", "--no-colour", "release",
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    release_output = release.communicate(timeout=120)[0]
    assert "release.1 stopped (rc=0)" in release_output, release_output

    processes = honcho(
        wheel_bin, folder, "start", "--no-colour", "--concurrency", "web=1,refresher=2",
        "web", "refresher", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        browser = platform.client()
        wait_for(lambda: answers(browser, f"https://{APP}/healthz"), 60, "the web process")

        dashboard = log_in(platform, browser)
        assert dashboard.status_code == 200, dashboard.text
        # Production, whatever .env says: a __Host- Secure cookie, HSTS, no inspector.
        assert "__Host-session" in [cookie.name for cookie in browser.cookies]
        assert all(cookie.secure for cookie in browser.cookies)
        assert "Strict-Transport-Security" in dashboard.headers
        assert browser.get(f"https://{APP}/inspector", timeout=10).status_code == 404

        # The refreshers refresh: the login's tokens are fresh, nothing else would.
        wait_for(lambda: len(refreshes(platform.sandbox)) >= 3, 30, "refreshes")
        # While the refreshers run, their health check passes (as a liveness probe asks).
        healthy = run_command(wheel_bin, folder, "refresher", "health", "--max-age", "30")
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    except BaseException:
        processes.send_signal(signal.SIGTERM)
        print(processes.communicate(timeout=60)[0])  # pytest shows it with the failure
        raise
    processes.send_signal(signal.SIGTERM)  # what the platform sends to stop a release
    output = processes.communicate(timeout=60)[0]
    stopped_at = time.monotonic()

    # Every process stopped by itself, cleanly: the gunicorn master, its two workers, and
    # both refreshers, each finishing what it had in hand. None needed honcho's SIGKILL
    # (sent after 5 s), and none outlived it: each process group honcho started is gone.
    assert "SIGKILL" not in output, output
    groups = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", output)]
    assert len(groups) == 3, output  # web.1, refresher.1, refresher.2
    wait_for(lambda: not any(map(group_alive, groups)), 5, "every process to be gone")
    assert len(re.findall(r"web\.1 +\| .*Booting worker with pid", output)) == 2, output
    assert len(re.findall(r"web\.1 +\| .*Worker exiting", output)) == 2, output
    assert "Shutting down: Master" in output, output
    for refresher in ("refresher.1", "refresher.2"):
        assert re.search(rf"{refresher} +\| .*refresher stopped cleanly", output), output
    assert "Traceback" not in output, output
    # The refreshers did the refreshing, and the access log kept the callback's code out.
    assert re.search(r"refresher\.\d +\| .*sweep claimed=1 refreshed=1", output), output
    assert "code=" not in output, output

    # Nothing lost: every refresh the platform saw succeeded, the connection is active,
    # and the stored refresh token decrypts and is the one the platform still honours
    # (one more refresh, by the installed command, succeeds).
    seen = refreshes(platform.sandbox)
    assert {entry["status"] for entry in seen} == {200}, seen
    assert [row.status for row in stored_connections(postgres_url)] == ["active"]
    refresh = run_command(wheel_bin, folder, "tokens", "refresh", "--all")
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    assert "refreshed 1 of 1" in refresh.stdout, refresh.stdout
    after = refreshes(platform.sandbox)
    assert len(after) == len(seen) + 1 and after[-1]["status"] == 200, after

    # Stopped, the refreshers no longer sweep: their health check fails once --max-age
    # has passed since the last sweep.
    time.sleep(max(0.0, stopped_at + 2.5 - time.monotonic()))
    stale = run_command(wheel_bin, folder, "refresher", "health", "--max-age", "2")
    assert stale.returncode == 1, stale.stdout + stale.stderr
