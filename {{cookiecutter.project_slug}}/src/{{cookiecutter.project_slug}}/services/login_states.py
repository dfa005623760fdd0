"""Server-side `state` for the authorization request.

The rules, and the attack each stops:
- 256 random bits: an attacker cannot guess a valid state.
- bound to the browser that started the login: a state lifted from one browser is
  useless in another, so an attacker cannot log a victim into the attacker's account
  (login CSRF);
- single-use: a replayed callback URL (from history, logs, a Referer) fails;
- expires after 10 minutes: a stale link cannot be used later;
- one row per login: parallel logins in several tabs each keep their own state, and
  the session cookie holds only the browser id, so it never grows.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.orm import Session

from ..models import LoginState
from ..tokens.cipher import TokenCipher

STATE_LIFETIME = timedelta(minutes=10)
STATE_BYTES = 32


@dataclass(frozen=True)
class PendingLogin:
    code_verifier: str | None
    next_path: str
    renews: str | None = None  # the connection of this browser the login renews


class InvalidState(Exception):
    """The callback's state is missing, unknown, expired, used, or from another browser."""


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def new_browser_id() -> str:
    return secrets.token_urlsafe(24)


class LoginStateStore:
    def __init__(self, session: Session, cipher: TokenCipher) -> None:
        self.session = session
        self.cipher = cipher

    def start(
        self,
        *,
        browser_id: str,
        code_verifier: str | None,
        next_path: str,
        now: datetime,
        renews: str | None = None,
    ) -> str:
        """Create and remember a fresh state; returns the value to send to fsckmsft."""
        self.session.execute(delete(LoginState).where(LoginState.expires_at < now))
        state = secrets.token_urlsafe(STATE_BYTES)
        state_hash = _hash(state)
        self.session.add(
            LoginState(
                state_hash=state_hash,
                browser_id=browser_id,
                code_verifier_ciphertext=(
                    self.cipher.encrypt(code_verifier, associated_data=f"login_states/{state_hash}")
                    if code_verifier
                    else None
                ),
                next_path=next_path,
                renews_connection_id=renews,
                expires_at=now + STATE_LIFETIME,
            )
        )
        self.session.commit()
        return state

    def hand_over(self, *, from_browser: str, to_browser: str, now: datetime) -> None:
        """Move this browser's other logins to its new browser id (set at login).

        The new id makes a browser id planted before login worthless; the logins still
        open in other tabs of the same browser can finish all the same, and a spent state
        is still recognised as this browser's (a reload of the callback).
        """
        # A transaction of its own: on SQLite, a read snapshot taken before another
        # connection committed (the connection just saved) cannot become a write.
        self.session.commit()
        self.session.execute(
            update(LoginState)
            .where(LoginState.browser_id == from_browser, LoginState.expires_at > now)
            .values(browser_id=to_browser)
        )
        self.session.commit()

    def consume(self, *, state: str | None, browser_id: str | None, now: datetime) -> PendingLogin:
        """Use up the state exactly once, or raise InvalidState."""
        if not state or not browser_id or len(state) > 200:
            raise InvalidState("missing state")
        state_hash = _hash(state)
        # One atomic UPDATE decides: of two concurrent callbacks with the same state,
        # exactly one sees rowcount 1. (An UPDATE answers a CursorResult, which has the
        # rowcount; Session.execute's typing only promises a Result.)
        claimed = cast(
            "CursorResult[Any]",
            self.session.execute(
                update(LoginState)
                .where(
                    LoginState.state_hash == state_hash,
                    LoginState.browser_id == browser_id,
                    LoginState.used_at.is_(None),
                    LoginState.expires_at > now,
                )
                .values(used_at=now)
            ),
        )
        self.session.commit()
        if claimed.rowcount != 1:
            raise InvalidState("unknown, expired, reused or foreign state")
        row = self.session.get(LoginState, state_hash)
        assert row is not None
        verifier = (
            self.cipher.decrypt(
                row.code_verifier_ciphertext, associated_data=f"login_states/{state_hash}"
            )
            if row.code_verifier_ciphertext
            else None
        )
        return PendingLogin(
            code_verifier=verifier, next_path=row.next_path, renews=row.renews_connection_id
        )

    def spent_here(self, *, state: str | None, browser_id: str | None) -> bool:
        """Whether this browser already used this state: a reloaded or replayed callback."""
        if not state or not browser_id or len(state) > 200:
            return False
        row = self.session.get(LoginState, _hash(state))
        return row is not None and row.browser_id == browser_id and row.used_at is not None
