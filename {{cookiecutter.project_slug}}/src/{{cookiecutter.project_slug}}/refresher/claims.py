"""How refreshers share the work: claim due rows with a lease, release what was not done.

A claim moves the row's `refresh_due_at` a lease ahead, so no other refresher picks it up
while this one works; a successful refresh then sets the next due time, and a refresher
that dies simply lets the lease run out. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets any
number of refreshers claim at once without waiting on each other's rows; on SQLite the
claim runs under the database's single write lock (one writer at a time).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from ..database import write_locked_session
from ..models import Connection, ConnectionStatus

Claims = dict[str, datetime]  # connection id → its due time before the claim


def due_rows_query(now: datetime, limit: int):
    """The due-row query: an index range scan on (status, refresh_due_at)."""
    return (
        select(Connection.id, Connection.refresh_due_at)
        .where(Connection.status == ConnectionStatus.ACTIVE, Connection.refresh_due_at <= now)
        .order_by(Connection.refresh_due_at)
        .limit(limit)
    )


def claim_due(
    engine: Engine, *, now: datetime, limit: int, lease: timedelta
) -> tuple[Claims, datetime]:
    """Claim up to `limit` due connections; answers them and the lease end."""
    lease_until = now + lease
    with write_locked_session(engine) as session:
        rows = session.execute(due_rows_query(now, limit).with_for_update(skip_locked=True)).all()
        claims = {row.id: row.refresh_due_at for row in rows}
        if claims:
            session.execute(
                update(Connection)
                .where(Connection.id.in_(list(claims)))
                .values(refresh_due_at=lease_until)
            )
    return claims, lease_until


def release(engine: Engine, claims: Claims, lease_until: datetime) -> int:
    """Give unprocessed claims back (due as before), unless something changed them since."""
    released = 0
    with write_locked_session(engine) as session:
        for connection_id, due_before in claims.items():
            result = session.execute(
                update(Connection)
                .where(Connection.id == connection_id, Connection.refresh_due_at == lease_until)
                .values(refresh_due_at=due_before)
            )
            released += result.rowcount
    return released
