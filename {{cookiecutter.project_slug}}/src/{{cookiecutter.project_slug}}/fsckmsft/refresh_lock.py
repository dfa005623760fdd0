"""The exclusive right to refresh one connection, across threads and processes.

Refresh tokens work once, so two workers must never refresh the same connection at the
same time. Yet nothing may be held while fsckmsft answers: a database transaction or a
pooled connection kept open across an HTTP call would cap refreshes in flight at the
pool size, and on SQLite would stop every other write for as long as fsckmsft takes. So
a refresh is three steps, the same on SQLite and PostgreSQL:

1. claim: one short transaction takes a lease on the row (`refresh_locked_until`, an
   atomic compare-and-set) and reads it back (`RETURNING`);
2. call the token endpoint, holding nothing but the lease;
3. write: one short transaction stores the outcome and drops the lease with it.

Threads of one process queue on a per-connection lock first (`ConnectionLocks`), so they
wait for each other without polling the database; other processes poll the lease. A
worker that outlives its lease (fsckmsft far slower than the timeout) may still store a
success — its tokens are then the only live ones — but never a failure over newer tokens:
failure verdicts are compare-and-swap writes on the row's `version`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, Update, bindparam, case, null, select, update

from ..database import SQLITE_BUSY_TIMEOUT_MS, is_sqlite, write_transaction
from ..models import Connection, ConnectionStatus

LEASE_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class TokenRow:
    """What the refresh path reads of a connection: a plain snapshot, no session behind it."""

    id: str
    status: str
    version: int
    workspace_name: str | None
    access_token_ciphertext: str | None
    refresh_token_ciphertext: str | None
    scopes: str
    access_expires_at: datetime
    refresh_issued_at: datetime
    refresh_failures: int
    cooldown_until: datetime | None
    last_error: str | None

    def granted_scopes(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


TOKEN_ROW_COLUMNS = tuple(getattr(Connection, name) for name in TokenRow.__dataclass_fields__)


def token_row(values: Any) -> TokenRow:
    """A TokenRow from a result row (or an ORM Connection)."""
    return TokenRow(**{name: getattr(values, name) for name in TokenRow.__dataclass_fields__})


def read_row(engine: Engine, connection_id: str) -> TokenRow | None:
    """One short read, no lease (the common case: the stored token is still fresh)."""
    with engine.connect() as connection:
        found = connection.execute(
            select(*TOKEN_ROW_COLUMNS).where(Connection.id == connection_id)
        ).one_or_none()
    return None if found is None else token_row(found)


# The claim and the store run once per refresh each, so they are built once (building a
# statement costs about as much as running it); their values are bound when they run.
_CLAIM = (
    update(Connection)
    .where(Connection.id == bindparam("connection_id"))
    .where(
        Connection.refresh_locked_until.is_(None)
        | (Connection.refresh_locked_until < bindparam("now"))
    )
    .values(refresh_locked_until=bindparam("until"))
    .returning(*TOKEN_ROW_COLUMNS)
)


@lru_cache(maxsize=8)
def _store_statement(columns: tuple[str, ...]) -> Update:
    """Write these columns (bound as `new_<column>`) unless the user disconnected, bump the
    version and free the lease (bound as `lease`) if it is still ours."""
    return (
        update(Connection)
        .where(Connection.id == bindparam("connection_id"))
        .where(Connection.status != ConnectionStatus.REVOKED)
        .values(
            {
                **{name: bindparam(f"new_{name}") for name in columns},
                "version": Connection.version + 1,
                "refresh_locked_until": _freed(bindparam("lease")),
            }
        )
        .returning(Connection.version)
    )


class ConnectionLocks:
    """One lock per connection id, alive only while somebody holds or awaits it.

    Threads refreshing different connections never wait for each other (unlike a fixed
    set of lock stripes, where unrelated connections queue behind one slow call).
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, connection_id: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(connection_id, (threading.Lock(), 0))
            self._locks[connection_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[connection_id]
                if users == 1:
                    del self._locks[connection_id]
                else:
                    self._locks[connection_id] = (lock, users - 1)


@dataclass
class Claim:
    """A lease held on one row, and the row as read when it was taken."""

    row: TokenRow | None  # None: the connection no longer exists
    until: datetime
    settled: bool = False  # True once a write (or a release) gave the lease back


class RowLease:
    """The lease on one row: claim it, then write the outcome (which releases it)."""

    def __init__(self, engine: Engine, lease: timedelta) -> None:
        self.engine = engine
        self.lease = lease

    @contextmanager
    def hold(self, connection_id: str) -> Iterator[Claim]:
        """Hold the row's lease for a block; released at the end unless a write did it."""
        claim = self._claim(connection_id)
        try:
            yield claim
        finally:
            if not claim.settled and claim.row is not None:
                with write_transaction(self.engine) as connection:
                    self._release(connection, connection_id, claim.until)

    def _claim(self, connection_id: str) -> Claim:
        """Wait for and take the lease (one short write transaction per attempt)."""
        # System time on purpose: leases are about real seconds, even when a workshop has
        # moved the sandbox clock.
        deadline = time.monotonic() + 2 * self.lease.total_seconds()
        while True:
            now = datetime.now(UTC)
            until = now + self.lease
            with write_transaction(self.engine) as connection:
                claimed = connection.execute(
                    _CLAIM, {"connection_id": connection_id, "now": now, "until": until}
                ).one_or_none()
            if claimed is not None:
                return Claim(token_row(claimed), until)
            if read_row(self.engine, connection_id) is None:
                return Claim(None, until, settled=True)
            if time.monotonic() > deadline:
                raise TimeoutError(f"connection {connection_id} stayed locked by another worker")
            time.sleep(LEASE_POLL_SECONDS)

    def store(self, claim: Claim, values: Mapping[str, Any]) -> int | None:
        """Store new tokens unless the user disconnected meanwhile; answers the new version.

        Not guarded by the version: the refresh token we spent is gone, so these tokens
        are the only live ones, even over a failure another worker recorded meanwhile.
        """
        assert claim.row is not None
        statement = _store_statement(tuple(sorted(values)))
        parameters = {f"new_{name}": value for name, value in values.items()}
        with write_transaction(self.engine) as connection:
            version = connection.execute(
                statement, {**parameters, "connection_id": claim.row.id, "lease": claim.until}
            ).scalar_one_or_none()
            if version is None:
                self._release(connection, claim.row.id, claim.until)
        claim.settled = True
        return version

    def store_if_unchanged(self, claim: Claim, values: Mapping[str, Any]) -> TokenRow | None:
        """Store a verdict only if the row still holds the tokens the claim read; if a
        newer write happened, store nothing and answer the row as it is now."""
        row = claim.row
        assert row is not None
        with write_transaction(self.engine) as connection:
            written = connection.execute(
                update(Connection)
                .where(Connection.id == row.id, Connection.version == row.version)
                .values(**values, refresh_locked_until=_freed(claim.until))
            ).rowcount
            newer = None
            if not written:
                self._release(connection, row.id, claim.until)
                newer = connection.execute(
                    select(*TOKEN_ROW_COLUMNS).where(Connection.id == row.id)
                ).one()
        claim.settled = True
        return None if newer is None else token_row(newer)

    @staticmethod
    def _release(connection: Any, connection_id: str, until: datetime) -> None:
        connection.execute(
            update(Connection)
            .where(Connection.id == connection_id, Connection.refresh_locked_until == until)
            .values(refresh_locked_until=None)
        )


def _freed(until: Any) -> Any:
    """The lease column after a write: cleared if it is still our lease, else left alone."""
    return case(
        (Connection.refresh_locked_until == until, null()),
        else_=Connection.refresh_locked_until,
    )


def lease_for(engine: Engine, http_timeout: float) -> RowLease:
    """A lease that outlasts a refresh and its one retry (each: connect, then read, each up
    to the timeout), plus, on SQLite, a wait for the database's write lock."""
    waits = 4 * http_timeout + (SQLITE_BUSY_TIMEOUT_MS / 1000 if is_sqlite(engine) else 5)
    return RowLease(engine, timedelta(seconds=waits))
