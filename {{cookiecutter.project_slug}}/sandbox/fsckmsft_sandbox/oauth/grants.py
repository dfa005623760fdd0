"""Authlib's grants, narrowed to what the platform documents.

Overrides, each where the platform differs from Authlib's defaults: client authentication
in the form body (client_secret_post; HTTP Basic too when the `client_auth` switch allows
it), `state` required, PKCE S256 only (or ignored, per the `pkce` switch), refresh issuing a
new refresh token while spending the old one, a reused refresh token revoking its grant (the
`refresh_reuse` switch), and the token response shaped by `token_type` and `refresh_scope`.
"""

from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import bindparam, select

from ..config import CLIENT_AUTH_METHOD
from ..credentials import digest
from ..models import AuthorizationCode, User, db
from ..state import accepted_client_auth_methods, current_settings, sandbox_now
from .authorization_codes import (
    AuthorizationCodeRecord,
    authorization_code_record,
    revoke_tokens_from_code,
    spend_code,
)
from .clients import RegisteredClient
from .connection import connection
from .refresh_tokens import RefreshTokenRecord, refresh_token_record, spend
from .statements import Statement

# Every token request runs it.
_users = db.metadata.tables[User.__tablename__]
_USER_EXISTS = Statement(select(_users.c.id).where(_users.c.id == bindparam("user_id")))


@dataclass(frozen=True)
class Grantee:
    """Who approved, and for which of their workspaces."""

    user_id: str
    workspace_id: str


def grantee_if_user_exists(user_id: str, workspace_id: str) -> Grantee | None:
    if _USER_EXISTS.run(connection(), {"user_id": user_id}).fetchone() is None:
        return None
    return Grantee(user_id, workspace_id)


class SandboxClientAuth:
    """Client authentication: `client_id` + `client_secret` in the form body (documented),
    or HTTP Basic as well when the `client_auth` switch says `body_or_basic`."""

    TOKEN_ENDPOINT_AUTH_METHODS = [CLIENT_AUTH_METHOD]  # noqa: RUF012 (Authlib's API)
    # Set by Authlib's grant classes, which this one is mixed into (Authlib has no types).
    request: Any
    server: Any

    def authenticate_token_endpoint_client(self) -> RegisteredClient:
        methods = accepted_client_auth_methods()
        has_header = "Authorization" in self.request.headers
        if has_header and len(methods) == 1:
            raise InvalidClientError(
                status_code=401,
                description="Send client_id and client_secret in the form body only.",
            )
        # One authentication method per request (RFC 6749 §2.3): with credentials in both
        # places, the client could be authenticated by the wrong ones, so refuse it.
        if has_header and self.request.form.get("client_secret"):
            raise InvalidRequestError("Authenticate with HTTP Basic or the form body, not both.")
        client = self.server.authenticate_client(self.request, list(methods))
        self.server.send_signal("after_authenticate_client", client=client, grant=self)
        return client


def shaped_token_response(token: dict[str, Any], refresh: bool) -> dict[str, Any]:
    """The answer as the switches shape it; what was stored is not changed."""
    settings = current_settings()
    answer = {**token, "token_type": settings.token_type}
    if refresh and settings.refresh_scope == "omit":
        # RFC 6749 §5.1: scope may be left out when it is what the client asked for.
        answer.pop("scope", None)
    return answer


