"""Refresher throughput as a ratio of the sandbox token endpoint's own rate, in one run.

    python bench/refresher_throughput.py [--connections 10000] [--database-url URL]

1. Seed N connections whose access tokens are due, with real tokens in the sandbox.
2. In ABBA rounds, time the sandbox token endpoint alone (plain refreshes from as
   many client threads as the refresher uses: its ceiling) and one refresher sweep over
   N/rounds connections. ABBA order makes a drifting machine slow both sides alike.
3. Report both rates and their ratio.
The sandbox runs in its own process, so it does not share the refresher's interpreter.
Without --database-url the app database is a SQLite file; with a PostgreSQL server URL
a fresh database is created on it for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests
from _databases import app_database
from _seeding import (
    BENCH_APP,
    bench_config,
    seed_app_connections,
    seed_sandbox_tokens,
    start_sandbox_process,
)
from flask_migrate import upgrade

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings

CONCURRENCY = 4


def endpoint_seconds(url: str, refresh_tokens: list[str]) -> float:
    """Seconds the sandbox takes to answer these refreshes from CONCURRENCY plain clients."""
    session = requests.Session()
    form = {"grant_type": "refresh_token", "client_id": BENCH_APP["client_id"],
            "client_secret": BENCH_APP["client_secret"]}  # fmt: skip

    def refresh(token: str) -> None:
        answer = session.post(
            f"{url}/oauth/token", data={**form, "refresh_token": token}, timeout=30
        )
        answer.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(refresh, refresh_tokens))
    return time.perf_counter() - started


def sweep_seconds(refresher: Refresher, expected: int) -> float:
    """Seconds for one refresher sweep over `expected` due connections."""
    started = time.perf_counter()
    result = refresher.sweep()
    elapsed = time.perf_counter() - started
    if result.failed or result.outcomes["refreshed"] != expected:
        sys.exit(f"sweep went wrong: {result.summary()}")
    return elapsed


def interleaved_rates(
    url: str, app_url: str, tokens: list[str], rounds: int
) -> tuple[float, float]:
    """Alternate endpoint-alone chunks with refresher sweeps, so noise hits both alike."""
    half = len(tokens) // 2
    probe, refresh_tokens = tokens[:half], tokens[half:]
    app = create_app(bench_config(app_url, url))
    with app.app_context():
        upgrade()
    seed_app_connections(app, refresh_tokens, due_in=timedelta(minutes=-1))
    per_round = len(refresh_tokens) // rounds
    refresher = Refresher(
        app.extensions["fsckmsft"], RefresherSettings(batch_size=per_round, concurrency=CONCURRENCY)
    )
    endpoint_time = refresher_time = 0.0
    for number in range(rounds):
        # ABBA: A B B A A B ..., so a drift of the machine weighs on both sides alike.
        chunk = probe[number * per_round : (number + 1) * per_round]
        if number % 2 == 0:
            endpoint_time += endpoint_seconds(url, chunk)
        refresher_time += sweep_seconds(refresher, per_round)
        if number % 2 == 1:
            endpoint_time += endpoint_seconds(url, chunk)
    done = per_round * rounds
    return done / endpoint_time, done / refresher_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sandbox_db = Path(tmp) / "sandbox.db"
        # As many tokens again for the endpoint-alone chunks, plus a few to warm up.
        tokens = seed_sandbox_tokens(sandbox_db, 2 * args.connections + 50)
        process, url = start_sandbox_process(sandbox_db)
        try:
            endpoint_seconds(url, tokens[:50])  # warm up: imports, pages, connections
            with app_database(args.database_url, Path(tmp)) as app_url:
                ceiling, rate = interleaved_rates(url, app_url, tokens[50:], args.rounds)
        finally:
            process.terminate()
            process.wait(timeout=10)
    backend = "postgresql" if args.database_url else "sqlite"
    print(
        f"connections: {args.connections}  app database: {backend}  client threads: {CONCURRENCY}"
    )
    print(f"sandbox token endpoint alone: {ceiling:7.1f} refreshes/s")
    print(f"refresher end to end:         {rate:7.1f} refreshes/s")
    print(f"ratio refresher / endpoint:   {rate / ceiling:7.2f}  (target >= 0.8)")


if __name__ == "__main__":
    main()
