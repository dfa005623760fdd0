"""A refresh token as the refresh grant reads and spends it.

Every refresh reads one token row and spends it; an ORM load (identity map, instrumented
attributes) cost more than the rest of the grant's database work, so the row is read
(statements.py) into a frozen record that carries the same checks as the stored `Token`.
"""

from dataclasses import dataclass

from authlib.oauth2.rfc6749 import ClientMixin

from ..credentials import digest
from ..models import RefreshTokenLife, Token, db
from .connection import connection
from .statements import record_by_digest, spend_once


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord(RefreshTokenLife):
    """The stored row behind a presented refresh token (Authlib's "token" in its refresh
    grant)."""

    id: int
    client_id: str
    user_id: str
    workspace_id: str
    code_id: int
    scope: str
    issued_at: float
    refresh_used_at: float | None
    refresh_revoked_at: float | None
    revoked_at: float | None

    def check_client(self, client: ClientMixin) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope


_tokens = db.metadata.tables[Token.__tablename__]
_BY_REFRESH_DIGEST = record_by_digest(_tokens, RefreshTokenRecord, "refresh_digest")
_SPEND = spend_once(_tokens, "refresh_used_at")


def refresh_token_record(refresh_token: str) -> RefreshTokenRecord | None:
    """The row stored for this refresh token (looked up by its digest), if any."""
    row = _BY_REFRESH_DIGEST.run(connection(), {"digest": digest(refresh_token)}).fetchone()
    return None if row is None else RefreshTokenRecord(*row)


def spend(record: RefreshTokenRecord, now: float) -> bool:
    """Mark the refresh token used; False when another request spent it first."""
    return _SPEND.run(connection(), {"row_id": record.id, "now": now}).rowcount == 1
