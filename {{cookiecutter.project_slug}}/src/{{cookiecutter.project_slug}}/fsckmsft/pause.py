"""Process-wide pauses of token calls.

`PlatformGate` answers "may this process call the token endpoint now?". The token
service closes one when fsckmsft refuses the app's client credentials (`invalid_client`:
a rotated secret not yet deployed, a deleted app): every further call would be refused
too, for every user, so none is made — from page views and the refresher alike — until
the pause ends. The refresher keeps another for a 429 (fsckmsft asked it to slow down).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta


class PlatformGate:
    """When may the token endpoint be called again?"""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._closed_until: datetime | None = None
        self.reason = ""

    def close_for(self, duration: timedelta, reason: str) -> None:
        with self._lock:
            until = self._now() + duration
            if self._closed_until is None or until > self._closed_until:
                self._closed_until, self.reason = until, reason

    def is_closed(self) -> bool:
        return self.seconds_left() > 0

    def seconds_left(self) -> float:
        with self._lock:
            if self._closed_until is None:
                return 0.0
            return max(0.0, (self._closed_until - self._now()).total_seconds())


class ClientRejection:
    """The pause after `invalid_client`, and the operator alert it raises once.

    Once: a refused secret stays refused until an operator acts, so a log line per page
    view (or per pause) would bury the one that matters. The alert is raised again only
    after a token call has succeeded in between.
    """

    def __init__(self, now: Callable[[], datetime], pause: timedelta) -> None:
        self.gate = PlatformGate(now)
        self.pause = pause
        self._lock = threading.Lock()
        self._alerted = False

    def reject(self) -> bool:
        """Pause token calls; answers True when this is the first refusal to report."""
        self.gate.close_for(self.pause, "invalid_client")
        with self._lock:
            first, self._alerted = not self._alerted, True
        return first

    def accepted(self) -> None:
        """A token call succeeded: the credentials work (again)."""
        with self._lock:
            self._alerted = False

    def is_paused(self) -> bool:
        return self.gate.is_closed()
