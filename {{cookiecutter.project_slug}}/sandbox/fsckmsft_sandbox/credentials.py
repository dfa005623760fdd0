"""Random credentials, how they are stored (hashed) and how they are shown (redacted)."""

import hashlib
import hmac
import secrets

from .config import ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX


def new_client_id() -> str:
    return "sbx_" + secrets.token_hex(12)


def new_client_secret() -> str:
    """256 bits from the OS's secure random source."""
    return secrets.token_urlsafe(32)


def new_access_token(**_: object) -> str:
    """`act_` + 256 random bits (Authlib calls this with client, grant_type, user, scope)."""
    return ACCESS_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_refresh_token(**_: object) -> str:
    """`rft_` + 256 random bits."""
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """The stored form of a secret, code or token.

    A fast hash is enough here: every value is 256 random bits, so there is nothing to
    brute-force; slow hashes protect low-entropy passwords. A database dump therefore holds
    no usable credential.
    """
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def matches(value: str, stored_digest: str) -> bool:
    """Compare in constant time, so response timing cannot leak the digest (timing attack)."""
    return hmac.compare_digest(digest(value), stored_digest)


def redact(value: str | None) -> str | None:
    """Keep a recognisable prefix (`act_…`) and drop the secret part."""
    if value is None:
        return None
    for prefix in (ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX):
        if value.startswith(prefix):
            return prefix + "…"
    return "…" if value else ""
