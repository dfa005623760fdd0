"""The Procfile run as a platform runs it: the built wheel, production, real processes.

honcho (a Procfile runner) starts `release`, then two web workers and two refreshers from
a wheel installed in a clean virtual environment, against PostgreSQL and the sandbox
served over TLS. A user logs in, the refreshers refresh, SIGTERM stops everything, and
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from fsckmsft_sandbox.testing import SandboxServer
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
    make_certificates,
)

pytestmark = pytest.mark.postgres

PLATFORM = "auth.fsckmsft.test"  # the sandbox, under a name of its own, over TLS
APP = "app.example.test"  # the app, as users reach it
{%- if cookiecutter.database == "postgresql" %}
EXTRAS = ""  # psycopg is a dependency of this project
{%- else %}
EXTRAS = "[postgresql]"  # this project's PostgreSQL extra
{%- endif %}
# A development .env as a careless copy would leave it: if production read it, the app
# would run as development (plain `session` cookie, the inspector, the sandbox clock).
DEVELOPMENT_DOTENV = "APP_ENV=development\nINSPECTOR_ENABLED=1\nCLOCK_SOURCE=sandbox\n"


@pytest.fixture(scope="module")
def wheel_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a clean virtual environment with the project's wheel installed."""
    folder = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(PROJECT_ROOT, folder)
    return install_in_clean_venv(wheel, folder / "venv", EXTRAS)


def platform_config(
    certificates: Certificates, proxy: TunnelProxy, database_url: str, web_port: int
) -> dict[str, str]:
    """The settings an operator gives the platform (honcho reads them from a file)."""
    return {
        # No APP_ENV: unset means production.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": new_key_ring_entry(),
        # As Heroku hands it out: no driver named.
        "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgres://"),
        "FSCKMSFT_CLIENT_ID": TEST_CLIENT_ID,
        "FSCKMSFT_CLIENT_SECRET": TEST_CLIENT_SECRET,
        "FSCKMSFT_AUTH_URL": f"https://{PLATFORM}",
        "FSCKMSFT_API_URL": f"https://{PLATFORM}",
        "FSCKMSFT_REDIRECT_URI": f"https://{APP}/callback",
        "HTTPS_PROXY": proxy.url,
        "REQUESTS_CA_BUNDLE": str(certificates.ca_file),
        "WEB_CONCURRENCY": "2",
        # TLS at gunicorn itself stands in for the platform's TLS-terminating router.
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{web_port} --certfile {certificates.cert_file} "
        f"--keyfile {certificates.key_file}",
        # Every token is due at once (the sandbox issues 1-hour tokens): the refreshers
        # refresh on every sweep, which is the most a clean stop can be asked to survive.
        "REFRESHER_WINDOW_SECONDS": "3600",
        "REFRESHER_INTERVAL_SECONDS": "1",
    }


def deploy_folder(tmp_path: Path, config: dict[str, str]) -> Path:
    folder = tmp_path / "deploy"
    folder.mkdir()
    for name in ("Procfile", "gunicorn.conf.py"):
        shutil.copy(PROJECT_ROOT / name, folder / name)
    (folder / ".env").write_text(DEVELOPMENT_DOTENV, encoding="utf-8")
    (folder / "platform.env").write_text(
        "".join(f'{name}="{value}"\n' for name, value in config.items()), encoding="utf-8"
    )
    return folder


def honcho(wheel_bin: Path, folder: Path, *args: str) -> subprocess.Popen[str]:
    """`honcho start ARGS` in `folder`, with the wheel's venv first on PATH and nothing
    of this test's environment (no FLASK_APP, no APP_ENV) passed on."""
    env = {name: os.environ[name] for name in ("HOME", "LANG", "TMPDIR") if name in os.environ}
    env["PATH"] = os.pathsep.join([str(wheel_bin), os.environ["PATH"]])
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "honcho"), "start", "--no-colour",
         "--env", "platform.env", *args],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def answers(browser: requests.Session, url: str) -> bool:
    try:
        return browser.get(url, timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or its workers still booting
        return False


def refreshes(sandbox: SandboxServer) -> list[dict]:
    return [
        entry
        for entry in sandbox.requests()
        if entry["path"] == "/oauth/token" and entry.get("grant_type") == "refresh_token"
    ]


def https_client(certificates: Certificates, proxy: TunnelProxy) -> requests.Session:
    """A client that trusts the throwaway CA, reaching the test's names through the proxy."""
    client = requests.Session()
    client.trust_env = False  # this machine's own CA bundle or proxy settings must not win
    client.verify = str(certificates.ca_file)
    client.proxies = {"https": proxy.url}
    return client


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[SandboxServer, TunnelProxy, Certificates, int]]:
    certificates = make_certificates(tmp_path, [PLATFORM, APP])
    web_port = free_port()
    sandbox = SandboxServer(
        ssl_context=certificates.server_context(), seed_app=seed_app(f"https://{APP}/callback")
    )
    routes = {
        f"{PLATFORM}:443": sandbox.port,
        f"{APP}:443": web_port,
        f"127.0.0.1:{sandbox.port}": sandbox.port,  # the test's own calls to sandbox controls
    }
    with sandbox, TunnelProxy(routes) as proxy:
        sandbox.http = https_client(certificates, proxy)
        yield sandbox, proxy, certificates, web_port


