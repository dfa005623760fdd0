"""The fsckmsft token endpoint, spoken through Authlib's OAuth 2 client.

Client authentication is `client_secret_post` (the secret travels in the form body, as
the platform documents). Every failure becomes a typed error from errors.py, so callers
can tell "the platform said no" from "the platform did not answer".
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from urllib3.exceptions import NewConnectionError

from ..events.flow import preview, record
from .errors import (
    BadTokenResponse,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    OutcomeUnknown,
    PlatformUnavailable,
    RateLimited,
    TokenEndpointError,
)
from .http_settings import settle_environment
from .token_response import TokenSet, parse_token_response

DEFAULT_RETRY_AFTER_SECONDS = 30.0
# A Retry-After beyond this is treated as this: one bad header must not park a connection
# (or the whole refresher) for years.
MAX_RETRY_AFTER_SECONDS = 3600.0


def parse_retry_after(value: str | None, now: datetime) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), bounded."""
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - now).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return DEFAULT_RETRY_AFTER_SECONDS
    if not math.isfinite(seconds):
        return DEFAULT_RETRY_AFTER_SECONDS
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def _was_never_sent(error: requests.ConnectionError) -> bool:
    """True when the connection was refused: the platform cannot have acted on it."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError) or isinstance(error, requests.ConnectTimeout)


class TokenEndpoint:
    """Exchanges authorization codes and refresh tokens for token sets."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        requested_scopes: frozenset[str],
        timeout: float,
        now: Callable[[], datetime],
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._requested_scopes = requested_scopes
        # Seconds for connecting and again for each read; one attempt takes at most about
        # twice this (the SQLite refresh lease is sized from it).
        self.timeout = timeout
        self._now = now
        # One pooled session per thread: Authlib's session keeps per-call state.
        self._local = threading.local()

    def _session(self) -> OAuth2Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = OAuth2Session(
                self._client_id,
                self._client_secret,
                token_endpoint=self.token_url,
                token_endpoint_auth_method="client_secret_post",  # noqa: S106 (a method name)
            )
            settle_environment(session, self.token_url)
            session.register_compliance_hook("access_token_response", self._check_response)
            session.register_compliance_hook("refresh_token_response", self._check_response)
            self._local.session = session
        return session

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        extra = {"code_verifier": code_verifier} if code_verifier else {}
        return self._call(
            "authorization_code",
            lambda session: session.fetch_token(
                self.token_url,
                grant_type="authorization_code",
                code=code,
                redirect_uri=redirect_uri,
                **self._request_options,
                **extra,
            ),
            requested_scopes=self._requested_scopes,
        )

    def refresh(self, refresh_token: str, *, granted_scopes: frozenset[str]) -> TokenSet:
        """Refresh; a response without `scope` keeps `granted_scopes` (RFC 6749 §5.1)."""
        return self._call(
            "refresh_token",
            lambda session: session.refresh_token(
                self.token_url, refresh_token=refresh_token, **self._request_options
            ),
            requested_scopes=granted_scopes,
        )

    @property
    def _request_options(self) -> dict[str, Any]:
        # No redirects: a 307 would re-send the client secret and the code or refresh
        # token to wherever the Location header points.
        return {"timeout": (self.timeout, self.timeout), "allow_redirects": False}

    def _call(
        self,
        grant_type: str,
        request: Callable[[OAuth2Session], Any],
        *,
        requested_scopes: frozenset[str],
    ) -> TokenSet:
        record(
            "token_request",
            url=self.token_url,
            grant_type=grant_type,
            client_id=self._client_id,
            client_secret="[redacted]",  # noqa: S106 (shown in the inspector, never sent)
        )
        self._local.raw_answer = None
        try:
            request(self._session())
        except OAuthError as error:
            raise _typed_oauth_error(error.error, error.description or "") from None
        except requests.Timeout as error:
            if isinstance(error, requests.ConnectTimeout):
                raise PlatformUnavailable("connect_timeout", "could not reach fsckmsft") from None
            raise OutcomeUnknown(
                "timeout", "no answer in time; the platform may have acted"
            ) from None
        except requests.ConnectionError as error:
            if _was_never_sent(error):
                raise PlatformUnavailable("unreachable", "could not reach fsckmsft") from None
            raise OutcomeUnknown("connection_lost", "the answer was lost on the way") from None
        except (requests.RequestException, ValueError) as error:
            raise TokenEndpointError("bad_response", type(error).__name__) from None
        # Validate the answer exactly as fsckmsft sent it: Authlib's own result would put
        # the old (spent) refresh token back if the answer lacked a new one.
        tokens = parse_token_response(
            self._local.raw_answer, requested_scopes=requested_scopes, now=self._now()
        )
        record(
            "token_response",
            access_token=preview(tokens.access_token),
            refresh_token=preview(tokens.refresh_token),
            expires_at=tokens.access_expires_at.isoformat(),
            scope=" ".join(sorted(tokens.scopes)),
        )
        return tokens

    def _check_response(self, response: requests.Response) -> requests.Response:
        """Turn statuses Authlib does not distinguish into typed errors; keep the raw answer."""
        if response.status_code == 429:
            raise RateLimited(parse_retry_after(response.headers.get("Retry-After"), self._now()))
        if response.status_code >= 500:
            raise PlatformUnavailable(
                "server_error", f"HTTP {response.status_code}", response.status_code
            )
        if 300 <= response.status_code < 400:
            raise TokenEndpointError("redirected", "the token endpoint answered with a redirect")
        if response.status_code == 200:
            try:
                self._local.raw_answer = response.json()
            except ValueError:
                raise BadTokenResponse("bad_token_response", "not JSON") from None
        return response


def _typed_oauth_error(error: str | None, description: str) -> TokenEndpointError:
    code = error or "unknown_error"
    if code == "invalid_grant":
        return InvalidGrant(code, description, 400)
    if code == "invalid_scope":
        return InvalidScope(code, description, 400)
    if code in ("invalid_client", "unauthorized_client"):
        return InvalidClient(code, description, 401)
    return TokenEndpointError(code, description)
