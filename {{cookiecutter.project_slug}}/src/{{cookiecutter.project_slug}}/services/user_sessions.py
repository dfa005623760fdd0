"""Server-side sessions: a signed-in browser's session ends when the server says so.

A signed cookie alone cannot be taken back: a copy made before logout would work until
it expired. So the cookie carries a random session id, and a row here says whether that
id still opens anything. The rules, and the attack each stops:
- logout deletes the row: a cookie copied before logout (a shared computer, malware, a
  backup) opens nothing afterwards;
- an absolute lifetime: a stolen cookie is useful for a bounded time, however busy;
- an idle timeout: a browser left signed in and unattended signs itself out;
- the row holds only a hash of the id: reading the table gives no usable cookie.

Times are the system's, never the sandbox clock: fast-forwarding the platform's time in a
workshop must not sign the workshop out.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from ..models import Connection, ConnectionStatus, UserSession

SESSION_ID_BYTES = 32

_sessions, _connections = UserSession.__table__, Connection.__table__
# The session row and the epochs of the connections its cookie was granted, one row per
# live connection (or one row of NULLs for them). Built once: constructing a statement costs
# more than running it, and it runs before every request. Core tables, not mapped classes:
# plain rows, no ORM step.
_SESSION_AND_GRANTS = (
    select(
        _sessions.c.expires_at,
        _sessions.c.last_seen_at,
        _connections.c.id,
        _connections.c.session_epoch,
    )
    .select_from(_sessions)
    .outerjoin(
        _connections,
        and_(
            _connections.c.id.in_(bindparam("connection_ids", expanding=True)),
            _connections.c.status != ConnectionStatus.REVOKED,
        ),
    )
    .where(_sessions.c.id_hash == bindparam("id_hash"))
)


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta  # from sign-in, however active
    idle_timeout: timedelta  # since the last request
    # How stale last_seen_at may get before a request rewrites it: one write a minute per
    # busy browser instead of one per request, at the cost of that much idle-time slack.
    touch_after: timedelta = timedelta(seconds=60)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class UserSessionStore:
    def __init__(
        self, session: Session, policy: SessionPolicy, now: Callable[[], datetime] = system_now
    ) -> None:
        self.session = session
        self.policy = policy
        self.now = now

    def start(self, *, user_id: str | None) -> str:
        """A new session (for this user, where known); returns the id for the signed cookie."""
        now = self.now()
        self._fresh_transaction()
        self._purge_expired(now)
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        self.session.add(
            UserSession(
                id_hash=_hash(session_id),
                fsckmsft_user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + self.policy.lifetime,
            )
        )
        self.session.commit()
        return session_id

    def check(self, session_id: str, connection_ids: list[str]) -> dict[str, int] | None:
        """What this request may use, in one query: None once the session ended (it is then
        deleted); else the current session epoch of each of `connection_ids` that is not
        revoked (see Connection.session_epoch).

        Runs before every request, so it is one statement built once (see _SESSION_AND_GRANTS).
        """
        now = self.now()
        id_hash = _hash(session_id)
        rows = self.session.execute(
            _SESSION_AND_GRANTS, {"id_hash": id_hash, "connection_ids": connection_ids}
        ).all()
        if not rows or not self._still_open(id_hash, rows[0].expires_at, rows[0].last_seen_at, now):
            return None
        return {row.id: row.session_epoch for row in rows if row.id is not None}

    def _still_open(
        self, id_hash: str, expires_at: datetime, last_seen_at: datetime, now: datetime
    ) -> bool:
        """False (and the row deleted) past the lifetime or the idle timeout; else True, with
        last_seen_at moved on when it is stale."""
        ended = expires_at <= now or last_seen_at + self.policy.idle_timeout <= now
        if ended:
            self._fresh_transaction()
            self.session.execute(delete(UserSession).where(UserSession.id_hash == id_hash))
            self.session.commit()
            return False
        if now - last_seen_at >= self.policy.touch_after:
            self._fresh_transaction()
            self.session.execute(
                update(UserSession)
                .where(UserSession.id_hash == id_hash)
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
            self.session.commit()
        return True

    def end(self, session_id: str) -> None:
        """Logout: this session id opens nothing from now on."""
        self._fresh_transaction()
        self.session.execute(delete(UserSession).where(UserSession.id_hash == _hash(session_id)))
        self.session.commit()

    def _fresh_transaction(self) -> None:
        # Writes start a transaction of their own: on SQLite, a read snapshot taken before
        # another connection committed cannot become a write ("database is locked").
        self.session.commit()

    def _purge_expired(self, now: datetime) -> None:
        self.session.execute(
            delete(UserSession).where(
                or_(
                    UserSession.expires_at <= now,
                    UserSession.last_seen_at <= now - self.policy.idle_timeout,
                )
            )
        )
