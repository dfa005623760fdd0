"""Where the token endpoint's statements run: one connection, held open, one request at a time.

Token requests run one at a time under the sandbox's write lock (a refresh token works
once). Checking a pooled connection out and back in, with an ORM session around it, cost
more than all the statements of a refresh; so each sandbox keeps one driver connection for
its token endpoint and runs every token request on it, as a plain service would.
Elsewhere (the consent page asks for the client too) the request's ORM session lends its
connection, so the statements see that session's transaction.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..models import db
from ..state import current_state

_held: ContextVar[sqlite3.Connection | None] = ContextVar("sandbox_token_connection", default=None)


def connection() -> sqlite3.Connection:
    """The driver connection for this request's statements: the token endpoint's own, or
    the ORM session's."""
    held = _held.get()
    if held is not None:
        return held
    return db.session.connection().connection.dbapi_connection  # type: ignore[return-value]


@contextmanager
def token_request() -> Iterator[None]:
    """Run one token request on the token endpoint's connection, under the write lock, in
    one transaction that holds SQLite's write lock from its first read.

    Every check then reads the same snapshot the writes land in, and SQLite takes its locks
    once per request rather than once per read. What the request leaves uncommitted (a
    refused refresh stored nothing, or must not) is rolled back: the grants commit what they
    mean to keep.
    """
    state = current_state()
    with state.write_lock:
        if state.token_connection is None:
            # Taken out of the engine's pool for good (its WAL setup ran on connect).
            state.token_connection = db.engine.raw_connection()
            state.token_connection.detach()
        held: sqlite3.Connection = state.token_connection.dbapi_connection  # type: ignore[assignment]
        marker = _held.set(held)
        try:
            held.execute("BEGIN IMMEDIATE")
            yield
        finally:
            _held.reset(marker)
            if held.in_transaction:
                held.rollback()
