"""The refresher's due-row query costs the same at 10,000 and at 1,000,000 connections.

    python bench/due_query.py [--database-url POSTGRESQL_SERVER_URL]

The table gets 100 due connections and many that are not due; the query the refresher
runs (refresher_claims.due_rows_query, with FOR UPDATE SKIP LOCKED on PostgreSQL) is
timed at 10,000 rows, then again after growing the table to 1,000,000. An index range
scan on (status, refresh_due_at) reads the due rows only, so the ratio stays near 1; a
table scan would grow a hundredfold. The query plan is printed too.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _databases import app_database
from sqlalchemy import Engine, create_engine, text

from {{ cookiecutter.project_slug }}.extensions import Base
from {{ cookiecutter.project_slug }}.refresher.claims import due_rows_query

DUE = 100
ROWS_PER_STATEMENT = 100_000
# Rows are generated inside the database (a recursive CTE on SQLite, generate_series on
# PostgreSQL): a million round trips would measure the driver, not the query.
INSERT = (
    "INSERT INTO connections (id, fsckmsft_user_id, fsckmsft_username, workspace_id, "
    "workspace_name, access_token_ciphertext, refresh_token_ciphertext, scopes, "
    "access_expires_at, refresh_issued_at, refresh_due_at, refresh_failures, status, "
    "version, created_at, updated_at) "
    "SELECT 'c' || i, 'u' || i, 'user', 'w' || i, 'workspace', 'v1:k:x', 'v1:k:y', '', "
    ":due, :due, :due, 0, 'active', 1, :due, :due FROM "
)
SERIES = {
    "sqlite": text(
        INSERT + "(WITH RECURSIVE n(i) AS (SELECT :start UNION ALL SELECT i + 1 FROM n "
        "WHERE i < :stop) SELECT i FROM n) AS s"
    ),
    "postgresql": text(
        INSERT + "(SELECT generate_series(CAST(:start AS integer), CAST(:stop AS integer)) "
        "AS i) AS s"
    ),
}


def insert_rows(engine: Engine, start: int, stop: int, due_at: datetime) -> None:
    statement = SERIES[engine.dialect.name]
    naive = due_at.astimezone(UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        for chunk in range(start, stop, ROWS_PER_STATEMENT):
            connection.execute(
                statement,
                {"start": chunk, "stop": min(chunk + ROWS_PER_STATEMENT, stop) - 1, "due": naive},
            )
        connection.execute(text("ANALYZE"))


def seconds_per_query(engine: Engine, now: datetime, repeats: int = 200) -> float:
    query = due_rows_query(now, DUE)
    if engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with engine.connect() as connection:
        for _ in range(10):  # warm the cache
            assert len(connection.execute(query).all()) == DUE
            connection.rollback()
        started = time.perf_counter()
        for _ in range(repeats):
            connection.execute(query).all()
            connection.rollback()
        return (time.perf_counter() - started) / repeats


def query_plan(engine: Engine, now: datetime) -> str:
    compiled = due_rows_query(now, DUE).compile(engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
    with engine.connect() as connection:
        rows = connection.execute(text(f"{explain} {compiled}")).all()
    return "\n".join("    " + " ".join(str(part) for part in row) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, app_database(args.database_url, Path(tmp)) as url:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        insert_rows(engine, 0, DUE, now - timedelta(minutes=1))
        insert_rows(engine, DUE, 10_000, now + timedelta(hours=1))
        small = seconds_per_query(engine, now)
        insert_rows(engine, 10_000, 1_000_000, now + timedelta(hours=1))
        large = seconds_per_query(engine, now)
        plan = query_plan(engine, now)
        engine.dispose()
    print(f"database: {engine.dialect.name}; {DUE} due rows")
    print(f"due-row query at    10,000 connections: {small * 1000:8.3f} ms")
    print(f"due-row query at 1,000,000 connections: {large * 1000:8.3f} ms")
    print(f"ratio 1,000,000 / 10,000: {large / small:.2f}  (target <= 2: an index, not a scan)")
    print(f"plan:\n{plan}")


if __name__ == "__main__":
    main()
