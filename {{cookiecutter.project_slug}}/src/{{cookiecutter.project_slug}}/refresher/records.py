"""The sweep records: how the refreshers are doing, read by operators and probes.

Each sweep writes one row (worker.py). `last_completed_sweep` answers when any refresher
last finished one (`flask refresher health`); `prune_sweeps` keeps the table to the
retention period, so it does not grow by a row a minute per refresher for ever.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, func, select

from ..database import write_transaction
from ..models import RefresherSweep


def last_completed_sweep(engine: Engine) -> datetime | None:
    """When the most recent sweep of any refresher finished (None: never)."""
    with engine.connect() as connection:
        return connection.scalar(select(func.max(RefresherSweep.finished_at)))


def prune_sweeps(engine: Engine, *, started_before: datetime) -> int:
    """Delete the records of sweeps that started before the cut-off; answers how many.

    A range delete on the index over started_at: its cost follows the rows it removes.
    """
    with write_transaction(engine) as connection:
        result = connection.execute(
            delete(RefresherSweep).where(RefresherSweep.started_at < started_before)
        )
        return result.rowcount
