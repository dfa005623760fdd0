"""`flask refresher run` as it ships, against a fast token endpoint: does it keep up?

    python bench/refresher_process.py [--connections 10000] [--rounds 4]
                                      [--database-url POSTGRESQL_SERVER_URL]

1. Seeds N connections (default 10,000) and a stub token endpoint in its own process
   (bench/_stub_token_endpoint.py: answers at once, checks nothing), so that the
   refresher, not the platform, is what is measured.
2. Process against sweep ceiling, in ABBA rounds of N/rounds connections each:
   A makes its share due and runs `flask refresher run` as a subprocess with the default
   settings until the share is refreshed (then SIGTERM); B makes its share due and calls
   `Refresher.sweep()` in this process with one batch holding the whole share (the
   refresher's own work with no loop around it: its ceiling). Rates run from the stub's
   first to its last answer of the round; the process's start-up is printed apart.
3. Under latency: the stub answers after 0.1 s, then 0.5 s; the process runs with
   REFRESHER_CONCURRENCY 4, 16 and 64 (otherwise the defaults). Its rate is compared with
   concurrency ÷ latency, the most that many calls in flight can give, or with the CPU
   ceiling where that is lower: the process's rate with 64 threads against the stub
   answering at once (then the machine, not the waiting, is the limit).
Without --database-url the app database is a SQLite file; with a PostgreSQL server URL a
fresh database is created on it for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import requests
from _databases import app_database
from _seeding import bench_config, free_port, seed_app_connections, utcnow
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text, update

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import Connection
from {{ cookiecutter.project_slug }}.paths import SOURCE_CHECKOUT as PROJECT_ROOT
from {{ cookiecutter.project_slug }}.refresher import Refresher, RefresherSettings

STUB = Path(__file__).with_name("_stub_token_endpoint.py")
LATENCIES = (0.1, 0.5)
CONCURRENCIES = (4, 16, 64)
WARM_UP = 200
CEILING_RUN = 2000
# Settings the process reads; empty means "the default" (a .env file cannot fill them in).
REFRESHER_SETTINGS = (
    "REFRESHER_INTERVAL_SECONDS", "REFRESHER_BATCH_SIZE", "REFRESHER_CONCURRENCY",
    "REFRESHER_LEASE_SECONDS", "REFRESHER_WINDOW_SECONDS", "REFRESHER_KEEPALIVE_DAYS",
    "REFRESH_COOLDOWN_SECONDS", "REFRESH_LEEWAY_SECONDS",
)  # fmt: skip


class Stub:
    """The stub token endpoint in its own process (its own GIL)."""

    def __init__(self, latency: float) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen([sys.executable, str(STUB), str(port), str(latency)])
        for _ in range(200):
            try:
                self.stats()
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the stub token endpoint did not start")

    def stats(self) -> dict[str, float]:
        return requests.get(f"{self.url}/stats", timeout=5).json()

    def reset(self) -> None:
        requests.get(f"{self.url}/reset", timeout=5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def stub(latency: float) -> Iterator[Stub]:
    endpoint = Stub(latency)
    try:
        yield endpoint
    finally:
        endpoint.stop()


def make_due(app: Flask, ids: list[str]) -> None:
    """Let these connections' access tokens expire now, so the refresher owes them a call."""
    past = utcnow() - timedelta(minutes=1)
    with app.app_context():
        for start in range(0, len(ids), 1000):
            db.session.execute(
                update(Connection)
                .where(Connection.id.in_(ids[start : start + 1000]))
                .values(refresh_due_at=past, access_expires_at=past)
            )
        db.session.commit()


def wait_for(endpoint: Stub, expected: int) -> dict[str, float]:
    """Wait until the stub has answered `expected` refreshes since its last reset."""
    deadline = time.monotonic() + 900
    while (stats := endpoint.stats())["served"] < expected:
        if time.monotonic() > deadline:
            sys.exit(f"only {stats['served']:.0f} of {expected} refreshes in 900 s")
        time.sleep(0.05)
    return stats


def rate(stats: dict[str, float]) -> float:
    """Refreshes a second, from the first request's arrival to the last answer."""
    return stats["served"] / (stats["last"] - stats["first"])


def run_process(app: Flask, endpoint: Stub, ids: list[str], **settings: str) -> tuple[float, float]:
    """`flask refresher run` until `ids` are refreshed; answers (refreshes/s, start-up s)."""
    make_due(app, ids)
    endpoint.reset()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "refresher", "run"],
        cwd=PROJECT_ROOT, env=process_env(app, endpoint.url, settings),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        stats = wait_for(endpoint, len(ids))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    return rate(stats), stats["first"] - started  # start-up: until the first call arrives


def run_sweep(app: Flask, endpoint: Stub, ids: list[str]) -> float:
    """One in-process sweep over `ids` in a single batch; answers refreshes/s."""
    make_due(app, ids)
    services = app.extensions["fsckmsft"]
    services.token_endpoint.token_url = f"{endpoint.url}/oauth/token"
    refresher = Refresher(services, RefresherSettings(batch_size=len(ids)))
    endpoint.reset()
    result = refresher.sweep()
    if result.outcomes["refreshed"] != len(ids):
        sys.exit(f"sweep went wrong: {result.summary()}")
    return rate(wait_for(endpoint, len(ids)))


def durability(app: Flask) -> str:
    """PostgreSQL's durability settings: rates with fsync off are an upper bound."""
    with app.app_context():
        fsync, commit = (
            db.session.execute(text(f"SHOW {name}")).scalar()
            for name in ("fsync", "synchronous_commit")
        )
    note = " (rates are an upper bound for a durable server)" if fsync == "off" else ""
    return f"PostgreSQL fsync={fsync} synchronous_commit={commit}{note}"