class AuthorizationCodeGrant(SandboxClientAuth, grants.AuthorizationCodeGrant):
    """Codes are single-use, short-lived (`code_lifetime`), bound to their app and redirect
    URI."""

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        status, token, headers = super().create_token_response()
        return status, shaped_token_response(token, refresh=False), headers

    def validate_authorization_request(self) -> str:
        redirect_uri = super().validate_authorization_request()
        # `state` is required: without it the app cannot tell its own callback from one an
        # attacker started (login CSRF).
        if not self.request.payload.state:
            raise InvalidRequestError("Missing 'state' parameter.", redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code: str, request: object) -> None:
        data = self.request.payload.data
        pkce = current_settings().pkce == "enforce"
        db.session.add(
            AuthorizationCode(
                code_digest=digest(code),
                client_id=self.request.client.client_id,
                user_id=self.request.user.user_id,
                workspace_id=self.request.user.workspace_id,
                redirect_uri=self.request.payload.redirect_uri,
                scope=self.request.scope,
                code_challenge=data.get("code_challenge") if pkce else None,
                code_challenge_method=data.get("code_challenge_method") if pkce else None,
                issued_at=sandbox_now(),
            )
        )
        db.session.commit()

    def query_authorization_code(
        self, code: str, client: RegisteredClient
    ) -> AuthorizationCodeRecord | None:
        found = authorization_code_record(code)
        # A code issued to another app is worthless here (code injection).
        if found is None or found.client_id != client.client_id:
            return None
        if found.used_at is not None:
            # A replayed code means it leaked: revoke what it produced (RFC 6749 §4.1.2).
            revoke_tokens_from_code(found.id)
            return None
        return None if found.is_expired() else found

    def delete_authorization_code(self, authorization_code: AuthorizationCodeRecord) -> None:
        """Spend the code, in the transaction that stored the tokens it bought (save_token):
        both commit together, or neither does."""
        _commit_if_spent(spend_code(authorization_code, sandbox_now()), "authorization code")

    def authenticate_user(self, authorization_code: AuthorizationCodeRecord) -> Grantee | None:
        return grantee_if_user_exists(authorization_code.user_id, authorization_code.workspace_id)


def _commit_if_spent(spent: bool, credential: str) -> None:
    """Commit the new pair together with the spend of the credential that bought it.

    Spent exactly once, even by two requests that both passed the checks (two sandbox
    processes on one database): where the spend found it spent already, the new pair is
    rolled back and the request refused, so one credential never buys two pairs.
    """
    if not spent:
        connection().rollback()
        raise InvalidGrantError(f"The {credential} was already used.")
    connection().commit()


class RefreshTokenGrant(SandboxClientAuth, grants.RefreshTokenGrant):
    """Each refresh token works once and is replaced by a new one."""

    INCLUDE_NEW_REFRESH_TOKEN = True

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        status, token, headers = super().create_token_response()
        return status, shaped_token_response(token, refresh=True), headers

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshTokenRecord | None:
        found = refresh_token_record(refresh_token)
        if found is None or found.client_id != self.request.client.client_id:
            return None
        reused = found.refresh_used_at is not None
        if reused and current_settings().refresh_reuse == "revoke_grant":
            # A spent refresh token presented again means one of two holders is a thief;
            # revoking the whole grant leaves neither with access (RFC 6819 §5.2.2.3).
            revoke_tokens_from_code(found.code_id)
        # Used, revoked, or 90 days old: a stolen or stale refresh token buys nothing.
        return found if found.refresh_usable() else None

    def authenticate_user(self, refresh_token: RefreshTokenRecord) -> Grantee | None:
        return grantee_if_user_exists(refresh_token.user_id, refresh_token.workspace_id)

    def revoke_old_credential(self, refresh_token: RefreshTokenRecord) -> None:
        """Spend the refresh token, in the transaction that stored its successor (save_token):
        both commit together, or neither does."""
        _commit_if_spent(spend(refresh_token, sandbox_now()), "refresh token")


class S256CodeChallenge(CodeChallenge):
    """PKCE, honoured when the app sends it, optional otherwise, S256 only; or ignored
    altogether when the `pkce` switch says so (a server that never heard of PKCE)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 (Authlib's API)

    def validate_code_verifier(self, grant: grants.BaseGrant, result: Any = None) -> None:
        if current_settings().pkce == "ignore":
            return
        super().validate_code_verifier(grant, result)

    def validate_code_challenge(self, grant: grants.BaseGrant, redirect_uri: str) -> None:
        if current_settings().pkce == "ignore":
            return
        data = grant.request.payload.data
        sent = data.get("code_challenge") or data.get("code_challenge_method")
        # `plain` (also the default when no method is named) puts the verifier itself in the
        # browser's URL, so whoever intercepts the code also has the verifier (RFC 7636 §7.2).
        if sent and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)
