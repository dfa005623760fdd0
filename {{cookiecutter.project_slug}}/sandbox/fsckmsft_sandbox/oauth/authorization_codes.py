"""An authorization code as the code exchange reads and spends it.

The consent step stores codes through the ORM (`models.AuthorizationCode`); the token
endpoint reads one (statements.py) into a frozen record and spends it with a conditional
`UPDATE`, on the token endpoint's connection (connection.py).
"""

from dataclasses import dataclass

from sqlalchemy import bindparam, update

from ..credentials import digest
from ..models import AuthorizationCode, Token, db
from ..state import current_settings, sandbox_now
from .connection import connection
from .statements import Statement, record_by_digest, spend_once


@dataclass(frozen=True, slots=True)
class AuthorizationCodeRecord:
    """The stored row behind a presented code (Authlib's "authorization_code")."""

    id: int
    client_id: str
    user_id: str
    workspace_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float
    used_at: float | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        # "Short-lived" is all the documentation says: the `code_lifetime` switch.
        return sandbox_now() >= self.issued_at + current_settings().code_lifetime


_codes = db.metadata.tables[AuthorizationCode.__tablename__]
_tokens = db.metadata.tables[Token.__tablename__]
_BY_DIGEST = record_by_digest(_codes, AuthorizationCodeRecord, "code_digest")
_SPEND = spend_once(_codes, "used_at")
_REVOKE_TOKENS_FROM_CODE = Statement(
    update(_tokens)
    .where(_tokens.c.code_id == bindparam("granting_code"), _tokens.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
)


def authorization_code_record(code: str) -> AuthorizationCodeRecord | None:
    """The row stored for this code (looked up by its digest), if any."""
    row = _BY_DIGEST.run(connection(), {"digest": digest(code)}).fetchone()
    return None if row is None else AuthorizationCodeRecord(*row)


def spend_code(record: AuthorizationCodeRecord, now: float) -> bool:
    """Mark the code used; False when another exchange spent it first."""
    return _SPEND.run(connection(), {"row_id": record.id, "now": now}).rowcount == 1


def revoke_tokens_from_code(code_id: int) -> None:
    """Revoke every token the code produced (those refreshed from them too), and commit."""
    revoke = {"granting_code": code_id, "now": sandbox_now()}
    _REVOKE_TOKENS_FROM_CODE.run(connection(), revoke)
    connection().commit()
