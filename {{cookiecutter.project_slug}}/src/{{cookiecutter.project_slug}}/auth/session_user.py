"""Who is signed in: the connections this browser may use, and the user where known.

The app has no passwords of its own: connecting with fsckmsft is signing in. The platform
documents no way to learn who approved, so a connection belongs to the browser that made
it. Where an identity source is configured the fsckmsft user is known too. The signed
session cookie holds only ids, never a token:
- `sid`: the server-side session (services/user_sessions.py) that logout, the absolute
  lifetime and the idle timeout end;
- `connection_ids` and `connection_epochs`: the connections this browser may use, each with
  the session epoch it was granted at; a disconnect or a new authorization of that
  connection bumps its epoch, and the grant is dead from then on, in every browser.

`check_session` runs before every request (before the CSRF check): a session that ended
is cleared whole, its CSRF token with it, so a form posted from a copied cookie fails.
"""

from __future__ import annotations

from flask import request, session

from ..fsckmsft.identity import Identity
from ..services.connections import session_epochs, user_sessions

MAX_CONNECTIONS_IN_SESSION = 20


def _grants() -> list[tuple[str, int]]:
    """[(connection id, epoch granted)], most recent first."""
    ids, epochs = session.get("connection_ids", []), session.get("connection_epochs", {})
    if not isinstance(ids, list) or not isinstance(epochs, dict):
        return []
    return [(str(cid), epochs[cid]) for cid in ids if isinstance(epochs.get(cid), int)]


def _set_grants(grants: list[tuple[str, int]]) -> None:
    session["connection_ids"] = [cid for cid, _ in grants]
    session["connection_epochs"] = dict(grants)


def connection_ids() -> list[str]:
    return [connection_id for connection_id, _ in _grants()]


def signed_in_user_id() -> str | None:
    user_id = session.get("user_id")
    return user_id if isinstance(user_id, str) else None


def check_session() -> None:
    """Drop whatever the server no longer vouches for: an ended session, dead grants."""
    if request.endpoint == "static":
        return
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        if "user_id" in session or "connection_ids" in session:
            session.clear()  # signed before server-side sessions existed: not honoured
        return
    grants = _grants()
    current = user_sessions().check(session_id, [connection_id for connection_id, _ in grants])
    # Logged out, expired or idle too long: a copied cookie lands here.
    if current is None:
        session.clear()
        return
    live = [(cid, epoch) for cid, epoch in grants if current.get(cid) == epoch]
    if len(live) != len(grants):
        _set_grants(live)


def start_session(*, identity: Identity | None, connection_id: str, browser_id: str) -> None:
    """Renew the session at login: nothing an attacker planted before survives (fixation).

    The previous server-side session ends; a new one starts. This browser's connections
    survive, unless an identity source says another fsckmsft user just signed in here
    (without one the browser is the owner: its earlier connections stay). `browser_id` is
    the fresh one the callback chose (this browser's pending logins moved to it).
    """
    other_user = identity is not None and signed_in_user_id() not in (None, identity.user_id)
    kept = [] if other_user else [grant for grant in _grants() if grant[0] != connection_id]
    end_session()
    session.permanent = True
    user_id = identity.user_id if identity is not None else None
    session["sid"] = user_sessions().start(user_id=user_id)
    if identity is not None:
        session["user_id"] = identity.user_id
        session["username"] = identity.username
    session["browser_id"] = browser_id
    epoch = session_epochs([connection_id]).get(connection_id, 0)
    _set_grants([(connection_id, epoch), *kept][:MAX_CONNECTIONS_IN_SESSION])


def end_session() -> None:
    """Logout: the server-side session ends (copies of the cookie with it), the cookie empties."""
    session_id = session.get("sid")
    if isinstance(session_id, str):
        user_sessions().end(session_id)
    session.clear()


def forget_connection(connection_id: str) -> None:
    _set_grants([(cid, epoch) for cid, epoch in _grants() if cid != connection_id])
