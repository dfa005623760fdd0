"""What reading the token from the database costs a dashboard request, in one run.

    python bench/dashboard_token_cost.py [--requests 200] [--rounds 10]

The app is served over real HTTP on loopback and the dashboard (which lists the
workspace's projects from the sandbox API) is requested in alternating rounds:
- stored: the normal path, the access token read from the database and decrypted;
- in memory: the same request with the token service answering from a Python variable.
It prints both rates, their ratio (target >= 0.9) and the cost of one decryption.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import timeit
from datetime import timedelta
from pathlib import Path

import requests
from _seeding import (
    bench_config,
    free_port,
    seed_app_connections,
    seed_sandbox_token_pairs,
    start_sandbox_process,
)
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.fsckmsft.token_service import AccessToken
from {{ cookiecutter.project_slug }}.tokens.cipher import token_associated_data


class QuietHandler(WSGIRequestHandler):
    """No access-log line per request: the output is the figures, nothing else."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class TokenInMemory:
    """Swaps the token service's lookup for a constant (the "in memory" variant)."""

    def __init__(self, app: Flask, connection_id: str) -> None:
        self.service = app.extensions["fsckmsft"].token_service
        self.stored = self.service.access_token
        self.token: AccessToken = self.stored(connection_id)

    def __enter__(self) -> None:
        self.service.access_token = lambda connection_id, row=None: self.token

    def __exit__(self, *exc: object) -> None:
        self.service.access_token = self.stored


def signed_in_session(app: Flask, base_url: str, connection_id: str) -> requests.Session:
    """A browser session cookie for a user with this connection."""
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(user_id="usr_ada", username="ada", connection_ids=[connection_id])
    cookie = client.get_cookie("session")
    assert cookie is not None, "the test client holds no session cookie"
    http = requests.Session()
    http.headers["Cookie"] = f"session={cookie.value}"
    response = http.get(f"{base_url}/dashboard", timeout=10)
    assert "data-project-id" in response.text, response.text[:300]
    return http


def seconds_for(http: requests.Session, url: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        response = http.get(url, timeout=10)
        assert response.status_code == 200
    return time.perf_counter() - started


def decrypt_microseconds(app: Flask, connection_id: str) -> float:
    services = app.extensions["fsckmsft"]
    with app.app_context():
        from {{ cookiecutter.project_slug }}.extensions import db
        from {{ cookiecutter.project_slug }}.models import Connection

        connection = db.session.get(Connection, connection_id)
        assert connection is not None and connection.access_token_ciphertext is not None
        envelope = connection.access_token_ciphertext
    ad = token_associated_data(connection_id, "access_token")
    runs = 20_000
    seconds = timeit.timeit(
        lambda: services.cipher.decrypt(envelope, associated_data=ad), number=runs
    )
    return seconds / runs * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per round and variant")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        [(access, refresh)] = seed_sandbox_token_pairs(Path(tmp) / "sandbox.db", 1)
        process, sandbox_url = start_sandbox_process(Path(tmp) / "sandbox.db")
        try:
            app = create_app(bench_config(f"sqlite:///{Path(tmp) / 'app.db'}", sandbox_url))
            with app.app_context():
                upgrade()
            [connection_id] = seed_app_connections(app, [refresh], timedelta(hours=1), [access])
            port = free_port()
            server = make_server(
                "localhost", port, app, threaded=True, request_handler=QuietHandler
            )
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://localhost:{port}/dashboard"
            http = signed_in_session(app, f"http://localhost:{port}", connection_id)
            in_memory = TokenInMemory(app, connection_id)
            stored_time = memory_time = 0.0
            for number in range(args.rounds):
                # ABBA order: a slow drift of the machine weighs on both variants alike.
                if number % 2:
                    stored_time += seconds_for(http, url, args.requests)
                with in_memory:
                    memory_time += seconds_for(http, url, args.requests)
                if not number % 2:
                    stored_time += seconds_for(http, url, args.requests)
            server.shutdown()
            decrypt = decrypt_microseconds(app, connection_id)
        finally:
            process.terminate()
            process.wait(timeout=10)
    total = args.requests * args.rounds
    stored, memory = total / stored_time, total / memory_time
    print(f"dashboard with the token read from the database: {stored:7.1f} requests/s")
    print(f"dashboard with the token held in memory:         {memory:7.1f} requests/s")
    print(f"ratio stored / in memory: {stored / memory:.3f}  (target >= 0.9)")
    print(f"one AES-GCM decryption of an access token: {decrypt:.1f} µs")


if __name__ == "__main__":
    main()
