"""Signed-in pages served as users deploy them, against their minimal equivalents.

    python bench/served_pages.py [--seconds 5] [--rounds 4] [--workers 2] [--connections 4]
                                 [--database-url POSTGRESQL_SERVER_URL]

Both apps run under gunicorn, with the project's own gunicorn.conf.py (sync workers, the
access log on: the same for both), and `wrk` (Debian: `apt-get install wrk`) drives each
in turn over loopback, in ABBA rounds. The app is the project (installed as you installed
it: `pip install -e .` or its wheel), signed in through a real login at the sandbox; the
API its dashboard calls is a fast stub that both apps share. The minimal equivalents are
those of `bench/pages.py` (`_minimal_pages.py`).

Prints each median rate, `ratio dashboard / minimal` (target >= 0.8), `ratio signed-in
/ / bare route` (target >= 0.6) and the ratio of `/healthz` to a route doing one read;
each also from the gunicorn workers' CPU time per request (read from /proc: Linux only),
which other load on a shared machine disturbs far less. This is how issue 16 measured:
the ratios include what any deployed Flask page pays (gunicorn, the socket, HTTP
parsing), which `bench/pages.py`, calling both as WSGI functions, leaves out on purpose.

The app's database is a SQLite file, or with --database-url a fresh database on that
PostgreSQL server (dropped afterwards); the minimal routes always read SQLite in-process,
so on PostgreSQL the ratios also show what its round trips cost a page.

The app runs with APP_ENV=testing: production refuses a platform on loopback, and the
request path is the same (production adds the Secure flag and HSTS to responses).
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from _api_stub import start_api_stub
from _databases import app_database
from _minimal_pages import create_database
from _seeding import BENCH_APP, free_port

from fsckmsft_sandbox.testing import SandboxServer

PACKAGE = "{{ cookiecutter.project_slug }}"
PROJECT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def app_environment(
    tmp: Path, database_url: str, platform_url: str, api_url: str
) -> dict[str, str]:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return {
        "APP_ENV": "testing",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": f"kbench:{key}",
        "DATABASE_URL": database_url,
        "FSCKMSFT_CLIENT_ID": BENCH_APP["client_id"],
        "FSCKMSFT_CLIENT_SECRET": BENCH_APP["client_secret"],
        "FSCKMSFT_AUTH_URL": platform_url,
        "FSCKMSFT_API_URL": api_url,
        "FSCKMSFT_REDIRECT_URI": BENCH_APP["redirect_uris"][0],
        "INSTANCE_PATH": str(tmp / "instance"),
        "LOG_LEVEL": "WARNING",
    }


@dataclass
class Served:
    origin: str
    master_pid: int

    def workers_cpu_seconds(self) -> float:
        """CPU time the gunicorn workers have used so far (Linux: read from /proc; NaN
        elsewhere, and the CPU ratios print as nan)."""
        ticks = 0
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        if not children.exists():
            return math.nan
        for pid in children.read_text().split():
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


def answers(origin: str) -> bool:
    try:
        requests.get(f"{origin}/healthz", timeout=5)
    except requests.RequestException:
        return False
    return True


@contextmanager
def gunicorn(app: str, environment: dict[str, str], workers: int, log: Path) -> Iterator[Served]:
    """`app` served by gunicorn with the project's config; its error log goes to `log`."""
    port = free_port()
    env = {
        **os.environ,
        **environment,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    command = [sys.executable, "-m", "gunicorn", "--config", str(PROJECT / "gunicorn.conf.py")]
    with log.open("wb") as errors:
        # The access log (stdout) is written, as in production, and thrown away.
        server = subprocess.Popen(
            [*command, "--chdir", str(BENCH), app],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    origin = f"http://127.0.0.1:{port}"
    try:
        started = False
        for _ in range(200):
            started = server.poll() is None and answers(origin)
            if started or server.poll() is not None:
                break
            time.sleep(0.05)
        if not started:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"gunicorn serving {app} did not start; its log ends:\n{tail}")
        yield Served(origin, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def sign_in(origin: str, sandbox: SandboxServer) -> str:
    """A real login at the sandbox; answers the Cookie header the browser then sends."""
    browser = requests.Session()
    login = browser.get(f"{origin}/login", allow_redirects=False, timeout=10)
    callback = urlsplit(sandbox.approve(login.headers["Location"], "ada"))
    answer = browser.get(
        f"{origin}{callback.path}?{callback.query}", allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.status_code
    # The first page adds its CSRF token to the session: later requests are like these.
    assert "Project 0" in browser.get(f"{origin}/dashboard", timeout=10).text
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)


def wrk_run(
    server: Served, path: str, cookie: str, args: argparse.Namespace
) -> tuple[float, float]:
    """Requests/s that wrk measured (every answer must have been a 200), and the workers'
    CPU milliseconds per request meanwhile."""
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", server.origin + path]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    cpu = server.workers_cpu_seconds()
    report = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = server.workers_cpu_seconds() - cpu
    assert "Non-2xx" not in report, report
    found = re.search(r"Requests/sec:\s+([\d.]+)", report)
    assert found, report
    rate = float(found.group(1))
    return rate, cpu * 1000 / (rate * args.seconds)


def compare(
    app: Served, minimal: Served, cookie: str, path: str, args: argparse.Namespace
) -> tuple[float, float, float]:
    """Median rates of the app and its minimal equivalent, measured in ABBA rounds, and the
    ratio of their median CPU times per request (the minimal's over the app's)."""
    mine: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for number in range(args.rounds):
        pair = [(app, cookie, mine), (minimal, "", theirs)]
        for server, cookie_header, runs in pair if number % 2 == 0 else reversed(pair):
            runs.append(wrk_run(server, path, cookie_header, args))
    middle = args.rounds // 2
    cpu_ratio = sorted(cpu for _, cpu in theirs)[middle] / sorted(cpu for _, cpu in mine)[middle]
    return sorted(mine)[middle][0], sorted(theirs)[middle][0], cpu_ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, each side")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk; macOS: brew install wrk).")
    api_url = start_api_stub()
    with (
        tempfile.TemporaryDirectory() as tmp,
        app_database(args.database_url, Path(tmp)) as database_url,
        SandboxServer(seed_app=BENCH_APP) as sandbox,
    ):
        environment = app_environment(Path(tmp), database_url, sandbox.url, api_url)
        migrated = subprocess.run(
            [sys.executable, "-m", "flask", "--app", PACKAGE, "db", "upgrade"],
            env={**os.environ, **environment},
            capture_output=True,
            text=True,
        )
        if migrated.returncode != 0:
            sys.exit(f"flask db upgrade failed:\n{migrated.stderr}")
        logs = Path(tmp)
        database = Path(tmp) / "minimal.db"
        minimal_environment = {
            "MINIMAL_DATABASE": str(database),
            "MINIMAL_KEY": create_database(database).hex(),
            "MINIMAL_API_URL": api_url,
        }
        with (
            gunicorn(f"{PACKAGE}:create_app()", environment, args.workers, logs / "app.log") as app,
            gunicorn(
                "_minimal_pages:from_environment()",
                minimal_environment,
                args.workers,
                logs / "minimal.log",
            ) as minimal,
        ):
            cookie = sign_in(app.origin, sandbox)
            dashboard = compare(app, minimal, cookie, "/dashboard", args)
            index = compare(app, minimal, cookie, "/", args)
            health = compare(app, minimal, "", "/healthz", args)
    print(f"/dashboard, this app:          {dashboard[0]:7.1f} requests/s")
    print(f"/dashboard, minimal:           {dashboard[1]:7.1f} requests/s")
    print(f"ratio dashboard / minimal: {dashboard[0] / dashboard[1]:.2f}  (target >= 0.8)")
    print(f"  the same by the workers' CPU time: {dashboard[2]:.2f}")
    print(f"signed-in /, this app:         {index[0]:7.1f} requests/s")
    print(f"/, bare Flask route:           {index[1]:7.1f} requests/s")
    print(f"ratio signed-in / / bare route: {index[0] / index[1]:.2f}  (target >= 0.6)")
    print(f"  the same by the workers' CPU time: {index[2]:.2f}")
    print(f"/healthz, this app:            {health[0]:7.1f} requests/s")
    print(f"/healthz, one sqlite3 read:    {health[1]:7.1f} requests/s")
    print(f"ratio /healthz / minimal: {health[0] / health[1]:.2f}")
    print(f"  the same by the workers' CPU time: {health[2]:.2f}")


if __name__ == "__main__":
    main()
