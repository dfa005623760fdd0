"""`flask tokens ...`: keys, rotation, status, manual refresh."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..fsckmsft.errors import FsckmsftError
from ..models import Connection, ConnectionStatus, RefresherSweep
from ..services import services
from .rotation import rotate_all_tokens

tokens_cli = AppGroup("tokens", help="Stored tokens: keys, status, refresh.")


@tokens_cli.command("new-key", with_appcontext=False)  # runs before any key is configured
def new_key() -> None:
    """Print a fresh key-ring entry for TOKEN_ENCRYPTION_KEYS."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    click.echo(f"k{secrets.token_hex(4)}:{key}")


@tokens_cli.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEYS.

    Safe to interrupt and run again: each row is re-encrypted in its own transaction, and
    rows already under the first key are skipped. A row that does not decrypt is reported
    (and needs re-authorization); the others are rotated all the same; exit status 1.
    """
    result = rotate_all_tokens(services())
    click.echo(f"re-encrypted {result.rotated} connection(s); {result.current} already current")
    if result.undecryptable:
        click.echo(
            f"{len(result.undecryptable)} connection(s) could not be decrypted and now need "
            "re-authorization (is a key missing from TOKEN_ENCRYPTION_KEYS?):",
            err=True,
        )
        for connection_id in result.undecryptable:
            click.echo(f"  {connection_id}", err=True)
        raise SystemExit(1)


@tokens_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts and monitors.")
def status(as_json: bool) -> None:
    """Connections per status, the next due refresh, and the last sweep."""
    with Session(bind=services().token_service.engine) as session:
        counts = dict(
            session.execute(
                select(Connection.status, func.count()).group_by(Connection.status)
            ).all()
        )
        next_due = session.scalar(
            select(func.min(Connection.refresh_due_at)).where(
                Connection.status == ConnectionStatus.ACTIVE
            )
        )
        last = session.scalars(
            select(RefresherSweep).order_by(RefresherSweep.started_at.desc()).limit(1)
        ).first()
    statuses = (
        ConnectionStatus.ACTIVE,
        ConnectionStatus.NEEDS_REAUTH,
        ConnectionStatus.REVOKED,
        ConnectionStatus.ABANDONED,
    )
    if as_json:
        click.echo(json.dumps(status_document(counts, next_due, last, statuses)))
        return
    for name in statuses:
        click.echo(f"{name:<13} {counts.get(name, 0)}")
    click.echo(f"next due      {next_due.isoformat() if next_due else '-'}")
    if last is None:
        click.echo("last sweep    none yet")
    else:
        click.echo(
            f"last sweep    {last.started_at.isoformat()} claimed={last.claimed} "
            f"refreshed={last.refreshed} needs_reauth={last.needs_reauth} failed={last.failed} "
            f"{last.failures_by_reason}".rstrip()
        )


def status_document(
    counts: dict[str, int],
    next_due: datetime | None,
    last: RefresherSweep | None,
    statuses: tuple[str, ...],
) -> dict[str, Any]:
    """`tokens status --json`: counts by status, next due time, the last sweep (or null)."""
    sweep = None
    if last is not None:
        reasons = dict(pair.split("=", 1) for pair in last.failures_by_reason.split())
        sweep = {
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat(),
            "claimed": last.claimed,
            "refreshed": last.refreshed,
            "needs_reauth": last.needs_reauth,
            "failed": last.failed,
            "released": last.released,
            "failures_by_reason": {reason: int(n) for reason, n in reasons.items()},
        }
    return {
        "connections": {name: counts.get(name, 0) for name in statuses},
        "next_due": next_due.isoformat() if next_due else None,
        "last_sweep": sweep,
    }


@tokens_cli.command("refresh")
@click.option("--all", "refresh_all", is_flag=True, required=True, help="Every active connection.")
def refresh(refresh_all: bool) -> None:
    """Refresh every active connection now, through the one refresh path."""
    token_service = services().token_service
    with Session(bind=token_service.engine) as session:
        ids = session.scalars(
            select(Connection.id).where(Connection.status == ConnectionStatus.ACTIVE)
        ).all()
    failures = 0
    with click.progressbar(ids, label="Refreshing", show_pos=True) as bar:
        for connection_id in bar:
            try:
                token_service.refresh(
                    connection_id, reason="manual", fall_back_to_valid_token=False
                )
            except FsckmsftError:
                failures += 1
    click.echo(f"refreshed {len(ids) - failures} of {len(ids)}; {failures} failed")
    if failures:
        raise SystemExit(1)
