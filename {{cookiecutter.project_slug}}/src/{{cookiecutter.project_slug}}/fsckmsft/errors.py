"""Typed errors from the platform edge. Views turn each into a page, never a 500."""

from __future__ import annotations


class FsckmsftError(Exception):
    """Base class: something about talking to fsckmsft went wrong."""


class TokenEndpointError(FsckmsftError):
    """The token endpoint refused or failed a request."""

    def __init__(self, error: str, description: str = "", status: int | None = None) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status


class InvalidGrant(TokenEndpointError):
    """The code or refresh token is no longer valid: used, expired or revoked."""


class InvalidScope(TokenEndpointError):
    """A refresh asked for a scope the grant no longer carries (removed from the app):
    like a spent grant, only the user can fix it by connecting again."""


class InvalidClient(TokenEndpointError):
    """Our client credentials were refused (secret rotated, or app deleted): an operator
    problem, not the user's (`invalid_client`, `unauthorized_client`)."""


class TokenCallsPaused(InvalidClient):
    """No token call was made: they are paused process-wide after the platform refused
    the app's client credentials."""


class CoolingDown(TokenEndpointError):
    """No token call was made: this connection is in a cool-down the platform asked for
    (429) or that its failures earned (5xx, timeouts)."""

    def __init__(self, seconds_left: float, last_error: str) -> None:
        super().__init__("cooling_down", f"{last_error}; next try in {seconds_left:.0f}s")
        self.seconds_left = seconds_left


class RateLimited(TokenEndpointError):
    """429: wait `retry_after` seconds before the next call."""

    def __init__(self, retry_after: float, status: int = 429) -> None:
        super().__init__("rate_limited", f"retry after {retry_after:g}s", status)
        self.retry_after = retry_after


class PlatformUnavailable(TokenEndpointError):
    """A 5xx answer: the request had no effect; safe to retry later."""


class OutcomeUnknown(TokenEndpointError):
    """Timeout or dropped connection: the platform may or may not have acted."""


class BadTokenResponse(TokenEndpointError):
    """The token endpoint answered 200 with something that is not a valid token set."""


class NeedsReauthorization(FsckmsftError):
    """The connection's authorization is gone; the user must connect again."""


class ApiError(FsckmsftError):
    """The API answered with an error the user should see."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class MissingScope(ApiError):
    """The connection was not granted the scope this call needs (403)."""

    def __init__(self, scope: str) -> None:
        super().__init__(403, f"this connection was not granted {scope}")
        self.scope = scope


class ApiUnavailable(ApiError):
    """The API is down, slow or rate-limiting us beyond what we wait for."""


class UnexpectedAnswer(ApiError):
    """The API answered in a form the app does not understand (the platform documents no
    response bodies): shown as an error, never as an empty or wrong result."""
