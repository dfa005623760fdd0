"""The background refresher: `flask refresher run` (a loop) or `--once` (for cron).

Each sweep claims due connections (see claims.py) and refreshes each through the
one refresh path (TokenService.refresh), a few at a time. Due means the access token
expires within the window, or the refresh token has been idle long enough to approach
the platform's 90-day limit (keep-alive). Any number of refreshers may run at once.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..fsckmsft.errors import InvalidClient, NeedsReauthorization, RateLimited, TokenEndpointError
from ..models import RefresherSweep
from ..services import Services
from ..tokens.cipher import DecryptionError
from .claims import claim_due, release

log = logging.getLogger(__name__)
TRANSIENT_REASONS = {
    "server_error",
    "timeout",
    "connection_lost",
    "unreachable",
    "connect_timeout",
    "internal",
}


@dataclass(frozen=True)
class RefresherSettings:
    interval: float = 60.0  # seconds between sweeps (with ±20% jitter)
    batch_size: int = 100
    concurrency: int = 4
    lease: timedelta = timedelta(minutes=5)
    invalid_client_pause: timedelta = timedelta(minutes=10)
    max_backoff: float = 900.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RefresherSettings:
        return cls(
            interval=float(config["REFRESHER_INTERVAL_SECONDS"]),
            batch_size=int(config["REFRESHER_BATCH_SIZE"]),
            concurrency=int(config["REFRESHER_CONCURRENCY"]),
            lease=timedelta(seconds=int(config["REFRESHER_LEASE_SECONDS"])),
        )


@dataclass
class SweepResult:
    started_at: datetime
    finished_at: datetime | None = None
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    released: int = 0

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    def summary(self) -> str:
        """One structured log line: counts only, never a token."""
        duration = (self.finished_at or self.started_at) - self.started_at
        reasons = " ".join(f"failed.{k}={v}" for k, v in sorted(self.failures.items()))
        counts = self.outcomes
        return (
            f"sweep claimed={self.claimed} refreshed={counts['refreshed']} "
            f"not_needed={counts['not_needed']} needs_reauth={counts['needs_reauth']} "
            f"failed={self.failed} released={self.released} "
            f"duration_ms={duration.total_seconds() * 1000:.0f} {reasons}"
        ).strip()


class PlatformGate:
    """Process-wide: when may the token endpoint be called again (429, invalid_client)?"""

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
        with self._lock:
            return self._closed_until is not None and self._now() < self._closed_until


class Refresher:
    def __init__(self, services: Services, settings: RefresherSettings | None = None) -> None:
        self.services = services
        self.settings = settings or RefresherSettings()
        self.gate = PlatformGate(services.clock.now)
        self.stop = threading.Event()
        self._transient_streak = 0

    # -- one sweep ---------------------------------------------------------------

    def sweep(self) -> SweepResult:
        now = self.services.clock.now()
        result = SweepResult(started_at=now)
        if not self.gate.is_closed():
            engine = self.services.token_service.engine
            claims, lease_until = claim_due(
                engine, now=now, limit=self.settings.batch_size, lease=self.settings.lease
            )
            result.claimed = len(claims)
            unprocessed = self._refresh_all(list(claims), result)
            result.released = release(
                engine, {cid: claims[cid] for cid in unprocessed}, lease_until
            )
        result.finished_at = self.services.clock.now()
        self._record(result)
        return result

    def _refresh_all(self, connection_ids: list[str], result: SweepResult) -> list[str]:
        """Refresh a few at a time; answers the ids left unprocessed (stop or pause)."""
        with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
            outcomes = list(pool.map(self._refresh_one, connection_ids))
        unprocessed = []
        for connection_id, (outcome, failure) in zip(connection_ids, outcomes, strict=True):
            if outcome == "released":
                unprocessed.append(connection_id)
            elif outcome == "failed":
                result.failures[failure] += 1
            else:
                result.outcomes[outcome] += 1
        return unprocessed

    def _refresh_one(self, connection_id: str) -> tuple[str, str]:
        if self.stop.is_set() or self.gate.is_closed():
            return "released", ""
        try:
            token = self.services.token_service.refresh(
                connection_id, reason="refresher", fall_back_to_valid_token=False
            )
        except NeedsReauthorization:
            return "needs_reauth", ""
        except RateLimited as error:
            # One 429 pauses the whole process, not just this connection.
            self.gate.close_for(timedelta(seconds=error.retry_after), "rate_limited")
            return "failed", "rate_limited"
        except InvalidClient:
            self.gate.close_for(self.settings.invalid_client_pause, "invalid_client")
            log.critical(
                "OPERATOR ALERT: fsckmsft refused the app's client credentials (invalid_client). "
                "Refreshing is paused. Check FSCKMSFT_CLIENT_ID/FSCKMSFT_CLIENT_SECRET "
                "(was the secret rotated?)."
            )
            return "failed", "invalid_client"
        except TokenEndpointError as error:
            return "failed", error.error
        except DecryptionError:
            log.error(
                "connection %s: stored token cannot be decrypted (key missing?)", connection_id
            )
            return "failed", "decryption_error"
        except Exception:  # a bug or a database hiccup: count it, keep serving the others
            log.exception("connection %s: unexpected error while refreshing", connection_id)
            return "failed", "internal"
        return ("refreshed" if token.refreshed else "not_needed"), ""

    def _record(self, result: SweepResult) -> None:
        log.info(result.summary())
        with Session(bind=self.services.token_service.engine) as session:
            session.add(
                RefresherSweep(
                    started_at=result.started_at,
                    finished_at=result.finished_at,
                    claimed=result.claimed,
                    refreshed=result.outcomes["refreshed"],
                    needs_reauth=result.outcomes["needs_reauth"],
                    failed=result.failed,
                    released=result.released,
                    failures_by_reason=" ".join(
                        f"{k}={v}" for k, v in sorted(result.failures.items())
                    )[:500],
                )
            )
            session.commit()

    # -- the loop ----------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Sweep until stopped; with `once`, one sweep. Exit status 1 if anything failed."""
        self._stop_on_signals()
        while True:
            try:
                result = self.sweep()
            except Exception:  # e.g. the database restarting: log, back off, carry on
                log.exception("refresher sweep failed")
                if once:
                    return 1
                result = SweepResult(started_at=self.services.clock.now())
                result.failures["internal"] += 1
            if once:
                return 1 if result.failed or self.gate.reason == "invalid_client" else 0
            if self.stop.wait(self._pause_after(result)):
                log.info("refresher stopped cleanly")
                return 0

    def _pause_after(self, result: SweepResult) -> float:
        """The interval with jitter; growing exponentially while the platform is failing."""
        transient = sum(n for reason, n in result.failures.items() if reason in TRANSIENT_REASONS)
        self._transient_streak = self._transient_streak + 1 if transient else 0
        base = self.settings.interval * (2 ** min(self._transient_streak, 10))
        jitter = random.uniform(0.8, 1.2)  # noqa: S311 (timing jitter, not a secret)
        return min(base, self.settings.max_backoff) * jitter

    def _stop_on_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # e.g. inside `flask dev --with-refresher`: the daemon thread just ends

        def request_stop(signum: int, _frame: object) -> None:
            log.info("signal %s: finishing the current refreshes, releasing the rest", signum)
            self.stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
