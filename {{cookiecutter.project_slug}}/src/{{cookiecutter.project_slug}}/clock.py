"""The app's notion of "now".

Production reads the system clock. In development the clock can follow the sandbox's,
so a workshop that advances the sandbox clock 61 minutes sees the app (and the
refresher, in its own process) treat tokens as expired too.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import requests

# How long a fetched sandbox offset is trusted before asking again.
SANDBOX_OFFSET_TTL_SECONDS = 1.0


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SandboxClock:
    """System time plus the offset the sandbox has been advanced by."""

    def __init__(self, sandbox_url: str, session: requests.Session | None = None) -> None:
        self._clock_url = f"{sandbox_url.rstrip('/')}/_sandbox/clock"
        self._session = session or requests.Session()
        self._lock = threading.Lock()
        self._offset = 0.0
        self._fetched_at = float("-inf")

    def offset(self) -> float:
        with self._lock:
            if time.monotonic() - self._fetched_at > SANDBOX_OFFSET_TTL_SECONDS:
                self._offset = self._fetch_offset()
                self._fetched_at = time.monotonic()
            return self._offset

    def _fetch_offset(self) -> float:
        try:
            response = self._session.get(self._clock_url, timeout=2)
            response.raise_for_status()
            return float(response.json()["offset"])
        except (requests.RequestException, ValueError, KeyError, TypeError):
            # No sandbox running (yet): development simply uses the real time.
            return self._offset

    def forget(self) -> None:
        """Ask the sandbox again on the next read (tests call this after advancing)."""
        with self._lock:
            self._fetched_at = float("-inf")

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset(), UTC)


Clock = SystemClock | SandboxClock


def clock_from_config(config: dict) -> Clock:
    if config["CLOCK_SOURCE"] == "sandbox":
        return SandboxClock(config["FSCKMSFT_AUTH_URL"])
    return SystemClock()
