"""The OAuth client as Authlib's grants see it: a snapshot of one registration row.

Authlib asks its `query_client` for an object with ClientMixin's checks. Every token
request does, so the registration is read with one statement (statements.py) into a
frozen object: no ORM identity map, no attribute instrumentation. The row is read afresh
on each request, so an edit, a secret rotation or a deletion (the admin API, the pages, another
sandbox process on the same database) is in force from the next request on.
"""

import json
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import ClientMixin
from sqlalchemy import bindparam, select

from ..credentials import matches
from ..models import OAuthApp, db
from ..state import accepted_client_auth_methods, scopes_in_force
from .connection import connection
from .statements import Statement

_apps = db.metadata.tables[OAuthApp.__tablename__]
_CLIENT_BY_ID = Statement(
    select(
        _apps.c.client_id,
        _apps.c.secret_digest,
        _apps.c.name,
        _apps.c.description,
        _apps.c.homepage_url,
        _apps.c.redirect_uris_json,
        _apps.c.scope,
    ).where(_apps.c.client_id == bindparam("client_id"))
)


@dataclass(frozen=True, slots=True)
class RegisteredClient(ClientMixin):
    """A registered OAuth app, read for one request (RFC 6749's "client")."""

    client_id: str
    secret_digest: str
    name: str
    description: str
    homepage_url: str
    redirect_uris: tuple[str, ...]
    scope: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # redirect_uri is required by the documentation: there is no default to fall back to.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        # An app may only request scopes it declared (and that exist: an undocumented scope
        # only while its extension is on); None makes Authlib answer invalid_scope.
        requested = (scope or "").split()
        if not requested or not set(requested) <= set(self.scope.split()) & set(scopes_in_force()):
            return None
        return " ".join(dict.fromkeys(requested))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match only: prefix or pattern matching lets an attacker register a
        # look-alike path and steal codes (open redirect / code interception).
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return matches(client_secret, self.secret_digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in accepted_client_auth_methods()

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


def registered_client(client_id: str) -> RegisteredClient | None:
    """The app registered under `client_id`, as it is registered right now."""
    row = _CLIENT_BY_ID.run(connection(), {"client_id": client_id}).fetchone()
    if row is None:
        return None
    client_id, secret_digest, name, description, homepage_url, redirect_uris_json, scope = row
    return RegisteredClient(
        client_id=client_id,
        secret_digest=secret_digest,
        name=name,
        description=description,
        homepage_url=homepage_url,
        redirect_uris=tuple(json.loads(redirect_uris_json)),
        scope=scope,
    )
