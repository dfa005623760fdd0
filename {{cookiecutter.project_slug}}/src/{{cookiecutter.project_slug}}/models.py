"""Database models.

A Connection is one authorization of one fsckmsft workspace: the tokens fsckmsft issued
when a user approved the app for that workspace. Tokens are stored only as ciphertext.

The platform documents no way to ask who approved, or for which workspace: a connection
belongs to the browser that made it (its id is kept in that browser's session). Only where
an identity source is configured (FSCKMSFT_IDENTITY_URL) are the user and workspace known,
and connections merged per user and workspace. See services/connections.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import Model


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite keeps no time zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store timezone-aware datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


DEFAULT_RETENTION = timedelta(days=30)  # CONNECTION_RETENTION_DAYS' default


class ConnectionStatus:
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"  # the platform no longer accepts our tokens: ask the user
    REVOKED = "revoked"  # the user disconnected in this app; tokens deleted
    # No browser presented it for the retention period: tokens deleted, no longer kept alive.
    ABANDONED = "abandoned"


def new_connection_id() -> str:
    return uuid.uuid4().hex


class Connection(Model):
    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("fsckmsft_user_id", "workspace_id", name="uq_connections_user_workspace"),
        # The refresher asks "which active connections are due?": an index range scan,
        # whose cost follows the due rows, not the size of the table.
        Index("ix_connections_status_refresh_due_at", "status", "refresh_due_at"),
    )

    # A random id (known before the row is inserted) that the token ciphertexts are bound to.
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_connection_id)
    # Known only from an identity source; NULL where the platform told us nothing (the
    # documented case). NULLs never collide in the unique constraint.
    fsckmsft_user_id: Mapped[str | None] = mapped_column(String(64))
    fsckmsft_username: Mapped[str | None] = mapped_column(String(200))
    workspace_id: Mapped[str | None] = mapped_column(String(64))
    workspace_name: Mapped[str | None] = mapped_column(String(200))
    # Ciphertext envelopes (see tokens/cipher.py); NULL once the user disconnects.
    access_token_ciphertext: Mapped[str | None] = mapped_column(Text)
    refresh_token_ciphertext: Mapped[str | None] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(String(500), default="")
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the current refresh token was issued: it dies after 90 days without use.
    refresh_issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the refresher should next look at this row (expiry, keep-alive or cool-down).
    refresh_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # SQLite only: while set and in the future, one worker holds the right to refresh.
    refresh_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # After a 429, 5xx or timeout: no token call for this connection before then, from a
    # page view or the refresher (the platform asked us to wait, or is struggling).
    cooldown_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=ConnectionStatus.ACTIVE)
    # Until when a browser session may still present this connection: pushed forward each
    # time one does. Past it nobody can reach the connection any more, so the refresher
    # retires it instead of keeping its refresh token alive (see refresher/claims.py).
    # Rows made outside a login (benchmarks, test helpers) get the default retention.
    reachable_until: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=lambda: datetime.now(UTC) + DEFAULT_RETENTION
    )
    # Bumped on every token write: a compare-and-swap guard where row locks are unavailable.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped when the user disconnects or authorizes again: a browser session holds the
    # epoch it was granted, so every session granted before that opens nothing afterwards.
    session_epoch: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: datetime.now(UTC))
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=lambda: datetime.now(UTC), onupdate=lambda: datetime.now(UTC)
    )

    def granted_scopes(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def label(self) -> str:
        """How pages name it: the workspace's name where an identity source told us."""
        if self.workspace_name:
            return self.workspace_name
        return f"fsckmsft workspace connected {self.created_at:%Y-%m-%d %H:%M} UTC"

    def __repr__(self) -> str:
        # Deliberately no token fields: a repr ends up in logs and tracebacks.
        return (
            f"<Connection {self.id} workspace={self.workspace_id} status={self.status} "
            f"key={'set' if self.access_token_ciphertext else 'none'}>"
        )


class LoginState(Model):
    """One login in progress: the `state` sent to fsckmsft, kept server-side.

    Server-side so that a state is truly single-use: a signed cookie could be replayed
    with its old contents, a database row marked used cannot.
    """

    __tablename__ = "login_states"

    # sha256 of the state: the raw value only ever lives in the browser's URL.
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Random id kept in the session cookie: the state only works in the browser that asked.
    browser_id: Mapped[str] = mapped_column(String(64))
    code_verifier_ciphertext: Mapped[str | None] = mapped_column(Text)
    next_path: Mapped[str] = mapped_column(String(500), default="/dashboard")
    # The connection of this browser that the login renews; NULL adds a new connection.
    renews_connection_id: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<LoginState {self.state_hash[:8]}… used={self.used_at is not None}>"


class UserSession(Model):
    """One signed-in browser, kept server-side so that it can end.

    The signed cookie holds a random session id; this row says whether it still opens
    anything. Logout deletes the row; the absolute lifetime and the idle timeout end it
    (see services/user_sessions.py). A copy of the cookie then opens nothing.
    """

    __tablename__ = "user_sessions"

    # sha256 of the session id: the id itself lives only in the browser's signed cookie.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Known only where an identity source is configured (the platform documents none).
    fsckmsft_user_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The absolute end, however active the browser is.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<UserSession {self.id_hash[:8]}… user={self.fsckmsft_user_id}>"


class RefresherSweep(Model):
    """What one refresher sweep did: `flask tokens status` shows the latest."""

    __tablename__ = "refresher_sweeps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    refreshed: Mapped[int] = mapped_column(Integer, default=0)
    needs_reauth: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    released: Mapped[int] = mapped_column(Integer, default=0)
    # e.g. "server_error=2 rate_limited=1": failures by reason.
    failures_by_reason: Mapped[str] = mapped_column(String(500), default="")
