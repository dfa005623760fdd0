"""The sandbox's in-process state that is not in the database: clock, faults, log, write lock."""

import threading
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.pool import PoolProxiedConnection

from .clock import SandboxClock
from .config import BASIC_AUTH_METHOD, CLIENT_AUTH_METHOD, DOCUMENTED_SCOPES, SCOPES
from .faults import FaultBook
from .requestlog import RequestLog
from .settings import PROFILES, Settings


@dataclass
class SandboxState:
    """One per sandbox app; `reset` puts every part back to its start."""

    seed_app: dict[str, object] | None = None
    # The settings the sandbox started with (a reset returns to them) and those in force.
    start_settings: Settings = PROFILES["strict"]
    settings: Settings = PROFILES["strict"]
    clock: SandboxClock = field(default_factory=SandboxClock)
    faults: FaultBook = field(default_factory=FaultBook)
    log: RequestLog = field(default_factory=RequestLog)
    # SQLite takes one writer at a time; serialising writers in the process turns what would
    # be "database is locked" errors into a short wait, and makes "a refresh token works once"
    # hold under concurrent use.
    write_lock: threading.RLock = field(default_factory=threading.RLock)
    # The token endpoint's own connection, opened at its first request (oauth/connection.py).
    token_connection: PoolProxiedConnection | None = None


def current_state() -> SandboxState:
    """The state of the sandbox app handling the current request."""
    return current_app.extensions["sandbox"]


def current_settings() -> Settings:
    """The reading of the documentation the sandbox plays right now."""
    return current_state().settings


def extension_on(name: str) -> bool:
    return name in current_state().settings.extensions


def scopes_in_force() -> dict[str, str]:
    """The scope catalogue: the documented scopes, plus the extension's when it is on."""
    if extension_on("extra_scopes"):
        return dict(SCOPES)
    return dict(DOCUMENTED_SCOPES)


def accepted_client_auth_methods() -> tuple[str, ...]:
    """The form body (documented), and HTTP Basic when the `client_auth` switch allows it."""
    if current_settings().client_auth == "body_or_basic":
        return (CLIENT_AUTH_METHOD, BASIC_AUTH_METHOD)
    return (CLIENT_AUTH_METHOD,)


def sandbox_now() -> float:
    """Sandbox time in epoch seconds: every expiry follows it."""
    return current_state().clock.now()
