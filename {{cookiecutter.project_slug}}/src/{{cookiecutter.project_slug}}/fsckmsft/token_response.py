"""Validate a token endpoint answer before anything is stored.

A token set reaches storage only if it is exactly what fsckmsft documents: a bearer
access token, a refresh token, a positive lifetime and the granted scopes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .errors import BadTokenResponse

log = logging.getLogger(__name__)
MAX_TOKEN_LENGTH = 4096
MAX_EXPIRES_IN = 7 * 24 * 3600


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    scopes: frozenset[str]


def _token(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_TOKEN_LENGTH:
        raise BadTokenResponse("bad_token_response", f"{name} missing or not a string")
    if not value.isprintable() or any(ch.isspace() for ch in value):
        raise BadTokenResponse("bad_token_response", f"{name} contains invalid characters")
    return value


def parse_token_response(
    payload: Any, *, requested_scopes: frozenset[str], now: datetime
) -> TokenSet:
    """Return a TokenSet, or raise BadTokenResponse saying what was wrong."""
    if not isinstance(payload, Mapping):
        raise BadTokenResponse("bad_token_response", "not a JSON object")
    token_type = payload.get("token_type")
    # Only bearer tokens are defined by fsckmsft; anything else we would send wrongly.
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise BadTokenResponse("bad_token_response", "token_type is not Bearer")
    expires_in = payload.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        raise BadTokenResponse("bad_token_response", "expires_in missing or not a number")
    # A lifetime in seconds: under one second the token is spent before it is stored
    # (the fuzz test found 1e-283, which adds nothing to "now").
    if not 1 <= expires_in <= MAX_EXPIRES_IN:
        raise BadTokenResponse("bad_token_response", "expires_in out of range")
    scope = payload.get("scope")
    if scope is None:
        granted = requested_scopes  # RFC 6749 §5.1: omitted means "as requested"
    elif isinstance(scope, str):
        granted = frozenset(scope.split())
    else:
        raise BadTokenResponse("bad_token_response", "scope is not a string")
    extra = granted - requested_scopes
    if extra:
        # More than we asked for is the platform's doing, not an attack, but worth a look.
        log.warning("fsckmsft granted scopes that were not requested: %s", " ".join(sorted(extra)))
    return TokenSet(
        access_token=_token(payload, "access_token"),
        refresh_token=_token(payload, "refresh_token"),
        access_expires_at=now + timedelta(seconds=float(expires_in)),
        scopes=granted,
    )