def test_the_procfile_serves_a_login_refreshes_and_stops_cleanly_in_production(
    wheel_bin: Path, postgres_url: str, tmp_path: Path, platform: tuple
) -> None:
    sandbox, proxy, certificates, web_port = platform
    folder = deploy_folder(tmp_path, platform_config(certificates, proxy, postgres_url, web_port))

    release = honcho(wheel_bin, folder, "release")
    release_output = release.communicate(timeout=120)[0]
    assert "release.1 stopped (rc=0)" in release_output, release_output

    processes = honcho(wheel_bin, folder, "--concurrency", "refresher=2", "web", "refresher")
    try:
        browser = https_client(certificates, proxy)
        wait_for(lambda: answers(browser, f"https://{APP}/healthz"), 60, "the web process")

        # A full login, through the sandbox's consent page.
        login = browser.get(f"https://{APP}/login", allow_redirects=False, timeout=10)
        assert login.status_code == 302, login.text
        callback = sandbox.approve(login.headers["Location"], "ada")
        assert callback.startswith(f"https://{APP}/callback?")
        assert browser.get(callback, allow_redirects=False, timeout=10).status_code == 302
        dashboard = browser.get(f"https://{APP}/dashboard", allow_redirects=False, timeout=10)
        assert dashboard.status_code == 200, dashboard.text

        # Production, whatever .env says: a __Host- Secure cookie, HSTS, no inspector.
        cookie = next(c for c in browser.cookies if c.name == "__Host-session")
        assert cookie.secure
        assert "Strict-Transport-Security" in dashboard.headers
        assert browser.get(f"https://{APP}/inspector", timeout=10).status_code == 404

        # The refreshers refresh (the web process did not: its token was fresh).
        wait_for(lambda: len(refreshes(sandbox)) >= 4, 90, "refreshes by the refreshers")
        # While the refreshers run, their health check passes (as a liveness probe asks).
        healthy = honcho_run(wheel_bin, folder, "refresher", "health", "--max-age", "30")
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    except BaseException:
        processes.send_signal(signal.SIGTERM)
        print(processes.communicate(timeout=90)[0])  # pytest shows it with the failure
        raise
    processes.send_signal(signal.SIGTERM)
    output = processes.communicate(timeout=90)[0]

    # Each process stopped by itself, cleanly: two web workers, two refreshers. (honcho's
    # own "stopped (rc=...)" lines report the shell it starts each command in, which the
    # signal ends; what matters is what the processes inside did.)
    assert len(re.findall(r"Booting worker with pid", output)) == 2, output
    assert len(re.findall(r"Worker exiting", output)) == 2, output
    assert "Shutting down: Master" in output, output
    assert output.count("refresher stopped cleanly") == 2, output
    assert "Traceback" not in output, output
    # Stopped, they no longer sweep: the health check fails once --max-age has passed.
    time.sleep(3)
    stale = honcho_run(wheel_bin, folder, "refresher", "health", "--max-age", "2")
    assert stale.returncode == 1 and "unhealthy" in stale.stderr, stale.stdout + stale.stderr

    # Nothing lost: every refresh succeeded, no claim is left behind, and the refresh
    # token stored last is the one the platform still honours.
    assert {entry["status"] for entry in refreshes(sandbox)} == {200}
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT id, status, refresh_due_at FROM connections")
        ).one()
        sweeps = connection.scalar(text("SELECT count(*) FROM refresher_sweeps"))
    engine.dispose()
    assert row.status == "active"
    assert row.refresh_due_at < datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=60)
    assert sweeps > 0
    assert_stored_refresh_token_still_works(
        folder, wheel_bin, row.id, sandbox, len(refreshes(sandbox))
    )


def assert_stored_refresh_token_still_works(
    folder: Path, wheel_bin: Path, connection_id: str, sandbox: SandboxServer, before: int
) -> None:
    """One more refresh, by the installed app's own command, must succeed."""
    refresh = honcho_run(wheel_bin, folder, "tokens", "refresh", "--all")
    assert refresh.returncode == 0, refresh.stdout + refresh.stderr
    assert "refreshed 1 of 1" in refresh.stdout
    after = refreshes(sandbox)
    assert len(after) == before + 1 and after[-1]["status"] == 200


def honcho_run(wheel_bin: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`honcho run <command> ARGS`: one command with the platform's settings."""
    env = {name: os.environ[name] for name in ("HOME", "LANG", "TMPDIR") if name in os.environ}
    env["PATH"] = os.pathsep.join([str(wheel_bin), os.environ["PATH"]])
    return subprocess.run(
        [str(Path(sys.executable).parent / "honcho"), "run", "--env", "platform.env",
         "{{ cookiecutter.project_slug | replace('_', '-') }}", *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
