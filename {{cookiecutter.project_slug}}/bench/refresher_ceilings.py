"""The refresher against its own ceilings: the HTTP call alone, the write alone, in one run.

    python bench/refresher_ceilings.py [--connections 4000] [--rounds 4]
                                       [--database-url POSTGRESQL_SERVER_URL]

A refresh is one token call and one stored result. Each part alone, done the least way:
- HTTP alone: sequential `POST /oauth/token` to a stub endpoint in its own process
  (bench/_stub_token_endpoint.py: answers at once, checks nothing) over one kept-alive
  connection, the answer parsed;
- write alone: one write transaction per connection that encrypts both new tokens
  (AES-GCM, bound to the row) and updates the row (SQLAlchemy Core, one statement).
One after the other they give the serial composition, 1 / (1/HTTP + 1/write): what one
refresh after another could reach with nothing else to do. The refresher (an in-process
sweep with the default settings: concurrency 4, batches of 100) is measured against the
same stub in ABBA rounds with both parts, and its ratio to that composition printed
(target >= 0.8). Without --database-url the app database is a SQLite file; with a
PostgreSQL server URL a fresh database is created on it for the run and dropped after.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import requests
from _databases import app_database
from _seeding import BENCH_APP, bench_config, seed_app_connections, utcnow
from flask import Flask
from flask_migrate import upgrade
from refresher_process import Stub, make_due, rate, stub, wait_for
from sqlalchemy import bindparam, update

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.database import write_transaction
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings
from {{ cookiecutter.project_slug }}.tokens.cipher import token_associated_data

# The least a stored refresh writes: both ciphertexts, the expiry, the version.
STORE = (
    update(Connection)
    .where(Connection.id == bindparam("connection_id"))
    .values(
        access_token_ciphertext=bindparam("access"),
        refresh_token_ciphertext=bindparam("refresh"),
        access_expires_at=bindparam("expires"),
        version=Connection.version + 1,
    )
)


def http_alone(url: str, count: int) -> float:
    """Sequential token calls to the stub over one kept-alive connection; answers calls/s."""
    form = {"grant_type": "refresh_token", "client_id": BENCH_APP["client_id"],
            "client_secret": BENCH_APP["client_secret"]}  # fmt: skip
    with requests.Session() as http:
        started = time.perf_counter()
        for number in range(count):
            answer = http.post(
                f"{url}/oauth/token", data={**form, "refresh_token": f"rft_{number}"}, timeout=10
            )
            answer.raise_for_status()
            answer.json()
        return count / (time.perf_counter() - started)


def write_alone(app: Flask, ids: list[str]) -> float:
    """One write transaction per connection: two encryptions and one UPDATE; answers writes/s."""
    cipher = app.extensions["fsckmsft"].cipher
    expires = utcnow() + timedelta(hours=1)
    with app.app_context():
        engine = db.engine
    started = time.perf_counter()
    for connection_id in ids:
        access = cipher.encrypt(
            "act_" + "a" * 43, associated_data=token_associated_data(connection_id, "access_token")
        )
        refresh = cipher.encrypt(
            "rft_" + "r" * 43, associated_data=token_associated_data(connection_id, "refresh_token")
        )
        with write_transaction(engine) as connection:
            connection.execute(
                STORE,
                {"connection_id": connection_id, "access": access, "refresh": refresh,
                 "expires": expires},
            )  # fmt: skip
    return len(ids) / (time.perf_counter() - started)


def refresher_sweep(app: Flask, endpoint: Stub, ids: list[str]) -> float:
    """One in-process sweep over `ids` with the default settings; answers refreshes/s."""
    make_due(app, ids)
    services = app.extensions["fsckmsft"]
    services.token_endpoint.token_url = f"{endpoint.url}/oauth/token"
    refresher = Refresher(services, RefresherSettings())
    endpoint.reset()
    result = refresher.sweep()
    if result.outcomes["refreshed"] != len(ids):
        sys.exit(f"sweep went wrong: {result.summary()}")
    return rate(wait_for(endpoint, len(ids)))


def measure(name: str, app: Flask, endpoint: Stub, swept: list[str], written: list[str]) -> float:
    if name == "refresher":
        return refresher_sweep(app, endpoint, swept)
    if name == "http":
        return http_alone(endpoint.url, len(swept))
    return write_alone(app, written)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=4000, help="per variant, in all")
    parser.add_argument("--rounds", type=int, default=4, help="ABBA rounds")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args()
    share = args.connections // args.rounds
    with tempfile.TemporaryDirectory() as tmp, app_database(args.database_url, Path(tmp)) as url:
        app = create_app(bench_config(url, "http://127.0.0.1:9"))
        with app.app_context():
            upgrade()
        ids = seed_app_connections(
            app, [f"rft_bench_{n}" for n in range(2 * args.connections + 200)], timedelta(days=1)
        )
        backend = app.extensions["fsckmsft"].token_service.engine.dialect.name
        warm_up, swept, written = (
            ids[:200],
            ids[200 : 200 + args.connections],
            ids[200 + args.connections :],
        )
        rates: dict[str, list[float]] = {"refresher": [], "http": [], "write": []}
        with stub(0.0) as endpoint:
            refresher_sweep(app, endpoint, warm_up)  # imports, pools, caches
            for number in range(args.rounds):
                chunk = slice(number * share, (number + 1) * share)
                # ABBA: the order flips every round, so a drifting machine weighs on all alike.
                order = list(rates) if number % 2 == 0 else list(rates)[::-1]
                for name in order:
                    rates[name].append(measure(name, app, endpoint, swept[chunk], written[chunk]))
        with app.app_context():
            db.engine.dispose()
    http, write, refresher = (median(rates[name]) for name in ("http", "write", "refresher"))
    serial = 1 / (1 / http + 1 / write)
    print(f"connections: {args.connections}  app database: {backend}  ABBA rounds: {args.rounds}")
    print(f"HTTP alone (token call to a stub):       {http:7.1f} calls/s")
    print(f"write alone (two encryptions, 1 UPDATE): {write:7.1f} writes/s")
    print(f"serial composition 1/(1/HTTP + 1/write): {serial:7.1f} refreshes/s")
    print(f"refresher sweep (defaults):              {refresher:7.1f} refreshes/s")
    print(f"ratio refresher / serial composition: {refresher / serial:.2f}  (target >= 0.8)")


if __name__ == "__main__":
    main()
