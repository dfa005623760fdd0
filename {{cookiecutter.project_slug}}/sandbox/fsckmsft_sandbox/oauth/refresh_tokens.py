"""A refresh token as the refresh grant reads and spends it.

Every refresh reads one token row and spends it; an ORM load (identity map, instrumented
attributes) cost more than the rest of the grant's database work, so the row is read
(statements.py) into a frozen record that carries the same checks as the stored `Token`.
"""

from dataclasses import dataclass, fields

from authlib.oauth2.rfc6749 import ClientMixin
from sqlalchemy import bindparam, select, update

from ..credentials import digest
from ..models import RefreshTokenLife, Token, db
from .connection import connection
from .statements import Statement


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
_BY_REFRESH_DIGEST = Statement(
    # The record's fields, in order.
    select(*(_tokens.c[field.name] for field in fields(RefreshTokenRecord))).where(
        _tokens.c.refresh_digest == bindparam("digest")
    )
)
# Conditional: of two requests that both passed the checks, only one spends the token.
_SPEND = Statement(
    update(_tokens)
    .where(_tokens.c.id == bindparam("token_id"), _tokens.c.refresh_used_at.is_(None))
    .values(refresh_used_at=bindparam("now"))
)


def refresh_token_record(refresh_token: str) -> RefreshTokenRecord | None:
    """The row stored for this refresh token (looked up by its digest), if any."""
    row = _BY_REFRESH_DIGEST.run(connection(), {"digest": digest(refresh_token)}).fetchone()
    return None if row is None else RefreshTokenRecord(*row)


def spend(record: RefreshTokenRecord, now: float) -> bool:
    """Mark the refresh token used; False when another request spent it first."""
    return _SPEND.run(connection(), {"token_id": record.id, "now": now}).rowcount == 1
