"""Signed-in pages against their minimal equivalents, side by side in one run.

    python bench/pages.py [--requests 300] [--rounds 6] [--profile dashboard|index]

- `/dashboard`: the app (session check, the connection row, the token decrypted, the API
  called, the page rendered) against a bare Flask route doing the same row read (sqlite3),
  the same AES-GCM decryption, the same API call over a pooled connection and a small
  Jinja page.
- signed-in `/`: the app's landing page against a bare Flask route rendering a small page.

The API is a fast stub on loopback (the same for both; it keeps connections alive, and
both sides keep theirs in a pool), so the figures are the pages' own cost. Both apps are
called as WSGI applications in this process, one request at a time, in ABBA rounds: no
server or client overhead is added to either side. Prints each rate,
`ratio dashboard / minimal` (target >= 0.8) and `ratio signed-in / / bare route` (target
>= 0.6), each also from this process's CPU time per request, which other load on a
shared machine disturbs far less. `--profile` prints where one page's time goes instead
(cProfile, top entries).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sqlite3
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import requests
from _seeding import BENCH_APP, bench_config
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from flask_migrate import upgrade
from werkzeug.test import EnvironBuilder, run_wsgi_app

from {{ cookiecutter.project_slug }} import create_app

from fsckmsft_sandbox.testing import SandboxServer

PROJECTS = {
    "projects": [
        {"id": f"prj_{number}", "name": f"Project {number}", "task_count": number}
        for number in range(5)
    ]
}
# A small page, compiled once, as the app's own templates are (an .html file: Jinja).
PAGE = (Path(__file__).parent / "minimal_page.html").read_text(encoding="utf-8")


class ApiStubHandler(BaseHTTPRequestHandler):
    """A fast API origin: every GET /v1/projects answers the same projects."""

    protocol_version = "HTTP/1.1"  # keep-alive: both sides reuse one pooled connection
    # Headers and body leave in two writes; with Nagle's algorithm (and the client's
    # delayed ACK) the body would wait ~40 ms on a kept-alive connection.
    disable_nagle_algorithm = True
    body = json.dumps(PROJECTS).encode()

    def do_GET(self) -> None:
        found = self.path == "/v1/projects"
        body = self.body if found else b"{}"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None  # no access log


def start_api_stub() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ApiStubHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def signed_in_app(tmp: Path, sandbox: SandboxServer, api_url: str) -> tuple[Flask, str]:
    """The app with one connection made through the real login; answers the app and the
    browser's Cookie header."""
    config = bench_config(f"sqlite:///{tmp / 'app.db'}", sandbox.url)
    app = create_app({**config, "FSCKMSFT_API_URL": api_url})
    with app.app_context():
        upgrade()
    browser = app.test_client()
    authorize_url = browser.get("/login").headers["Location"]
    callback = urlsplit(sandbox.approve(authorize_url, "ada"))
    answer = browser.get(f"{callback.path}?{callback.query}")
    assert answer.status_code == 302, answer.status_code
    assert b"Project 0" in browser.get("/dashboard").data
    # The cookie as the browser holds it after its first page (that page added its CSRF
    # token to the session), so the benchmark's requests are like a browser's next ones.
    cookies = "; ".join(
        f"{name}={cookie.value}"
        for name in ("session", "__Host-session")
        if (cookie := browser.get_cookie(name)) is not None
    )
    return app, cookies


