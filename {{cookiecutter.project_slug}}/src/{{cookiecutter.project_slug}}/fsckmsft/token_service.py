"""The one refresh path.

Every refresh — lazy before an API call, after a 401, or from the background refresher —
goes through `TokenService.refresh()`. Refresh tokens work once: if two workers used the
same one, the loser would get `invalid_grant` and the user would lose the authorization.
So a refresh takes a lease on the connection row in one short transaction, re-reads it,
calls fsckmsft only if still needed (holding no transaction and no pooled connection
meanwhile), and stores the outcome — both new tokens, or a verdict — in a second short
transaction that also gives the lease back (see refresh_lock.py).

Every answer of the token endpoint has an outcome:
- `invalid_grant`, `invalid_scope`: the user must connect again (needs_reauth); no
  further token calls for that connection.
- `invalid_client`, `unauthorized_client`: the operator must act. Token calls pause for
  the whole process, page views included, and one operator alert is logged.
- 429 (with or without Retry-After), 5xx, timeouts, unreadable answers: the connection
  cools down; page views and the refresher both wait it out.
A stored token that no longer decrypts is that connection's problem only: it needs
re-authorization, and an operator log line names the row.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from ..database import write_transaction
from ..events.flow import record
from ..events.signals import connection_needs_reauth, connection_recovered, refresh_failed
from ..models import Connection, ConnectionStatus
from ..tokens.cipher import DecryptionError, TokenCipher, token_associated_data
from .errors import (
    CoolingDown,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    NeedsReauthorization,
    OutcomeUnknown,
    RateLimited,
    TokenCallsPaused,
    TokenEndpointError,
)
from .pause import ClientRejection
from .refresh_lock import Claim, ConnectionLocks, TokenRow, lease_for, read_row
from .token_endpoint import TokenEndpoint
from .token_response import TokenSet

log = logging.getLogger(__name__)

REFRESH_TOKEN_IDLE_LIMIT = timedelta(days=90)  # the platform's documented limit
UNDECRYPTABLE = "undecryptable_token"


class StoredTokens(Protocol):
    """A connection as the token service reads it: an ORM row or a TokenRow snapshot."""

    # Read-only (properties): a frozen TokenRow fits as well as a mapped column does.
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def access_token_ciphertext(self) -> str | None: ...

    def granted_scopes(self) -> frozenset[str]: ...


@dataclass(frozen=True)
class RefreshPolicy:
    leeway: timedelta = timedelta(seconds=120)  # refresh this long before expiry
    refresher_window: timedelta = timedelta(minutes=5)  # the refresher's look-ahead
    keepalive_after: timedelta = timedelta(days=80)  # refresh idle tokens well before day 90
    # REFRESHER_MODE=keepalive: the refresher only keeps refresh tokens alive; access
    # tokens are refreshed when they are used (see docs/scaling.md).
    keepalive_only: bool = False
    cooldown_base: timedelta = timedelta(seconds=30)
    cooldown_max: timedelta = timedelta(hours=1)
    # After invalid_client, no token call for this long (then one call tries again).
    client_rejected_pause: timedelta = timedelta(minutes=10)


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
        # Threads of one process queue per connection before taking the row's lease.
        self._locks = ConnectionLocks()
        self._lease = lease_for(engine, endpoint.timeout)
        self.client_rejection = ClientRejection(now, self.policy.client_rejected_pause)

    # -- reading ---------------------------------------------------------------

    def access_token(self, connection_id: str, row: StoredTokens | None = None) -> AccessToken:
        """A usable access token, refreshed first if it expires within the leeway.

        `row` is the connection if the caller already loaded it (the dashboard has): the
        common case, a fresh token, then costs one decryption and no database read.
        """
        current: Any = row if row is not None else read_row(self.engine, connection_id)
        if current is None or current.status != ConnectionStatus.ACTIVE:
            raise NeedsReauthorization("connection is not active")
        if current.access_expires_at - self.policy.leeway > self.now():
            return self._decrypt_access(current)
        return self.refresh(connection_id, reason="expiring")

    def _decrypt_access(self, connection: StoredTokens) -> AccessToken:
        value = self._decrypt(connection, "access_token")
        return AccessToken(value, connection.version, connection.granted_scopes())

    def _decrypt(self, connection: StoredTokens, column: str) -> str:
        """Decrypt one stored token; one that does not decrypt ends this connection only."""
        envelope = getattr(connection, f"{column}_ciphertext")
        try:
            if envelope is None:
                raise DecryptionError("no stored token")
            return self.cipher.decrypt(
                envelope, associated_data=token_associated_data(connection.id, column)
            )
        except DecryptionError as error:
            mark_undecryptable(self.engine, connection.id, column, str(error))
            raise NeedsReauthorization(UNDECRYPTABLE) from None

    # -- writing ---------------------------------------------------------------

    def token_values(self, connection_id: str, tokens: TokenSet) -> dict[str, Any]:
        """The columns a fresh token set writes: both tokens encrypted, the next due time."""
        now = self.now()
        return {
            "access_token_ciphertext": self.cipher.encrypt(
                tokens.access_token,
                associated_data=token_associated_data(connection_id, "access_token"),
            ),
            "refresh_token_ciphertext": self.cipher.encrypt(
                tokens.refresh_token,
                associated_data=token_associated_data(connection_id, "refresh_token"),
            ),
            "scopes": " ".join(sorted(tokens.scopes)),
            "access_expires_at": tokens.access_expires_at,
            "refresh_issued_at": now,
            "refresh_due_at": self._next_due(tokens.access_expires_at, now),
            "refresh_failures": 0,
            "cooldown_until": None,
            "last_error": None,
            "status": ConnectionStatus.ACTIVE,
        }

    def _next_due(self, access_expires_at: datetime, refresh_issued_at: datetime) -> datetime:
        """When the refresher should look at a connection holding these tokens."""
        keepalive = refresh_issued_at + self.policy.keepalive_after
        if self.policy.keepalive_only:
            return keepalive
        return min(access_expires_at - self.policy.refresher_window, keepalive)

    def store_tokens(self, session: Session, connection: Connection, tokens: TokenSet) -> None:
        """Encrypt and store both tokens of a fresh token set on a row (the login path)."""
        values = self.token_values(connection.id, tokens)
        for name, value in values.items():
            setattr(connection, name, value)
        connection.version = (connection.version or 0) + 1
        session.add(connection)
        self._record_stored(connection.id, values)

    @staticmethod
    def _record_stored(connection_id: str, values: dict[str, Any]) -> None:
        record(
            "tokens_stored",
            connection_id=connection_id,
            access_token_ciphertext=values["access_token_ciphertext"],
            refresh_token_ciphertext=values["refresh_token_ciphertext"],
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
        that failed (another worker may have replaced it while we waited for the lease).
        On a transient failure, a caller that only needs a working token gets the old one
        while it is still valid; the refresher (fall_back_to_valid_token=False) gets the error.
        """
        # After a 401 the old token has failed: there is nothing to fall back to.
        fall_back = fall_back_to_valid_token and failed_version is None
        with self._locks.hold(connection_id), self._lease.hold(connection_id) as claim:
            row = claim.row
            if row is None or row.status != ConnectionStatus.ACTIVE:
                raise NeedsReauthorization("connection is not active")
            if not self._still_needs_refresh(row, reason, failed_version):
                if reason == "refresher":
                    self._reschedule(claim, row)
                return self._decrypt_access(row)
            if fall_back and row.access_expires_at > self.now() and self._must_wait(row, reason):
                return self._decrypt_access(row)  # no call now; the old token still works
            cooldown_left = self._cooldown_left(row, reason)
            if cooldown_left is not None:
                raise CoolingDown(cooldown_left, row.last_error or "")
            if self.client_rejection.is_paused():
                raise TokenCallsPaused("invalid_client", "token calls are paused")
            return self._refresh_claimed(claim, row, reason, fall_back)

    def _must_wait(self, row: TokenRow, reason: str) -> bool:
        """True while no token call may be made for this row (its cool-down, or a pause)."""
        return self._cooldown_left(row, reason) is not None or self.client_rejection.is_paused()

    def _still_needs_refresh(self, row: TokenRow, reason: str, failed_version: int | None) -> bool:
        now = self.now()
        if failed_version is not None:
            return row.version == failed_version
        if reason == "manual":
            return True
        if reason == "refresher":
            # Judged on the tokens, not on refresh_due_at (which holds the refresher's lease).
            return self._next_due(row.access_expires_at, row.refresh_issued_at) <= now
        return row.access_expires_at - self.policy.leeway <= now

    def _reschedule(self, claim: Claim, row: TokenRow) -> None:
        """Not due after all (refreshed meanwhile, or the mode changed): set when it is, or
        the refresher would claim it again each time its claim runs out."""
        due = self._next_due(row.access_expires_at, row.refresh_issued_at)
        self._lease.store_if_unchanged(claim, {"refresh_due_at": due})

    def _cooldown_left(self, row: TokenRow, reason: str) -> float | None:
        """Seconds of cool-down left, if any. An operator's manual refresh ignores it."""
        if reason == "manual" or row.cooldown_until is None:
            return None
        left = (row.cooldown_until - self.now()).total_seconds()
        return left if left > 0 else None

    def _refresh_claimed(
        self, claim: Claim, row: TokenRow, reason: str, fall_back: bool
    ) -> AccessToken:
        if self.now() >= row.refresh_issued_at + REFRESH_TOKEN_IDLE_LIMIT:
            # The platform would refuse it anyway: do not spend a call to learn that.
            return self._needs_reauth(claim, row, "refresh_token_idle_90_days")
        refresh_token = self._decrypt(row, "refresh_token")
        try:
            tokens = self._refresh_with_one_retry(refresh_token, row.granted_scopes())
        except (InvalidGrant, InvalidScope) as error:
            return self._needs_reauth(claim, row, error.error)
        except InvalidClient as error:
            self._client_rejected(error)
            if fall_back and row.access_expires_at > self.now():
                return self._decrypt_access(row)  # the old token still works meanwhile
            raise
        except TokenEndpointError as error:  # 429, 5xx, timeouts, unreadable answers
            newer = self._lease.store_if_unchanged(claim, self._cooldown_values(row, error))
            if newer is not None:
                return self._usable(newer)  # another worker refreshed meanwhile
            log.warning("refresh of connection %s failed: %s", row.id, error.error)
            refresh_failed.send(self, connection_id=row.id, reason=error.error)
            if fall_back and row.access_expires_at > self.now():
                return self._decrypt_access(row)  # the old token still works
            raise
        self.client_rejection.accepted()
        return self._store_refreshed(claim, row, tokens, reason)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """The callback's code exchange, under the same invalid_client pause and once-only
        operator alert as refreshes: the client credentials are the same, so is a refusal.

        Never retried (a code is single-use); while token calls are paused the code is not
        sent at all (TokenCallsPaused, an InvalidClient)."""
        if self.client_rejection.is_paused():
            raise TokenCallsPaused("invalid_client", "token calls are paused")
        try:
            tokens = self.endpoint.exchange_code(
                code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
            )
        except InvalidClient as error:
            self._client_rejected(error)
            raise
        self.client_rejection.accepted()
        return tokens

    def _refresh_with_one_retry(self, refresh_token: str, scopes: frozenset[str]) -> TokenSet:
        try:
            return self.endpoint.refresh(refresh_token, granted_scopes=scopes)
        except OutcomeUnknown:
            # The platform may have rotated the token and lost the answer. Asking again
            # with the same token settles it: a new token set, or invalid_grant.
            log.warning("refresh outcome unknown; retrying once with the same refresh token")
            return self.endpoint.refresh(refresh_token, granted_scopes=scopes)

    def _client_rejected(self, error: TokenEndpointError) -> None:
        if self.client_rejection.reject():
            log.critical(
                "OPERATOR ALERT: fsckmsft refused the app's client credentials (%s). Token "
                "calls are paused for %s, page views included; users are told the "
                "integration is unavailable. Check FSCKMSFT_CLIENT_ID/FSCKMSFT_CLIENT_SECRET "
                "(was the secret rotated, or the app deleted?).",
                error.error,
                self.policy.client_rejected_pause,
            )

    def _store_refreshed(
        self, claim: Claim, row: TokenRow, tokens: TokenSet, reason: str
    ) -> AccessToken:
        """Store a successful refresh. Its tokens are the only live ones (the old refresh
        token is spent), so they are stored even over a failure another worker recorded —
        unless the user disconnected meanwhile: then their wish wins and they are dropped."""
        values = self.token_values(row.id, tokens)
        version = self._lease.store(claim, values)
        if version is None:
            raise NeedsReauthorization("disconnected while refreshing")
        self._record_stored(row.id, values)
        log.debug("refreshed connection %s (%s)", row.id, reason)  # sweeps log a summary
        record("refreshed", connection_id=row.id, reason=reason)
        if row.refresh_failures > 0:
            connection_recovered.send(self, connection_id=row.id)
        return AccessToken(tokens.access_token, version, tokens.scopes, refreshed=True)

    def _usable(self, row: TokenRow) -> AccessToken:
        if row.status != ConnectionStatus.ACTIVE:
            raise NeedsReauthorization("connection is not active")
        return self._decrypt_access(row)

    def _needs_reauth(self, claim: Claim, row: TokenRow, reason: str) -> AccessToken:
        """Mark the connection as needing the user again; raises NeedsReauthorization."""
        verdict = {
            "status": ConnectionStatus.NEEDS_REAUTH,
            "last_error": reason,
            "version": Connection.version + 1,
        }
        newer = self._lease.store_if_unchanged(claim, verdict)
        if newer is not None:
            return self._usable(newer)
        log.warning("connection %s needs re-authorization (%s)", row.id, reason)
        connection_needs_reauth.send(
            self, connection_id=row.id, workspace_name=row.workspace_name, reason=reason
        )
        raise NeedsReauthorization(reason)

    def _cooldown_values(self, row: TokenRow, error: TokenEndpointError) -> dict[str, Any]:
        failures = row.refresh_failures + 1
        until = self.now() + self._cooldown(failures, error)
        # The refresher looks again when the cool-down ends, not before.
        return {
            "refresh_failures": failures,
            "last_error": error.error,
            "cooldown_until": until,
            "refresh_due_at": until,
        }

    def _cooldown(self, failures: int, error: TokenEndpointError) -> timedelta:
        if isinstance(error, RateLimited):
            return timedelta(seconds=error.retry_after)
        base = self.policy.cooldown_base * (2 ** min(failures - 1, 16))
        capped = min(base, self.policy.cooldown_max)
        return capped * random.uniform(0.5, 1.0)  # noqa: S311 (timing jitter, not a secret)


def mark_undecryptable(engine: Engine, connection_id: str, column: str, why: str) -> None:
    """A stored token that does not decrypt: that connection needs the user again.

    The ciphertext is kept (a key restored to the ring would read it again); the row is
    named in an operator log line, the token never is.
    """
    log.error(
        "OPERATOR: connection %s: stored %s does not decrypt (%s); the connection needs "
        "re-authorization. Is a key missing from TOKEN_ENCRYPTION_KEYS?",
        connection_id,
        column,
        why,
    )
    with write_transaction(engine) as connection:
        connection.execute(
            update(Connection)
            .where(Connection.id == connection_id, Connection.status == ConnectionStatus.ACTIVE)
            .values(
                status=ConnectionStatus.NEEDS_REAUTH,
                last_error=UNDECRYPTABLE,
                version=Connection.version + 1,
            )
        )