def process_env(app: Flask, platform_url: str, settings: dict[str, str]) -> dict[str, str]:
    config = app.config
    names = (
        "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "FSCKMSFT_CLIENT_ID", "FSCKMSFT_CLIENT_SECRET",
        "FSCKMSFT_REDIRECT_URI",
    )  # fmt: skip
    env = {**os.environ, **{name: str(config[name]) for name in names}}
    env.update({name: "" for name in REFRESHER_SETTINGS})
    env.update(
        APP_ENV="testing",
        CLOCK_SOURCE="system",
        DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"],
        FSCKMSFT_AUTH_URL=platform_url,
        FSCKMSFT_API_URL=platform_url,
        FLASK_APP="{{ cookiecutter.project_slug }}",
        **settings,
    )
    return env


def ceiling_rounds(
    app: Flask, ids: list[str], warm_up: list[str], rounds: int
) -> tuple[float, float, float]:
    """ABBA rounds of process (A) and in-process sweep (B); answers both rates and the
    process's mean start-up time."""
    share = len(ids) // rounds
    chunks = [ids[n * share : (n + 1) * share] for n in range(rounds)]
    process_time = sweep_time = startup = 0.0
    with stub(0.0) as endpoint:
        run_sweep(app, endpoint, warm_up)  # imports, connections, caches
        for number, chunk in enumerate(chunks):
            # ABBA: A B B A A B ... so a drift of the machine weighs on both alike.
            if number % 4 in (0, 3):
                measured, started = run_process(app, endpoint, chunk)
                process_time += len(chunk) / measured
                startup += started
            else:
                sweep_time += len(chunk) / run_sweep(app, endpoint, chunk)
    processes = len([n for n in range(rounds) if n % 4 in (0, 3)])
    done_a, done_b = share * processes, share * (rounds - processes)
    return done_a / process_time, done_b / sweep_time, startup / processes


def cpu_ceiling(app: Flask, ids: list[str]) -> float:
    """The process's rate when waiting costs nothing: 64 threads, a stub that answers at once."""
    with stub(0.0) as endpoint:
        measured, _ = run_process(app, endpoint, ids, REFRESHER_CONCURRENCY="64")
    return measured


def latency_runs(
    app: Flask, ids: list[str], ceiling: float, seconds: float
) -> Iterator[tuple[float, int, float, float]]:
    """(latency, concurrency, refreshes/s, target) for each latency and concurrency."""
    for latency in LATENCIES:
        with stub(latency) as endpoint:
            for concurrency in CONCURRENCIES:
                target = min(concurrency / latency, ceiling)
                count = max(4 * concurrency, int(target * seconds))
                chunk, ids = ids[:count], ids[count:]
                measured, _ = run_process(
                    app, endpoint, chunk, REFRESHER_CONCURRENCY=str(concurrency)
                )
                yield latency, concurrency, measured, target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=4, help="ABBA rounds (a multiple of 4)")
    parser.add_argument("--latency-seconds", type=float, default=5.0, help="per latency run")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args()
    # Connections for the warm-up, the CPU ceiling, every latency run at its ideal rate.
    spare = (
        WARM_UP
        + CEILING_RUN
        + sum(
            max(4 * c, int(c / latency * args.latency_seconds))
            for latency in LATENCIES
            for c in CONCURRENCIES
        )
    )
    with tempfile.TemporaryDirectory() as tmp, app_database(args.database_url, Path(tmp)) as url:
        app = create_app(bench_config(url, "http://127.0.0.1:9"))
        with app.app_context():
            upgrade()
        ids = seed_app_connections(
            app, [f"rft_bench_{n}" for n in range(args.connections + spare)], timedelta(days=1)
        )
        backend = app.extensions["fsckmsft"].token_service.engine.dialect.name
        measured, rest = ids[: args.connections], ids[args.connections :]
        warm_up, for_ceiling, for_latency = (
            rest[:WARM_UP],
            rest[WARM_UP : WARM_UP + CEILING_RUN],
            rest[WARM_UP + CEILING_RUN :],
        )
        process, ceiling, startup = ceiling_rounds(app, measured, warm_up, args.rounds)
        print(f"connections: {args.connections}  app database: {backend}  ABBA rounds: "
              f"{args.rounds}  refresher settings: defaults")  # fmt: skip
        if backend == "postgresql":
            print(durability(app))
        print(f"sweep ceiling (in-process, one batch): {ceiling:7.1f} refreshes/s")
        print(f"flask refresher run (subprocess):      {process:7.1f} refreshes/s "
              f"(start-up {startup:.1f} s, not counted)")  # fmt: skip
        print(f"ratio refresher process / sweep ceiling: {process / ceiling:.2f} (target >= 0.8)")
        ceiling_64 = cpu_ceiling(app, for_ceiling)
        print(f"CPU ceiling (64 threads, no latency):  {ceiling_64:7.1f} refreshes/s")
        for latency, concurrency, rate_seen, target in latency_runs(
            app, for_latency, ceiling_64, args.latency_seconds
        ):
            bound = "concurrency / latency" if target == concurrency / latency else "CPU ceiling"
            print(
                f"ratio refresher process / {bound} at latency {latency:.1f} s, concurrency "
                f"{concurrency:2d}: {rate_seen:6.1f} / {target:6.1f} refreshes/s = "
                f"{rate_seen / target:.2f} (target >= 0.8)"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