def minimal_app(tmp: Path, api_url: str) -> Flask:
    """The same work done by hand: one row, one decryption, one API call, one template."""
    key = AESGCM(AESGCM.generate_key(bit_length=256))
    nonce = b"\0" * 12
    sealed = key.encrypt(nonce, b"act_" + b"x" * 40, b"connections/c1/access_token")
    database = sqlite3.connect(tmp / "minimal.db", check_same_thread=False)
    database.execute("CREATE TABLE connections (id TEXT PRIMARY KEY, token BLOB, name TEXT)")
    database.execute("INSERT INTO connections VALUES ('c1', ?, 'Workspace')", (sealed,))
    database.commit()
    http = requests.Session()
    app = Flask("minimal")
    page = app.jinja_env.from_string(PAGE)  # compiled once, as the app's templates are

    @app.get("/dashboard")
    def dashboard() -> str:
        token, name = database.execute(
            "SELECT token, name FROM connections WHERE id = 'c1'"
        ).fetchone()
        access = key.decrypt(nonce, token, b"connections/c1/access_token").decode()
        answer = http.get(
            f"{api_url}/v1/projects", headers={"Authorization": f"Bearer {access}"}, timeout=10
        )
        return page.render(title=name, projects=answer.json()["projects"])

    @app.get("/")
    def index() -> str:
        return page.render(title="Acme Tasks", projects=[])

    return app


def call(app: Flask, path: str, cookie: str) -> None:
    headers = [("Cookie", cookie)]
    environ = EnvironBuilder(path=path, base_url="http://localhost", headers=headers)
    body, status, _headers = run_wsgi_app(app, environ.get_environ(), buffered=True)
    assert status.startswith("200"), (path, status)
    for _chunk in body:
        pass


def rate(app: Flask, path: str, cookie: str, count: int) -> tuple[float, float]:
    """Requests/s, and this process's CPU milliseconds per request (the API stub included)."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        call(app, path, cookie)
    cpu_ms = (time.process_time() - cpu) * 1000 / count
    return count / (time.perf_counter() - started), cpu_ms


def compare(
    ours: tuple[Flask, str], minimal: Flask, path: str, requests_per_round: int, rounds: int
) -> tuple[float, float, float]:
    """Median rates of the app and its minimal equivalent, measured in ABBA rounds, and the
    ratio of their median CPU times per request (the minimal's over the app's)."""
    app, cookie = ours
    mine: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for number in range(rounds):
        pair = [(app, cookie, mine), (minimal, "", theirs)]
        for target, cookie_header, rates in pair if number % 2 == 0 else reversed(pair):
            rates.append(rate(target, path, cookie_header, requests_per_round))
    middle = rounds // 2
    cpu_ratio = sorted(cpu for _, cpu in theirs)[middle] / sorted(cpu for _, cpu in mine)[middle]
    return sorted(mine)[middle][0], sorted(theirs)[middle][0], cpu_ratio


def profile(app: Flask, path: str, cookie: str, count: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        call(app, path, cookie)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per round and variant")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--profile", choices=["dashboard", "index"])
    args = parser.parse_args()
    api_url = start_api_stub()
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(seed_app=BENCH_APP) as sandbox:
        ours = signed_in_app(Path(tmp), sandbox, api_url)
        minimal = minimal_app(Path(tmp), api_url)
        if args.profile:
            path = "/dashboard" if args.profile == "dashboard" else "/"
            profile(ours[0], path, ours[1], args.requests)
            return
        for path in ("/dashboard", "/"):  # warm up: imports, templates, pools
            call(ours[0], path, ours[1])
            call(minimal, path, "")
        dashboard = compare(ours, minimal, "/dashboard", args.requests, args.rounds)
        index = compare(ours, minimal, "/", args.requests, args.rounds)
    print(f"/dashboard, this app:          {dashboard[0]:7.1f} requests/s")
    print(f"/dashboard, minimal:           {dashboard[1]:7.1f} requests/s")
    print(f"ratio dashboard / minimal: {dashboard[0] / dashboard[1]:.2f}  (target >= 0.8)")
    print(f"  the same by CPU time: {dashboard[2]:.2f}")
    print(f"signed-in /, this app:         {index[0]:7.1f} requests/s")
    print(f"/, bare Flask route:           {index[1]:7.1f} requests/s")
    print(f"ratio signed-in / / bare route: {index[0] / index[1]:.2f}  (target >= 0.6)")
    print(f"  the same by CPU time: {index[2]:.2f}")


if __name__ == "__main__":
    main()
