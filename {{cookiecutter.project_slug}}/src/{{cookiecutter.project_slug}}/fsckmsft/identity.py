"""An optional identity source: who approved a connection, and for which workspace.

The platform documents no such call, so the app never needs one: without it, a connection
belongs to the browser that made it (services/connections.py). An operator whose platform
offers one sets FSCKMSFT_IDENTITY_URL (an endpoint on the API origin answering
`{"user": {"id", "username"}, "workspace": {"id", "name"}}` for the bearer token, as the
sandbox's opt-in `/v1/me` extension does); connections are then merged per user and
workspace. Any failure there is logged and the login carries on without an identity:
the code is already spent, so throwing the tokens away would only orphan the grant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..events.flow import record
from .api import ApiClient
from .errors import ApiError
from .token_response import TokenSet
from .token_service import AccessToken

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    user_id: str
    username: str
    workspace_id: str
    workspace_name: str


def identity_path(identity_url: str) -> str | None:
    """The identity source's path (config.validate keeps it on the API origin), or None."""
    if not identity_url:
        return None
    return urlsplit(identity_url).path or None


def read_identity(api: ApiClient, path: str, tokens: TokenSet) -> Identity | None:
    """Ask the identity source who the fresh access token acts for; None if it cannot say."""
    token = AccessToken(tokens.access_token, 0, tokens.scopes)
    try:
        response = api.send("GET", path, token)
    except ApiError as error:
        log.warning("identity source GET %s failed (%s); connecting without it", path, error)
        return None
    record("identity_read", method="GET", path=path, status=response.status_code)
    try:
        answer = response.json() if response.status_code == 200 else {}
        user, workspace = answer["user"], answer["workspace"]
        identity = Identity(
            user_id=str(user["id"])[:64],
            username=str(user["username"])[:200],
            workspace_id=str(workspace["id"])[:64],
            workspace_name=str(workspace["name"])[:200],
        )
    except (ValueError, KeyError, TypeError):
        log.warning(
            "identity source GET %s answered %s without a user and workspace; "
            "connecting without it",
            path,
            response.status_code,
        )
        return None
    return identity
