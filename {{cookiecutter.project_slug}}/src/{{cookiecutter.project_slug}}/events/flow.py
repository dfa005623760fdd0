"""Steps of the OAuth flow, announced for whoever listens (the workshop flow inspector).

The platform edge calls `record()` at each step; with no receiver connected (production,
or the inspector left out) it costs one attribute check. Details never carry a whole
token, code or secret: use `preview()` for those.
"""

from __future__ import annotations

from typing import Any

from .signals import flow_step


def preview(secret: str | None, keep: int = 8) -> str:
    """The first few characters of a secret, enough to recognise it, never to use it."""
    if not secret:
        return ""
    return f"{secret[: min(keep, len(secret) // 3)]}…"


def record(step: str, *, connection_id: str | None = None, **details: Any) -> None:
    if flow_step.receivers:
        flow_step.send(step, connection_id=connection_id, details=details)
