"""The one refresh path.

Every refresh — lazy before an API call, after a 401, or from the background refresher —
goes through `TokenService.refresh()`. Refresh tokens work once: if two workers used the
same one, the loser would get `invalid_grant` and the user would lose the authorization.
So a refresh locks the connection row, re-reads it, refreshes only if still needed, and
stores both new tokens in the same transaction before the lock is released.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..events.flow import record
from ..events.signals import connection_needs_reauth, connection_recovered, refresh_failed
from ..models import Connection, ConnectionStatus
from ..tokens.cipher import TokenCipher, token_associated_data
from .errors import (
    InvalidGrant,
    NeedsReauthorization,
    OutcomeUnknown,
    PlatformUnavailable,
    RateLimited,
    TokenEndpointError,
)
from .refresh_lock import Change, LockedRow, refresh_lock_for
from .token_endpoint import TokenEndpoint
from .token_response import TokenSet

log = logging.getLogger(__name__)

REFRESH_TOKEN_IDLE_LIMIT = timedelta(days=90)  # the platform's documented limit
LOCK_STRIPES = 64


@dataclass(frozen=True)
class RefreshPolicy:
    leeway: timedelta = timedelta(seconds=120)  # refresh this long before expiry
    refresher_window: timedelta = timedelta(minutes=5)  # the refresher's look-ahead
    keepalive_after: timedelta = timedelta(days=80)  # refresh idle tokens well before day 90
    cooldown_base: timedelta = timedelta(seconds=30)
    cooldown_max: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    version: int  # the row version it came from: lets a 401 say "this token failed"
    scopes: frozenset[str]
    refreshed: bool = False  # True when this call refreshed it


class TokenService:
    def __init__(
        self,
        *,
        engine: Engine,
        cipher: TokenCipher,
        endpoint: TokenEndpoint,
        now: Callable[[], datetime],
        policy: RefreshPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.cipher = cipher
        self.endpoint = endpoint
        self.now = now
        self.policy = policy or RefreshPolicy()
        # Threads of one process queue here before touching the database lock.
        self._stripes = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self._lock = refresh_lock_for(engine, endpoint.timeout)

    # -- reading ---------------------------------------------------------------

    def access_token(self, connection_id: str, row: Connection | None = None) -> AccessToken:
        """A usable access token, refreshed first if it expires within the leeway.

        `row` is the connection if the caller already loaded it (the dashboard has): the
        common case, a fresh token, then costs one decryption and no database read.
        """
        if row is None:
            with Session(bind=self.engine, expire_on_commit=False) as session:
                row = session.get(Connection, connection_id)
        if row is None or row.status != ConnectionStatus.ACTIVE:
            raise NeedsReauthorization("connection is not active")
        if row.access_expires_at - self.policy.leeway > self.now():
            return self._decrypt_access(row)
        return self.refresh(connection_id, reason="expiring")

    def _decrypt_access(self, connection: Connection) -> AccessToken:
        assert connection.access_token_ciphertext is not None
        value = self.cipher.decrypt(
            connection.access_token_ciphertext,
            associated_data=token_associated_data(connection.id, "access_token"),
        )
        return AccessToken(value, connection.version, connection.granted_scopes())

    # -- writing ---------------------------------------------------------------

    def store_tokens(self, session: Session, connection: Connection, tokens: TokenSet) -> None:
        """Encrypt and store both tokens of a fresh token set on the (locked) row."""
        now = self.now()
        connection.access_token_ciphertext = self.cipher.encrypt(
            tokens.access_token,
            associated_data=token_associated_data(connection.id, "access_token"),
        )
        connection.refresh_token_ciphertext = self.cipher.encrypt(
            tokens.refresh_token,
            associated_data=token_associated_data(connection.id, "refresh_token"),
        )
        connection.scopes = " ".join(sorted(tokens.scopes))
        connection.access_expires_at = tokens.access_expires_at
        connection.refresh_issued_at = now
        connection.refresh_due_at = min(
            tokens.access_expires_at - self.policy.refresher_window,
            now + self.policy.keepalive_after,
        )
        connection.refresh_failures = 0
        connection.last_error = None
        connection.status = ConnectionStatus.ACTIVE
        connection.version = (connection.version or 0) + 1
        session.add(connection)
        record(
            "tokens_stored",
            connection_id=connection.id,
            access_token_ciphertext=connection.access_token_ciphertext,
            refresh_token_ciphertext=connection.refresh_token_ciphertext,
        )

    def refresh(
        self,
        connection_id: str,
        *,
        reason: str,
        failed_version: int | None = None,
        fall_back_to_valid_token: bool = True,
    ) -> AccessToken:
        """Refresh the connection if it still needs it, and return a usable access token.

        `reason` is "expiring" (lazy, before an API call), "401", "refresher" or "manual".
        `failed_version` is set after a 401: refresh only if the row still holds the token
        that failed (another worker may have replaced it while we waited for the lock).
        On a transient failure, a caller that only needs a working token gets the old one
        while it is still valid; the refresher (fall_back_to_valid_token=False) gets the error.
        """
        stripe = self._stripes[hash(connection_id) % LOCK_STRIPES]
        with stripe, self._lock.hold(connection_id) as locked:
            connection = locked.connection
            if connection is None or connection.status != ConnectionStatus.ACTIVE:
                raise NeedsReauthorization("connection is not active")
            if not self._still_needs_refresh(connection, reason, failed_version):
                return self._decrypt_access(connection)
            return self._refresh_locked(locked, connection, reason, fall_back_to_valid_token)

    def _still_needs_refresh(
        self, connection: Connection, reason: str, failed_version: int | None
    ) -> bool:
        now = self.now()
        if failed_version is not None:
            return connection.version == failed_version
        if reason == "manual":
            return True
        if reason == "refresher":
            # Judged on the tokens, not on refresh_due_at (which holds the refresher's lease).
            return (
                connection.access_expires_at - self.policy.refresher_window <= now
                or connection.refresh_issued_at + self.policy.keepalive_after <= now
            )
        return connection.access_expires_at - self.policy.leeway <= now

    def _refresh_locked(
        self, locked: LockedRow, connection: Connection, reason: str, fall_back: bool
    ) -> AccessToken:
        if self.now() >= connection.refresh_issued_at + REFRESH_TOKEN_IDLE_LIMIT:
            # The platform would refuse it anyway: do not spend a call to learn that.
            return self._needs_reauth(locked, connection, "refresh_token_idle_90_days")
        assert connection.refresh_token_ciphertext is not None
        refresh_token = self.cipher.decrypt(
            connection.refresh_token_ciphertext,
            associated_data=token_associated_data(connection.id, "refresh_token"),
        )
        try:
            tokens = self._refresh_with_one_retry(refresh_token, connection.granted_scopes())
        except InvalidGrant:
            return self._needs_reauth(locked, connection, "invalid_grant")
        except (PlatformUnavailable, RateLimited, OutcomeUnknown) as error:
            newer = self._write_if_unchanged(locked, connection, self._cool_down(error))
            if newer is not None:
                return self._usable(newer)  # another worker refreshed meanwhile
            log.warning("refresh of connection %s failed: %s", connection.id, error.error)
            refresh_failed.send(self, connection_id=connection.id, reason=error.error)
            if fall_back and connection.access_expires_at > self.now():
                return self._decrypt_access(connection)  # the old token still works
            raise
        return self._store_refreshed(locked, connection, tokens, reason)

    def _refresh_with_one_retry(self, refresh_token: str, scopes: frozenset[str]) -> TokenSet:
        try:
            return self.endpoint.refresh(refresh_token, granted_scopes=scopes)
        except OutcomeUnknown:
            # The platform may have rotated the token and lost the answer. Asking again
            # with the same token settles it: a new token set, or invalid_grant.
            log.warning("refresh outcome unknown; retrying once with the same refresh token")
            return self.endpoint.refresh(refresh_token, granted_scopes=scopes)

    def _store_refreshed(
        self, locked: LockedRow, connection: Connection, tokens: TokenSet, reason: str
    ) -> AccessToken:
        """Store a successful refresh. Its tokens are the only live ones (the old refresh
        token is spent), so they are stored even over a failure another worker recorded —
        unless the user disconnected meanwhile: then their wish wins and they are dropped."""
        stored: list[Connection] = []

        def store(session: Session, row: Connection) -> None:
            if row.status != ConnectionStatus.REVOKED:
                self.store_tokens(session, row, tokens)
                stored.append(row)

        locked.write(store)
        if not stored:
            raise NeedsReauthorization("disconnected while refreshing")
        log.info("refreshed connection %s (%s)", connection.id, reason)
        record("refreshed", connection_id=connection.id, reason=reason)
        if connection.refresh_failures > 0:
            connection_recovered.send(self, connection_id=connection.id)
        return AccessToken(tokens.access_token, stored[0].version, tokens.scopes, refreshed=True)

    def _write_if_unchanged(
        self, locked: LockedRow, connection: Connection, change: Change
    ) -> Connection | None:
        """Apply a failure verdict only if nobody stored new tokens since `connection` was
        read (a slow worker must not condemn tokens a faster one just stored); answers the
        newer row when somebody did."""
        newer: list[Connection] = []

        def guarded(session: Session, row: Connection) -> None:
            if row.version != connection.version:
                newer.append(row)
            else:
                change(session, row)

        locked.write(guarded)
        return newer[0] if newer else None

    def _usable(self, row: Connection) -> AccessToken:
        if row.status != ConnectionStatus.ACTIVE:
            raise NeedsReauthorization("connection is not active")
        return self._decrypt_access(row)

    def _needs_reauth(self, locked: LockedRow, connection: Connection, reason: str) -> AccessToken:
        """Mark the connection as needing the user again; raises NeedsReauthorization."""

        def mark(session: Session, row: Connection) -> None:
            row.status = ConnectionStatus.NEEDS_REAUTH
            row.last_error = reason
            row.version += 1

        newer = self._write_if_unchanged(locked, connection, mark)
        if newer is not None:
            return self._usable(newer)
        log.warning("connection %s needs re-authorization (%s)", connection.id, reason)
        connection_needs_reauth.send(
            self,
            connection_id=connection.id,
            workspace_name=connection.workspace_name,
            reason=reason,
        )
        raise NeedsReauthorization(reason)

    def _cool_down(self, error: TokenEndpointError) -> Change:
        def cool_down(session: Session, row: Connection) -> None:
            row.refresh_failures += 1
            row.last_error = error.error
            row.refresh_due_at = self.now() + self._cooldown(row.refresh_failures, error)

        return cool_down

    def _cooldown(self, failures: int, error: TokenEndpointError) -> timedelta:
        if isinstance(error, RateLimited):
            return timedelta(seconds=error.retry_after)
        base = self.policy.cooldown_base * (2 ** min(failures - 1, 16))
        capped = min(base, self.policy.cooldown_max)
        return capped * random.uniform(0.5, 1.0)  # noqa: S311 (timing jitter, not a secret)
