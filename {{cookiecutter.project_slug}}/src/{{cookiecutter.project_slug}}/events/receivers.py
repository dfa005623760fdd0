"""Receivers of the connection signals (see events/signals.py): the place to tell people.

The one shipped here logs, and marks where to email the workspace owner. Connect your
own receivers the same way (Slack, a ticket, a metric).
"""

from __future__ import annotations

import logging
from typing import Any

from .signals import connection_needs_reauth, connection_recovered, refresh_failed

log = logging.getLogger(__name__)


def tell_owner_access_ended(
    sender: Any, *, connection_id: str, workspace_name: str, reason: str
) -> None:
    log.warning(
        "workspace %r lost access (connection %s, %s): the owner must reconnect",
        workspace_name,
        connection_id,
        reason,
    )
    # Placeholder: email the workspace owner a link to /login here.


def note_recovery(sender: Any, *, connection_id: str) -> None:
    log.info("connection %s refreshes again", connection_id)


def note_refresh_failure(sender: Any, *, connection_id: str, reason: str) -> None:
    log.info(
        "connection %s: refresh failed (%s); it cools down and is retried", connection_id, reason
    )


def connect_receivers() -> None:
    # weak=False: module-level functions, kept for the life of the process.
    connection_needs_reauth.connect(tell_owner_access_ended, weak=False)
    connection_recovered.connect(note_recovery, weak=False)
    refresh_failed.connect(note_refresh_failure, weak=False)
