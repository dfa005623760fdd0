"""The app's own rule for its redirect URI: the path must end in /callback.

The app serves the callback at one stable route, `GET /callback` (auth/views.py). fsckmsft
sends the browser back to the registered redirect URI exactly as written, so a URI whose path
ends elsewhere (`/oauth/callback/`, `/auth/fsckmsft`) reaches a page nobody serves and every
login fails. A prefix before `/callback` is fine: an app its proxy mounts under a path
(`https://example.org/fsckmsft/callback`, the app told its prefix through SCRIPT_NAME, e.g.
gunicorn started with SCRIPT_NAME=/fsckmsft) still receives the request at its own /callback.

This is not one of the platform's rules (https, exact match, no wildcard: those are
fsckmsft/registration_rules.py, taken from the documentation); the platform accepts any path.
It is kept apart so the two are never mistaken for each other.

Standard library only: the bake-time hook (hooks/pre_gen_project.py) loads this file by its
path before the project exists. Production config validation (config.py, and so the
marketplace check PROD_CONFIG_INVALID) and the marketplace check REDIRECT_NOT_CALLBACK use it.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

#: The route the app serves the callback at (DESIGN: a stable route).
CALLBACK_PATH: Final[str] = "/callback"


def callback_route_problem(uri: str) -> str | None:
    """Why `uri` cannot reach the app's callback route (one sentence's end), or None."""
    try:
        path = urlsplit(uri).path
    except ValueError:
        return None  # not a URL at all: the platform's rules say so
    if path.endswith(CALLBACK_PATH):
        return None
    return (
        f"must have a path ending in {CALLBACK_PATH}, the route the app serves (a prefix "
        "before it is fine, for an app its proxy mounts under a path)"
    )
