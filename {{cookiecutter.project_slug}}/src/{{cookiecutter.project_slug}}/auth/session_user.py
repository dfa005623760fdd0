"""Who is signed in: the fsckmsft user and the connections this browser may use.

The app has no passwords of its own: connecting with fsckmsft is signing in. The signed
session cookie holds only ids, never a token.
"""

from __future__ import annotations

from flask import session

MAX_CONNECTIONS_IN_SESSION = 20


def connection_ids() -> list[str]:
    ids = session.get("connection_ids", [])
    return [str(item) for item in ids] if isinstance(ids, list) else []


def signed_in_user_id() -> str | None:
    user_id = session.get("user_id")
    return user_id if isinstance(user_id, str) else None


def start_session(*, user_id: str, username: str, connection_id: str, browser_id: str) -> None:
    """Renew the session at login: nothing an attacker planted before survives (fixation).

    Only the browser id survives: it binds pending logins to this browser and grants nothing.
    """
    kept = connection_ids() if signed_in_user_id() == user_id else []
    session.clear()
    session.permanent = True
    session["user_id"] = user_id
    session["username"] = username
    session["browser_id"] = browser_id
    ids = [connection_id] + [item for item in kept if item != connection_id]
    session["connection_ids"] = ids[:MAX_CONNECTIONS_IN_SESSION]


def forget_connection(connection_id: str) -> None:
    session["connection_ids"] = [item for item in connection_ids() if item != connection_id]
