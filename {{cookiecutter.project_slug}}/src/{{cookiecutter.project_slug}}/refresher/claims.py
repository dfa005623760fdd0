"""How refreshers share the work: claim due rows with a lease, release what was not done.

A claim moves the row's `refresh_due_at` a lease ahead, so no other refresher picks it up
while this one works; a successful refresh then sets the next due time, and a refresher
that dies simply lets the lease run out. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets any
number of refreshers claim at once without waiting on each other's rows; on SQLite the
claim runs under the database's single write lock (one writer at a time). Either way the
claim is one short transaction: nothing is held while the claimed rows are refreshed.

A due connection that no browser can reach any more (`reachable_until` passed) is not
refreshed: the claim retires it in the same transaction (tokens deleted, status
`abandoned`), so it leaves the due index and its refresh token is no longer kept alive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, Select, select, update
from sqlalchemy.engine import Connection as DatabaseConnection

from ..database import write_transaction
from ..models import Connection, ConnectionStatus


@dataclass
class Batch:
    """Rows one claim took: connection id → its due time before the claim."""

    claims: dict[str, datetime]
    lease_until: datetime
    unprocessed: list[str] = field(default_factory=list)  # to give back (stop or pause)
    found: int = 0  # due rows the claim saw (claimed, or retired as abandoned)


def due_rows_query(now: datetime, limit: int) -> Select:
    """The due-row query: an index range scan on (status, refresh_due_at)."""
    return (
        select(Connection.id, Connection.refresh_due_at, Connection.reachable_until)
        .where(Connection.status == ConnectionStatus.ACTIVE, Connection.refresh_due_at <= now)
        .order_by(Connection.refresh_due_at)
        .limit(limit)
    )


def claim_due(engine: Engine, *, now: datetime, limit: int, lease: timedelta) -> Batch:
    """Claim up to `limit` due connections until `now + lease`."""
    lease_until = now + lease
    with write_transaction(engine) as connection:
        rows = connection.execute(
            due_rows_query(now, limit).with_for_update(skip_locked=True)
        ).all()
        retire_abandoned(connection, [row.id for row in rows if row.reachable_until <= now])
        claims = {row.id: row.refresh_due_at for row in rows if row.reachable_until > now}
        if claims:
            connection.execute(
                update(Connection)
                .where(Connection.id.in_(list(claims)))
                .values(refresh_due_at=lease_until)
            )
    return Batch(claims, lease_until, found=len(rows))


def retire_abandoned(connection: DatabaseConnection, connection_ids: list[str]) -> None:
    """End connections nobody can reach: no refresh, no keep-alive, tokens deleted."""
    if connection_ids:
        connection.execute(
            update(Connection)
            .where(Connection.id.in_(connection_ids))
            .values(
                status=ConnectionStatus.ABANDONED,
                access_token_ciphertext=None,
                refresh_token_ciphertext=None,
                version=Connection.version + 1,
            )
        )


def release(engine: Engine, batch: Batch) -> int:
    """Give unprocessed claims back (due as before), unless something changed them since."""
    if not batch.unprocessed:
        return 0
    released = 0
    with write_transaction(engine) as connection:
        for connection_id in batch.unprocessed:
            result = connection.execute(
                update(Connection)
                .where(
                    Connection.id == connection_id,
                    Connection.refresh_due_at == batch.lease_until,
                )
                .values(refresh_due_at=batch.claims[connection_id])
            )
            released += result.rowcount
    return released
