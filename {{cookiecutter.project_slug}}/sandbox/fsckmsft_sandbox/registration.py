"""F1: what a valid OAuth app registration is. Each refusal names the field at fault."""

from typing import Any
from urllib.parse import urlsplit

from .state import scopes_in_force

FIELDS = ("name", "description", "homepage_url", "redirect_uris", "scopes")
REQUIRED = ("name", "homepage_url", "redirect_uris", "scopes")
#: Loopback http callbacks: a sandbox-only allowance for development, never on the platform.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


class RegistrationError(ValueError):
    """An invalid registration: `error` is the RFC 7591 code, the message one sentence."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


def _text(data: dict[str, Any], name: str, limit: int, required: bool) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise RegistrationError("invalid_client_metadata", f"'{name}' must be a string.")
    value = value.strip()
    if required and not value:
        raise RegistrationError("invalid_client_metadata", f"'{name}' is required.")
    if len(value) > limit:
        raise RegistrationError(
            "invalid_client_metadata", f"'{name}' must be at most {limit} characters."
        )
    return value


def _homepage_url(data: dict[str, Any]) -> str:
    url = _text(data, "homepage_url", 500, required=True)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise RegistrationError(
            "invalid_client_metadata", "'homepage_url' must be an absolute http(s) URL."
        )
    return url


def redirect_uri_problem(uri: Any) -> str | None:
    """Why this redirect URI cannot be registered, or None."""
    if not isinstance(uri, str) or not uri or len(uri) > 500 or uri != uri.strip():
        return "each redirect URI must be a non-empty string without spaces"
    # Wildcards would let one registration cover URLs an attacker controls (code theft).
    if "*" in uri:
        return "wildcards are not allowed in redirect URIs"
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return "each redirect URI must be a valid absolute URL"
    # Fragments never reach the server, and RFC 6749 §3.1.2 forbids them.
    if parts.fragment or "#" in uri:
        return "redirect URIs must not contain a fragment"
    if not host or parts.username or parts.password:
        return "each redirect URI must be an absolute URL with a host and no credentials"
    # Plain http would expose codes on the network, except on this machine's loopback.
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        return None
    return "redirect URIs must use https (http only for localhost or 127.0.0.1 in the sandbox)"


def _redirect_uris(data: dict[str, Any]) -> list[str]:
    uris = data.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise RegistrationError(
            "invalid_redirect_uri", "'redirect_uris' must be a non-empty list of URLs."
        )
    if len(uris) > 20:
        raise RegistrationError("invalid_redirect_uri", "'redirect_uris' allows at most 20.")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem:
            raise RegistrationError("invalid_redirect_uri", f"'redirect_uris': {problem}.")
    return list(dict.fromkeys(uris))


def _scopes(data: dict[str, Any]) -> list[str]:
    scopes = data.get("scopes")
    if not isinstance(scopes, list) or not scopes:
        raise RegistrationError(
            "invalid_client_metadata", "'scopes' must be a non-empty list of scopes."
        )
    # Only documented scopes, plus the `extra_scopes` extension's while it is on.
    catalogue = scopes_in_force()
    unknown = [s for s in scopes if not isinstance(s, str) or s not in catalogue]
    if unknown:
        raise RegistrationError(
            "invalid_client_metadata", f"'scopes' may only contain: {', '.join(catalogue)}."
        )
    return list(dict.fromkeys(scopes))


def validate_registration(data: Any, partial: bool = False) -> dict[str, Any]:
    """The cleaned fields of a registration (all of them, or those present when `partial`)."""
    if not isinstance(data, dict):
        raise RegistrationError("invalid_request", "The body must be a JSON object.")
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        raise RegistrationError("invalid_client_metadata", f"Unknown field '{unknown[0][:40]}'.")
    if not partial:
        missing = [name for name in REQUIRED if name not in data]
        if missing:
            raise RegistrationError("invalid_client_metadata", f"'{missing[0]}' is required.")
    readers = {
        "name": lambda: _text(data, "name", 100, required=True),
        "description": lambda: _text(data, "description", 500, required=False),
        "homepage_url": lambda: _homepage_url(data),
        "redirect_uris": lambda: _redirect_uris(data),
        "scopes": lambda: _scopes(data),
    }
    return {name: read() for name, read in readers.items() if name in data}
