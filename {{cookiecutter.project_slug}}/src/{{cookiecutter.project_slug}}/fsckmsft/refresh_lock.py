"""The exclusive right to refresh one connection, across threads and processes.

Refresh tokens work once, so two workers must never refresh the same connection at the
same time. How that is guaranteed depends on the database:

- PostgreSQL locks the row (`SELECT ... FOR UPDATE`) for the whole refresh. Others wait
  on that row only; every other connection refreshes in parallel.
- SQLite has no row locks. Holding its single write lock during the HTTP call would stop
  every other write (logins included) for as long as fsckmsft takes to answer, so the row
  gets a short lease instead (`refresh_locked_until`), taken and released in two short
  write transactions. A worker that finds the lease taken waits, then re-reads.

Either way the caller gets the row as it is now, and a `write()` that applies a change
and commits it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from ..database import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, write_locked_session
from ..models import Connection

Change = Callable[[Session, Connection], None]
LEASE_POLL_SECONDS = 0.05


@dataclass
class LockedRow:
    connection: Connection | None  # None: the connection no longer exists
    write: Callable[[Change], None]


class RowLock:
    """PostgreSQL: hold the row lock for the whole refresh."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def hold(self, connection_id: str) -> Iterator[LockedRow]:
        with write_locked_session(self.engine) as session:
            query = select(Connection).where(Connection.id == connection_id).with_for_update()
            row = session.scalars(query).one_or_none()

            def write(change: Change) -> None:
                assert row is not None
                change(session, row)
                session.commit()  # ends the transaction: the row lock goes with it

            yield LockedRow(row, write)


class LeaseLock:
    """SQLite: a lease on the row, so the database write lock is only held for moments."""

    def __init__(self, engine: Engine, lease: timedelta) -> None:
        self.engine = engine
        self.lease = lease

    @contextmanager
    def hold(self, connection_id: str) -> Iterator[LockedRow]:
        lease_until, row = self._acquire(connection_id)
        released = False
        try:

            def write(change: Change) -> None:
                nonlocal released
                with write_locked_session(self.engine) as session:
                    current = session.get(Connection, connection_id)
                    assert current is not None
                    change(session, current)
                    if current.refresh_locked_until == lease_until:
                        current.refresh_locked_until = None  # released with the same commit
                released = True

            yield LockedRow(row, write)
        finally:
            if not released:
                self._release(connection_id, lease_until)

    def _acquire(self, connection_id: str) -> tuple[datetime, Connection | None]:
        """Take the lease; answers its end and the row as read under it."""
        # System time on purpose: leases are about real seconds, even when a workshop has
        # moved the sandbox clock.
        deadline = time.monotonic() + 2 * self.lease.total_seconds()
        while True:
            now = datetime.now(UTC)
            with write_locked_session(self.engine) as session:
                claimed = session.execute(
                    update(Connection)
                    .where(Connection.id == connection_id)
                    .where(
                        Connection.refresh_locked_until.is_(None)
                        | (Connection.refresh_locked_until < now)
                    )
                    .values(refresh_locked_until=now + self.lease)
                ).rowcount
                row = session.get(Connection, connection_id)
            if claimed or row is None:
                return now + self.lease, row
            if time.monotonic() > deadline:
                raise TimeoutError(f"connection {connection_id} stayed locked by another worker")
            time.sleep(LEASE_POLL_SECONDS)

    def _release(self, connection_id: str, lease_until: datetime) -> None:
        with write_locked_session(self.engine) as session:
            session.execute(
                update(Connection)
                .where(
                    Connection.id == connection_id, Connection.refresh_locked_until == lease_until
                )
                .values(refresh_locked_until=None)
            )


def refresh_lock_for(engine: Engine, http_timeout: float) -> RowLock | LeaseLock:
    if is_sqlite(engine):
        # Outlasts a refresh and its one retry (each: connect, then read, each up to the
        # timeout) plus a wait for SQLite's write lock. Should a worker still outlive its
        # lease, the token service only lets it store success, never condemn newer tokens.
        lease = timedelta(seconds=4 * http_timeout + SQLITE_BUSY_TIMEOUT_MS / 1000)
        return LeaseLock(engine, lease)
    return RowLock(engine)
