"""What the views need from storage: a user's connections, saving one, ending one.

Views never open a database session themselves; they call these functions, which keep
every write in one short transaction under the same row lock the refresh path uses.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from ..database import write_locked_session
from ..extensions import db
from ..fsckmsft.token_response import TokenSet
from ..models import Connection, ConnectionStatus, new_connection_id
from . import services
from .login_states import LoginStateStore


def login_states() -> LoginStateStore:
    """The pending logins (state, PKCE verifier), in this request's database session."""
    return LoginStateStore(db.session, services().cipher)


def connections_in_order(ids: list[str]) -> list[Connection]:
    """The connections with these ids that are not revoked, in the order of `ids`."""
    if not ids:
        return []
    rows = db.session.scalars(select(Connection).where(Connection.id.in_(ids))).all()
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


def save_connection(identity: dict, tokens: TokenSet) -> str:
    """Create or update the user's connection to this workspace, tokens encrypted."""
    try:
        return _upsert_connection(identity, tokens)
    except IntegrityError:
        # Two first logins to one workspace at once (two tabs): the other insert won the
        # unique constraint; this time the row exists and is locked and updated.
        return _upsert_connection(identity, tokens)


def _upsert_connection(identity: dict, tokens: TokenSet) -> str:
    user, workspace = identity["user"], identity["workspace"]
    with write_locked_session(db.engine) as dbs:
        existing = dbs.scalars(
            select(Connection)
            .where(
                Connection.fsckmsft_user_id == user["id"],
                Connection.workspace_id == workspace["id"],
            )
            .with_for_update()
        ).one_or_none()
        connection = existing or Connection(
            id=new_connection_id(),  # known now: the ciphertexts are bound to it
            fsckmsft_user_id=user["id"],
            workspace_id=workspace["id"],
            version=0,
        )
        connection.fsckmsft_username = user["username"][:200]
        connection.workspace_name = workspace["name"][:200]
        services().token_service.store_tokens(dbs, connection, tokens)
        return connection.id


def disconnect(connection_id: str) -> None:
    """Forget a connection's tokens for good; the row stays as a record that it ended."""
    with write_locked_session(db.engine) as dbs:
        connection = dbs.get(Connection, connection_id)
        if connection is not None:
            connection.access_token_ciphertext = None
            connection.refresh_token_ciphertext = None
            connection.status = ConnectionStatus.REVOKED
            connection.version += 1


def database_answers() -> bool:
    """True when the database answers a trivial query (for /healthz)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        return False
    return True
