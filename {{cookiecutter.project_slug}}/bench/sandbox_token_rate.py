"""The sandbox token endpoint against a minimal token endpoint, side by side in one run.

    python bench/sandbox_token_rate.py [--seconds 3] [--rounds 6]

Each request is a real refresh (`grant_type=refresh_token`): the endpoint authenticates the
client, spends the old refresh token and stores a new pair, as the refresher's calls do.
The minimal endpoint does only that (a Flask route, `sqlite3`, one write transaction);
the sandbox does it through Authlib's server with every check the platform documents.
Both are served the same way (werkzeug, threaded, loopback, this process; werkzeug closes
each connection, so both pay one connect per request) and driven one request at a time, in
ABBA rounds so that a drift of the machine weighs on both alike. Prints both rates and
`ratio sandbox / minimal` (target >= 0.8), and the same ratio from this process's CPU
time per refresh (client and both servers run here), which other load on a shared machine
disturbs far less. It also prints each server's own CPU time per refresh (inside its WSGI
app, without the client and the HTTP server around it): what the endpoints themselves cost.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from flask import Flask, Response, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer

BENCH_APP: dict[str, Any] = {
    "client_id": "sbx_bench_client",
    "client_secret": "bench-secret-0123456789abcdefghijklmnopqrstuv",
    "name": "Token Rate Bench",
    "description": "Measures the sandbox token endpoint.",
    "homepage_url": "https://bench.example.com",
    "redirect_uris": ["https://bench.example.com/callback"],
    "scopes": ["read:projects"],
}
Refresh = Callable[[str], str]  # spends a refresh token, answers the next one


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def minimal_token_endpoint(database: Path) -> tuple[Flask, str]:
    """The least a refresh can do: check the client, spend the token, store a new pair."""
    connection = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE tokens (refresh_digest TEXT PRIMARY KEY, access_digest TEXT, used INT)"
    )
    lock = threading.Lock()
    secret_digest = digest(BENCH_APP["client_secret"])
    app = Flask("minimal_token_endpoint")

    @app.post("/oauth/token")
    def token() -> tuple[Response, int]:
        form = request.form
        if (
            form.get("grant_type") != "refresh_token"
            or form.get("client_id") != BENCH_APP["client_id"]
            or not hmac.compare_digest(digest(form.get("client_secret", "")), secret_digest)
        ):
            return jsonify(error="invalid_client"), 401
        access, refresh = f"act_{secrets.token_urlsafe(24)}", f"rft_{secrets.token_urlsafe(24)}"
        with lock:
            connection.execute("BEGIN IMMEDIATE")
            spent = connection.execute(
                "UPDATE tokens SET used = 1 WHERE refresh_digest = ? AND used = 0",
                (digest(form.get("refresh_token", "")),),
            ).rowcount
            if spent:
                connection.execute(
                    "INSERT INTO tokens VALUES (?, ?, 0)", (digest(refresh), digest(access))
                )
            connection.execute("COMMIT")
        if not spent:
            return jsonify(error="invalid_grant"), 400
        return jsonify(
            access_token=access,
            token_type="Bearer",  # noqa: S106 (a token type, not a password)
            expires_in=3600,
            refresh_token=refresh,
        ), 200

    first = f"rft_{secrets.token_urlsafe(24)}"
    connection.execute("INSERT INTO tokens VALUES (?, ?, 0)", (digest(first), "-"))
    return app, first


@contextmanager
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class ServerClock:
    """The CPU time an app's request threads spend inside it (requests come one at a time)."""

    def __init__(self, app: Flask) -> None:
        self.seconds = 0.0
        inner = app.wsgi_app

        def timed(environ: dict[str, Any], start_response: Any) -> Any:
            started = time.thread_time()
            try:
                return inner(environ, start_response)
            finally:
                self.seconds += time.thread_time() - started

        app.wsgi_app = timed  # type: ignore[method-assign]


def refresher_of(http: requests.Session, base_url: str) -> Refresh:
    form = {
        "grant_type": "refresh_token",
        "client_id": BENCH_APP["client_id"],
        "client_secret": BENCH_APP["client_secret"],
    }

    def refresh(refresh_token: str) -> str:
        answer = http.post(
            f"{base_url}/oauth/token", data={**form, "refresh_token": refresh_token}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()["refresh_token"]

    return refresh


def rate(
    refresh: Refresh, token: str, seconds: float, server: ServerClock
) -> tuple[float, float, float, str]:
    """Sequential refreshes for `seconds`; answers refreshes/s, this process's CPU
    milliseconds per refresh (client and both servers run here), the server's own, and the
    live token."""
    done, started, cpu, inside = 0, time.perf_counter(), time.process_time(), server.seconds
    while time.perf_counter() - started < seconds:
        token = refresh(token)
        done += 1
    cpu_ms = (time.process_time() - cpu) * 1000 / done
    server_ms = (server.seconds - inside) * 1000 / done
    return done / (time.perf_counter() - started), cpu_ms, server_ms, token


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per round and variant")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {"sandbox": [], "minimal": []}
    cpu: dict[str, list[float]] = {"sandbox": [], "minimal": []}
    server_cpu: dict[str, list[float]] = {"sandbox": [], "minimal": []}
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(seed_app=BENCH_APP) as sandbox:
        minimal_app, minimal_token = minimal_token_endpoint(Path(tmp) / "minimal.db")
        sandbox_token = OAuthFlow(sandbox, BENCH_APP).tokens("ada")["refresh_token"]
        clocks = {"sandbox": ServerClock(sandbox.app), "minimal": ServerClock(minimal_app)}
        # The sandbox's own WSGI app, served exactly as the minimal one is.
        with (
            served(sandbox.app) as sandbox_url,
            served(minimal_app) as minimal_url,
            requests.Session() as http,
        ):
            refreshers = {
                "sandbox": refresher_of(http, sandbox_url),
                "minimal": refresher_of(http, minimal_url),
            }
            tokens = {"sandbox": sandbox_token, "minimal": minimal_token}
            for variant in ("sandbox", "minimal"):  # warm up both
                *_, tokens[variant] = rate(
                    refreshers[variant], tokens[variant], 0.5, clocks[variant]
                )
            for number in range(args.rounds):
                # ABBA: sandbox, minimal, minimal, sandbox, ...
                order = ("sandbox", "minimal") if number % 2 == 0 else ("minimal", "sandbox")
                for variant in order:
                    measured, cpu_ms, server_ms, tokens[variant] = rate(
                        refreshers[variant], tokens[variant], args.seconds, clocks[variant]
                    )
                    rates[variant].append(measured)
                    cpu[variant].append(cpu_ms)
                    server_cpu[variant].append(server_ms)
    for variant in ("sandbox", "minimal"):
        print(
            f"{variant} token endpoint: {median(rates[variant]):7.1f} refreshes/s, "
            f"{median(cpu[variant]):5.2f} ms CPU each, {median(server_cpu[variant]):5.2f} ms "
            f"of it in the server's app (medians of {args.rounds})"
        )
    print(
        f"ratio sandbox / minimal: {median(rates['sandbox']) / median(rates['minimal']):.2f}  "
        "(target >= 0.8)"
    )
    # On a shared machine other processes steal wall time; CPU time is this run's own.
    print(
        f"ratio by CPU time (minimal's / sandbox's): "
        f"{median(cpu['minimal']) / median(cpu['sandbox']):.2f}"
    )


if __name__ == "__main__":
    main()
