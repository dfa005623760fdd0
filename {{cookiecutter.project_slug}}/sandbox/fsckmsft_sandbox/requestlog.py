"""The request log: one entry per request to /oauth/* and /v1/*, with secrets redacted."""

import threading
from collections import deque
from typing import Any

from .config import REQUEST_LOG_LIMIT
from .credentials import redact

#: Form and query fields whose values are credentials: logged only as a redacted prefix.
SECRET_FIELDS = frozenset(
    {
        "client_secret",
        "code",
        "refresh_token",
        "access_token",
        "code_verifier",
        "state",
        "code_challenge",
    }
)
#: Fields safe to show in full.
PLAIN_FIELDS = frozenset(
    {
        "grant_type",
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "code_challenge_method",
        "username",
        "workspace",
        "decision",
    }
)


def redacted_fields(fields: dict[str, str]) -> dict[str, str | None]:
    """Show what was sent without the secret values; unknown fields are redacted too."""
    shown: dict[str, str | None] = {}
    for name, value in list(fields.items())[:30]:
        key = name[:40]
        shown[key] = value[:300] if name in PLAIN_FIELDS else redact(value)
    return shown


class RequestLog:
    """A bounded, thread-safe list of entries, oldest first."""

    def __init__(self) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._next_id = 1
        self._lock = threading.Lock()
        # Bumped by clear(): a request still in flight at a reset (a held "timeout" fault,
        # say) must not turn up in the log of whatever comes after the reset.
        self.generation = 0

    def append(self, entry: dict[str, Any], generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            entry["id"] = self._next_id
            self._next_id += 1
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._next_id = 1
            self.generation += 1
