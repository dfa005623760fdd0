"""The sandbox's in-process state that is not in the database: clock, faults, log, write lock."""

import threading
from dataclasses import dataclass, field

from flask import current_app

from .clock import SandboxClock
from .faults import FaultBook
from .requestlog import RequestLog


@dataclass
class SandboxState:
    """One per sandbox app; `reset` puts every part back to its start."""

    seed_app: dict[str, object] | None = None
    clock: SandboxClock = field(default_factory=SandboxClock)
    faults: FaultBook = field(default_factory=FaultBook)
    log: RequestLog = field(default_factory=RequestLog)
    # SQLite takes one writer at a time; serialising writers in the process turns what would
    # be "database is locked" errors into a short wait, and makes "a refresh token works once"
    # hold under concurrent use.
    write_lock: threading.RLock = field(default_factory=threading.RLock)


def current_state() -> SandboxState:
    """The state of the sandbox app handling the current request."""
    return current_app.extensions["sandbox"]


def sandbox_now() -> float:
    """Sandbox time in epoch seconds: every expiry follows it."""
    return current_state().clock.now()
