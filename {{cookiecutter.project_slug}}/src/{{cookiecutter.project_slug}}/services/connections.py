"""What the views need from storage: a user's connections, saving one, ending one.

Retention: a connection stays reachable while a browser keeps presenting it (its id is
in that browser's session) and for CONNECTION_RETENTION_DAYS after the last time one did.
Past `reachable_until` nobody can reach it any more, so the refresher stops keeping its
refresh token alive and deletes its tokens instead (refresher/claims.py); the platform
then lets the unused grant expire after its 90 days. Keep the retention longer than the
session cookie's lifetime (14 days), or live sessions would lose their connections. A
logout ends the browser's connections at once (`end_unreachable`): without an identity,
no later login could ever find them again.

Views never open a database session themselves; they call these functions, which keep
every write in one short transaction under the same row lock the refresh path uses.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import write_locked_session
from ..extensions import db
from ..fsckmsft.identity import Identity
from ..fsckmsft.token_response import TokenSet
from ..models import Connection, ConnectionStatus, new_connection_id
from . import services
from .login_states import LoginStateStore
from .user_sessions import SessionPolicy, UserSessionStore

REACHABLE_SLACK = timedelta(days=1)
# Pages load a browser's connections on every request: the statement is built once
# (building one costs about as much as running it).
_CONNECTIONS_BY_ID = select(Connection).where(Connection.id.in_(bindparam("ids", expanding=True)))


def login_states() -> LoginStateStore:
    """The pending logins (state, PKCE verifier), in this request's database session.

    (`db.session` is a proxy; calling it answers the session it stands for.)"""
    return LoginStateStore(db.session(), services().cipher)


def user_sessions() -> UserSessionStore:
    """Signed-in browsers' server-side sessions, in this request's database session."""
    config = current_app.config
    policy = SessionPolicy(
        lifetime=timedelta(seconds=config["SESSION_LIFETIME_SECONDS"]),
        idle_timeout=timedelta(seconds=config["SESSION_IDLE_TIMEOUT_SECONDS"]),
    )
    return UserSessionStore(db.session(), policy)


def session_epochs(ids: list[str]) -> dict[str, int]:
    """Each usable connection's current session epoch (see Connection.session_epoch)."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Connection.id, Connection.session_epoch).where(
            Connection.id.in_(ids), Connection.status != ConnectionStatus.REVOKED
        )
    )
    return {connection_id: epoch for connection_id, epoch in rows}


def connections_in_order(ids: list[str]) -> list[Connection]:
    """The connections with these ids that are not revoked, in the order of `ids`."""
    if not ids:
        return []
    rows = db.session.scalars(_CONNECTIONS_BY_ID, {"ids": ids}).all()
    _end_read()
    return sorted(
        (row for row in rows if row.status != ConnectionStatus.REVOKED),
        key=lambda row: ids.index(row.id),
    )


def usable_connection(connection_id: str) -> Connection | None:
    """One connection by id, unless it is unknown or revoked."""
    connection = db.session.get(Connection, connection_id)
    _end_read()
    if connection is None or connection.status == ConnectionStatus.REVOKED:
        return None
    return connection


def _end_read() -> None:
    """End the request's read transaction and return its pooled connection.

    A view that loaded a connection goes on to call fsckmsft (and maybe refresh): holding
    a transaction open meanwhile would pin a pooled database connection for as long as
    fsckmsft takes. The rows read stay usable (detached, every column loaded).
    """
    db.session.close()


def save_connection(tokens: TokenSet, *, identity: Identity | None, renews: str | None) -> str:
    """Store a login's tokens on the connection it belongs to; answers that connection's id.

    How a login finds its connection (the platform says nothing about who approved):
    - with an identity: the user's connection to that workspace, from any browser
      (adopting `renews` if that one was made without an identity), else a new one;
    - without: `renews`, the connection of this browser the login set out to renew
      (auth/views.py decides which), else a new one.
    """
    try:
        return _upsert_connection(tokens, identity, renews)
    except IntegrityError:
        # Two first logins to one workspace at once (two tabs): the other insert won the
        # unique constraint; this time the row exists and is locked and updated.
        return _upsert_connection(tokens, identity, renews)


def _upsert_connection(tokens: TokenSet, identity: Identity | None, renews: str | None) -> str:
    with write_locked_session(db.engine) as dbs:
        connection = _identified(dbs, identity) if identity else None
        if connection is None and renews:
            connection = dbs.scalars(
                select(Connection).where(Connection.id == renews).with_for_update()
            ).one_or_none()
            if connection is not None and identity and connection.fsckmsft_user_id:
                connection = None  # another user's or workspace's: never overwritten
        if connection is None:
            # The id is known now: the ciphertexts are bound to it.
            connection = Connection(id=new_connection_id(), version=0, session_epoch=1)
        else:
            # A new authorization: sessions granted this connection before (another
            # browser, a cookie copied before a disconnect) no longer open it.
            connection.session_epoch += 1
        if identity:
            connection.fsckmsft_user_id = identity.user_id
            connection.fsckmsft_username = identity.username
            connection.workspace_id = identity.workspace_id
            connection.workspace_name = identity.workspace_name
        services().token_service.store_tokens(dbs, connection, tokens)
        connection.reachable_until = services().clock.now() + services().retention
        return connection.id


def _identified(dbs: Session, identity: Identity) -> Connection | None:
    return dbs.scalars(
        select(Connection)
        .where(
            Connection.fsckmsft_user_id == identity.user_id,
            Connection.workspace_id == identity.workspace_id,
        )
        .with_for_update()
    ).one_or_none()


def mark_reachable(connections: list[Connection]) -> None:
    """A browser presented these connections: they stay reachable a full retention period.

    Written at most once a day per connection, so page views rarely write.
    """
    now = services().clock.now()
    until = now + services().retention
    stale = [row.id for row in connections if row.reachable_until < until - REACHABLE_SLACK]
    if not stale:
        return
    with write_locked_session(db.engine) as dbs:
        dbs.execute(
            update(Connection)
            .where(Connection.id.in_(stale), Connection.reachable_until < until)
            .values(reachable_until=until)
        )


def disconnect(connection_id: str) -> None:
    """Forget a connection's tokens for good; the row stays as a record that it ended."""
    with write_locked_session(db.engine) as dbs:
        connection = dbs.get(Connection, connection_id)
        if connection is not None:
            connection.access_token_ciphertext = None
            connection.refresh_token_ciphertext = None
            connection.status = ConnectionStatus.REVOKED
            connection.version += 1
            connection.session_epoch += 1  # every session granted it loses it for good


def end_unreachable(connection_ids: list[str]) -> None:
    """After a logout nobody can reach this browser's connections made without an identity
    (no later login can find them): forget their tokens now, not after the retention period.
    Connections an identity source named stay: the user's next login renews them."""
    if not connection_ids:
        return
    with write_locked_session(db.engine) as dbs:
        rows = dbs.scalars(
            select(Connection)
            .where(
                Connection.id.in_(connection_ids),
                Connection.fsckmsft_user_id.is_(None),
                Connection.status != ConnectionStatus.REVOKED,
            )
            .with_for_update()
        )
        for connection in rows:
            connection.access_token_ciphertext = None
            connection.refresh_token_ciphertext = None
            connection.status = ConnectionStatus.ABANDONED
            connection.version += 1
