"""`next` may only ever lead to a path on this site (no open redirect)."""

from urllib.parse import urlsplit

DEFAULT_NEXT = "/dashboard"


def safe_next_path(candidate: str | None) -> str:
    """Return `candidate` if it is a local path, else the dashboard.

    Refused: absolute URLs, scheme-relative `//evil.example`, backslash tricks
    (`/\\evil.example`, which some browsers read as `//`), and control characters.
    """
    if not candidate or len(candidate) > 500:
        return DEFAULT_NEXT
    if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return DEFAULT_NEXT
    if "\\" in candidate or any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
        return DEFAULT_NEXT
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return candidate
