"""Database engine settings and the row lock that the one refresh path relies on.

PostgreSQL locks the one connection row (`SELECT ... FOR UPDATE`). SQLite has no row
locks, so a refresh takes the database's single write lock up front (`BEGIN IMMEDIATE`):
two processes can never refresh at once, which is what single-use refresh tokens need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
