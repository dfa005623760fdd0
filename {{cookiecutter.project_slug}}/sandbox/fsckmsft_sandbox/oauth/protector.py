"""Authlib's ResourceProtector for /v1/*: Bearer `act_…` tokens, checked against the clock."""

from typing import NoReturn

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError
from flask import Response, abort, json, request

from ..config import REALM
from ..credentials import digest
from ..models import Token, db


class MissingScopeError(InsufficientScopeError):
    """403 that names the scope the endpoint needs, in the body and WWW-Authenticate."""

    def __init__(self, scopes: list[str]) -> None:
        super().__init__(description=f"This call needs the scope: {' '.join(scopes)}.")
        self.scopes = scopes


class SandboxTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> Token | None:
        token = db.session.execute(
            db.select(Token).filter_by(access_digest=digest(token_string))
        ).scalar_one_or_none()
        entry = request.environ.get("sandbox.log_entry")
        if token is not None and entry is not None:
            entry["client_id"] = token.client_id
        return token

    def validate_token(self, token: Token | None, scopes: list[str], request: object) -> None:
        # Unknown, expired (sandbox clock) and revoked tokens: Authlib's checks, invalid_token.
        try:
            super().validate_token(token, scopes, request)
        except InsufficientScopeError:
            # A token must not reach data outside what the user consented to.
            raise MissingScopeError(scopes) from None


class SandboxResourceProtector(ResourceProtector):
    def raise_error_response(self, error: OAuth2Error) -> NoReturn:
        status = 403 if isinstance(error, InsufficientScopeError) else 401
        challenge = f'Bearer realm="{REALM}"'
        if isinstance(error, MissingScopeError):
            challenge += f', error="insufficient_scope", scope="{" ".join(error.scopes)}"'
        elif error.error == "invalid_token":
            challenge += ', error="invalid_token"'
        # A request with no usable credentials gets the bare challenge (RFC 6750 §3.1).
        code = error.error if status == 403 or error.error == "invalid_token" else "invalid_token"
        body = {"error": code, "error_description": error.get_error_description()}
        headers = [("Content-Type", "application/json"), ("WWW-Authenticate", challenge)]
        abort(Response(json.dumps(body), status, headers))


require_oauth = SandboxResourceProtector()
require_oauth.register_token_validator(SandboxTokenValidator(realm=REALM))
