"""The background refresher: `flask refresher run` (a loop) or `--once` (for cron).

A sweep drains the due work: it claims due connections in batches (see claims.py) and
refreshes each through the one refresh path (TokenService.refresh), `concurrency` at a
time, claiming the next batch while the last of the current one is still in flight. It
ends when a claim finds fewer rows than a full batch (the due work is done), when the
platform asks it to wait (429, or the app's credentials refused), on SIGTERM, or after
`max_sweep_seconds` of continuous work (so sweeps are recorded even during a backlog;
the loop then starts the next one at once). The loop sleeps, with jitter, only when the
due work is done or the platform asked it to wait, and backs off while it fails.

Due means the access token expires within the window, or the refresh token has been idle
long enough to approach the platform's 90-day limit (keep-alive). Any number of
refreshers may run at once.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from ..database import write_transaction
from ..events.signals import sweep_finished
from ..fsckmsft.errors import (
    CoolingDown,
    InvalidClient,
    NeedsReauthorization,
    RateLimited,
    TokenCallsPaused,
    TokenEndpointError,
)
from ..fsckmsft.pause import PlatformGate
from ..models import RefresherSweep
from ..services import Services
from .claims import Batch, claim_due, release
from .records import prune_sweeps

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
    interval: float = 60.0  # seconds between sweeps once the due work is done (±20% jitter)
    batch_size: int = 100
    concurrency: int = 4
    lease: timedelta = timedelta(minutes=5)
    max_backoff: float = 900.0
    # A sweep stops claiming after this long, so sweeps are recorded even while a backlog
    # keeps the refresher busy; the next sweep then starts at once.
    max_sweep_seconds: float = 60.0
    sweep_retention: timedelta = timedelta(days=14)  # sweep records older than this go

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RefresherSettings:
        return cls(
            interval=float(config["REFRESHER_INTERVAL_SECONDS"]),
            batch_size=int(config["REFRESHER_BATCH_SIZE"]),
            concurrency=int(config["REFRESHER_CONCURRENCY"]),
            lease=timedelta(seconds=int(config["REFRESHER_LEASE_SECONDS"])),
            sweep_retention=timedelta(days=int(config["REFRESHER_SWEEP_RETENTION_DAYS"])),
        )


@dataclass
class SweepResult:
    started_at: datetime
    finished_at: datetime | None = None
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    released: int = 0
    more_due: bool = False  # stopped with due work left (time's up, not the work)

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


class Refresher:
    def __init__(self, services: Services, settings: RefresherSettings | None = None) -> None:
        self.services = services
        self.settings = settings or RefresherSettings()
        self.gate = PlatformGate(services.clock.now)  # closed by a 429, for this process
        self.stop = threading.Event()
        self._transient_streak = 0

    # -- one sweep ---------------------------------------------------------------

    def sweep(self) -> SweepResult:
        """Refresh due connections until the due work is done (see the module docstring)."""
        result = SweepResult(started_at=self.services.clock.now())
        with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
            self._drain(pool, result)
        result.finished_at = self.services.clock.now()
        self._record(result)
        return result

    def _drain(self, pool: ThreadPoolExecutor, result: SweepResult) -> None:
        engine = self.services.token_service.engine
        threads = self.settings.concurrency
        work_until = time.monotonic() + self.settings.max_sweep_seconds
        waiting: deque[tuple[str, Batch]] = deque()  # claimed, not yet handed to a thread
        in_flight: dict[Future[tuple[str, str]], tuple[str, Batch]] = {}
        batches: list[Batch] = []
        more = True
        while True:
            # Claim the next batch before the threads run dry: none idles between batches.
            if more and len(waiting) < threads and self._may_call():
                batch = claim_due(
                    engine,
                    now=self.services.clock.now(),
                    limit=self.settings.batch_size,
                    lease=self.settings.lease,
                )
                batches.append(batch)
                result.claimed += len(batch.claims)
                waiting.extend((connection_id, batch) for connection_id in batch.claims)
                # A full batch: more may be due. Go on, unless this sweep has run its time.
                result.more_due = batch.found == self.settings.batch_size
                more = result.more_due and time.monotonic() < work_until
            # One task per thread at a time, so each wait() below looks at a few futures.
            while waiting and len(in_flight) < threads:
                connection_id, batch = waiting.popleft()
                in_flight[pool.submit(self._refresh_one, connection_id)] = (connection_id, batch)
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                connection_id, batch = in_flight.pop(future)
                self._tally(result, batch, connection_id, *future.result())
        for batch in batches:
            result.released += release(engine, batch)

    @staticmethod
    def _tally(
        result: SweepResult, batch: Batch, connection_id: str, outcome: str, failure: str
    ) -> None:
        if outcome == "released":
            batch.unprocessed.append(connection_id)
        elif outcome == "failed":
            result.failures[failure] += 1
        else:
            result.outcomes[outcome] += 1

    def _may_call(self) -> bool:
        """False once stopping, or while fsckmsft asked this process (or the app) to wait."""
        return not (
            self.stop.is_set()
            or self.gate.is_closed()
            or self.services.token_service.client_rejection.is_paused()
        )

    def _refresh_one(self, connection_id: str) -> tuple[str, str]:
        if not self._may_call():
            return "released", ""
        try:
            token = self.services.token_service.refresh(
                connection_id, reason="refresher", fall_back_to_valid_token=False
            )
        except NeedsReauthorization:
            return "needs_reauth", ""
        except (TokenCallsPaused, CoolingDown):
            return "released", ""  # no call was made; the row is looked at again later
        except RateLimited as error:
            # One 429 pauses the whole process, not just this connection.
            self.gate.close_for(timedelta(seconds=error.retry_after), "rate_limited")
            return "failed", "rate_limited"
        except InvalidClient:
            return "failed", "invalid_client"  # the token service paused calls and alerted
        except TokenEndpointError as error:
            return "failed", error.error
        except Exception:  # a bug or a database hiccup: count it, keep serving the others
            log.exception("connection %s: unexpected error while refreshing", connection_id)
            return "failed", "internal"
        return ("refreshed" if token.refreshed else "not_needed"), ""

    def _record(self, result: SweepResult) -> None:
        log.info(result.summary())
        engine = self.services.token_service.engine
        with write_transaction(engine) as connection:
            connection.execute(
                insert(RefresherSweep).values(
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
        prune_sweeps(engine, started_before=result.started_at - self.settings.sweep_retention)
        duration = (result.finished_at or result.started_at) - result.started_at
        sweep_finished.send(self, seconds=duration.total_seconds(), result=result)

    # -- the loop ----------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Sweep until stopped; with `once`, until the due work is done. Exit status 1 if
        anything failed (with `once`)."""
        self._stop_on_signals()
        failed = False
        while True:
            try:
                result = self.sweep()
            except Exception:  # e.g. the database restarting: log, back off, carry on
                log.exception("refresher sweep failed")
                if once:
                    return 1
                result = SweepResult(started_at=self.services.clock.now())
                result.failures["internal"] += 1
            failed = failed or bool(result.failed)
            pause = self._pause_after(result)
            if once and (pause or self.stop.is_set()):
                return 1 if failed or self._credentials_refused() else 0
            if self.stop.wait(pause):
                log.info("refresher stopped cleanly")
                return 0

    def _credentials_refused(self) -> bool:
        return self.services.token_service.client_rejection.is_paused()

    def _pause_after(self, result: SweepResult) -> float:
        """No pause while due work is left and all goes well; else the interval with
        jitter, growing exponentially while the platform is failing."""
        transient = sum(n for reason, n in result.failures.items() if reason in TRANSIENT_REASONS)
        self._transient_streak = self._transient_streak + 1 if transient else 0
        if self.gate.is_closed():  # fsckmsft said how long: wait that, not the interval
            return self.gate.seconds_left() * random.uniform(1.0, 1.2)  # noqa: S311
        if result.more_due and not self._transient_streak and self._may_call():
            return 0.0
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
