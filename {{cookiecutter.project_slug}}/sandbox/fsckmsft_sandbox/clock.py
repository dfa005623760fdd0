"""The sandbox clock: system time plus an offset that tests and workshops can advance."""

import threading
import time


class SandboxClock:
    """Every expiry in the sandbox (codes, access tokens, refresh tokens) reads this clock."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        """Sandbox time, in epoch seconds."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    def as_dict(self) -> dict[str, float]:
        return {"now": self.now(), "offset": self._offset}
