"""Database engine settings: pool sizes, SQLite's pragmas, short write transactions.

Writes run in short transactions that take their locks up front: on SQLite the
database's single write lock (`BEGIN IMMEDIATE`, so two writers never deadlock on a lock
upgrade), on PostgreSQL the rows a statement touches. No transaction, and no pooled
connection, is ever held while the app waits for fsckmsft (see fsckmsft/refresh_lock.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Threads of one process take turns here for SQLite's write lock. SQLite's own busy
# handler makes waiters sleep and poll (up to 100 ms at a time); a queue is far faster.
_sqlite_writers: dict[str, threading.Lock] = {}
_sqlite_writers_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock:
    key = engine.url.render_as_string(hide_password=True)
    with _sqlite_writers_guard:
        return _sqlite_writers.setdefault(key, threading.Lock())


# Connections besides the refresher's threads: its claims and sweep records, and a few
# for the web requests of the same process (`flask dev --with-refresher`).
POOL_HEADROOM = 4
POOL_OVERFLOW = 10


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def engine_options(database_url: str, refresher_concurrency: int) -> dict[str, Any]:
    """Pool sizes for PostgreSQL, derived from how many refreshes run at once.

    Each refresh holds a pooled connection only for its two short transactions, never
    while fsckmsft answers, so a pool of one connection per refresher thread (plus a
    little headroom) never makes a thread wait for the pool. SQLite keeps SQLAlchemy's
    defaults: it has one writer whatever the pool size.
    """
    if database_url.startswith("sqlite"):
        return {}
    return {
        "pool_size": refresher_concurrency + POOL_HEADROOM,
        "max_overflow": POOL_OVERFLOW,
    }


def create_owner_only(engine: Engine) -> None:
    """Create the SQLite file readable by its owner only (0600), or tighten an existing one.

    SQLite gives its -wal and -shm files the same mode as the database file, so they
    follow. Other local users must not copy the ciphertexts and session records.
    """
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)


def configure_sqlite(engine: Engine) -> None:
    """WAL (readers never wait for the writer), a busy timeout, explicit transactions."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: commits skip the fsync (the WAL is synced at checkpoints). A power
        # cut may lose the last moments of writes, never corrupt the file. SQLite is the
        # laptop and workshop database here; production durability is PostgreSQL's job.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A short Core transaction for writes: commits on success, rolls back on error.

    The hot path of a refresh uses this (plain statements, no ORM unit of work). On
    SQLite it holds the write lock from its first statement (`BEGIN IMMEDIATE`).
    """
    if not is_sqlite(engine):
        with engine.begin() as connection:
            yield connection
        return
    with _writer_lock(engine), engine.connect() as connection:
        connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            yield connection


@contextmanager
def write_locked_session(engine: Engine) -> Iterator[Session]:
    """A fresh session whose transaction holds the write lock (SQLite) or can take row locks.

    Commits on success, rolls back on error. On PostgreSQL, callers lock the rows they
    need with `with_for_update()`; on SQLite the whole transaction is already exclusive.
    """
    writer_lock = _writer_lock(engine) if is_sqlite(engine) else nullcontext()
    with writer_lock:
        session = Session(bind=engine, expire_on_commit=False)
        try:
            if is_sqlite(engine):
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
