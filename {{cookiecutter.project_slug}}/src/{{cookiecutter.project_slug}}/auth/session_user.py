"""Who is signed in: the connections this browser may use, and the user where known.

The app has no passwords of its own: connecting with fsckmsft is signing in. The platform
documents no way to learn who approved, so a connection belongs to the browser that made
it: its id is kept in this browser's signed session cookie, which holds only ids, never a
token. Where an identity source is configured the fsckmsft user is known too.
"""

from __future__ import annotations

from flask import session

from ..fsckmsft.identity import Identity

MAX_CONNECTIONS_IN_SESSION = 20


def connection_ids() -> list[str]:
    ids = session.get("connection_ids", [])
    return [str(item) for item in ids] if isinstance(ids, list) else []


def signed_in_user_id() -> str | None:
    user_id = session.get("user_id")
    return user_id if isinstance(user_id, str) else None


def start_session(*, identity: Identity | None, connection_id: str, browser_id: str) -> None:
    """Renew the session at login: nothing an attacker planted before survives (fixation).

    Only the browser id and this browser's connections survive. The connections are
    dropped when an identity source says another fsckmsft user just signed in here.
    Without one the browser is the owner: its earlier connections stay.
    """
    other_user = identity is not None and signed_in_user_id() not in (None, identity.user_id)
    kept = [] if other_user else connection_ids()
    session.clear()
    session.permanent = True
    if identity is not None:
        session["user_id"] = identity.user_id
        session["username"] = identity.username
    session["browser_id"] = browser_id
    ids = [connection_id] + [item for item in kept if item != connection_id]
    session["connection_ids"] = ids[:MAX_CONNECTIONS_IN_SESSION]


def forget_connection(connection_id: str) -> None:
    session["connection_ids"] = [item for item in connection_ids() if item != connection_id]
