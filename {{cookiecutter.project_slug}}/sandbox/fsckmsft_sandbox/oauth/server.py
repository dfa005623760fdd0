"""Authlib's AuthorizationServer, wired to the sandbox's models, lifetimes and token shapes."""

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Flask, Response, current_app
from sqlalchemy import insert

from ..config import (
    ACCESS_TOKEN_LIFETIME,
    BASIC_AUTH_METHOD,
    CLIENT_AUTH_METHOD,
    REALM,
    SCOPES,
)
from ..credentials import digest, new_access_token, new_refresh_token
from ..models import Token, db
from ..state import accepted_client_auth_methods, sandbox_now
from .clients import RegisteredClient, registered_client
from .connection import connection
from .grants import AuthorizationCodeGrant, RefreshTokenGrant, S256CodeChallenge
from .statements import Statement

#: Authlib reads these from the Flask config: its defaults (864000 s tokens, no refresh
#: token, 48-character values) differ from the platform's.
AUTHLIB_CONFIG: dict[str, Any] = {
    "OAUTH2_TOKEN_EXPIRES_IN": {
        "authorization_code": ACCESS_TOKEN_LIFETIME,
        "refresh_token": ACCESS_TOKEN_LIFETIME,
    },
    "OAUTH2_ACCESS_TOKEN_GENERATOR": new_access_token,
    "OAUTH2_REFRESH_TOKEN_GENERATOR": new_refresh_token,
    "OAUTH2_SCOPES_SUPPORTED": list(SCOPES),
}
# What save_token sets; the other columns (when it was used or revoked) start empty.
_NEW_TOKEN_COLUMNS = (
    "client_id",
    "user_id",
    "workspace_id",
    "code_id",
    "scope",
    "access_digest",
    "refresh_digest",
    "issued_at",
    "expires_in",
)
_INSERT_TOKEN = Statement(insert(db.metadata.tables[Token.__tablename__]), _NEW_TOKEN_COLUMNS)


class SandboxAuthorizationServer(AuthorizationServer):
    """Answers every client authentication failure with 401, as RFC 6749 §5.2 allows."""

    def handle_error_response(self, request: OAuth2Request | None, error: OAuth2Error) -> Response:
        if error.error != "invalid_client" or error.redirect_uri:
            return super().handle_error_response(request, error)
        error.status_code = 401
        status, body, headers = error()
        headers = [(name, value) for name, value in headers if name != "WWW-Authenticate"]
        # Name a scheme we accept: HTTP Basic when the `client_auth` switch allows it (RFC
        # 6749 §5.2), else the form body, rather than inviting Basic, which we then refuse.
        scheme = (
            "Basic" if BASIC_AUTH_METHOD in accepted_client_auth_methods() else (CLIENT_AUTH_METHOD)
        )
        headers.append(("WWW-Authenticate", f'{scheme} realm="{REALM}", error="invalid_client"'))
        return self.handle_response(status, body, headers)


def query_client(client_id: str) -> RegisteredClient | None:
    if not isinstance(client_id, str) or len(client_id) > 100:
        return None
    return registered_client(client_id)


def save_token(token: dict[str, Any], request: OAuth2Request) -> None:
    """Store the pair as digests; the caller's code or refresh token names the authorization.

    Not committed here: the grant's next step spends that code or refresh token and commits
    both at once, so a new pair never stands beside an unspent old credential.
    """
    previous = request.authorization_code or request.refresh_token
    code_id = previous.id if request.authorization_code else previous.code_id
    _INSERT_TOKEN.run(
        connection(),
        {
            "client_id": request.client.client_id,
            "user_id": request.user.user_id,
            "workspace_id": request.user.workspace_id,
            "code_id": code_id,
            "scope": token["scope"],
            "access_digest": digest(token["access_token"]),
            "refresh_digest": digest(token["refresh_token"]),
            "issued_at": sandbox_now(),
            "expires_in": token["expires_in"],
        },
    )


def init_authorization_server(app: Flask) -> SandboxAuthorizationServer:
    for key, value in AUTHLIB_CONFIG.items():
        app.config.setdefault(key, value)
    server = SandboxAuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=False)])
    server.register_grant(RefreshTokenGrant)
    app.extensions["sandbox_oauth"] = server
    return server


def authorization_server() -> SandboxAuthorizationServer:
    return current_app.extensions["sandbox_oauth"]
