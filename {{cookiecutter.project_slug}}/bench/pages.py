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
import pstats
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from _api_stub import start_api_stub
from _minimal_pages import create_database, minimal_app
from _seeding import BENCH_APP, bench_config
from flask import Flask
from flask_migrate import upgrade
from werkzeug.test import EnvironBuilder, run_wsgi_app

from {{ cookiecutter.project_slug }} import create_app

from fsckmsft_sandbox.testing import SandboxServer


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
        database = Path(tmp) / "minimal.db"
        minimal = minimal_app(database, create_database(database), api_url)
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
