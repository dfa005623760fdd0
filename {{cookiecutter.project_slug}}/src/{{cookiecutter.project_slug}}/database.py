"""Database engine settings and the row lock that the one refresh path relies on.

PostgreSQL locks the one connection row (`SELECT ... FOR UPDATE`). SQLite has no row
locks, so a refresh takes the database's single write lock up front (`BEGIN IMMEDIATE`):
two processes can never refresh at once, which is what single-use refresh tokens need.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, event
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


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


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
