"""What each flow step is, who talks to whom, and why it matters.

This is the inspector's script: one entry per step that events.flow.record() announces.
Arrows go between three lanes, the sequence diagram's actors: the user's browser, this
app (its server), and fsckmsft. Labels may name details of the step: `{grant_type}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..events.flow import preview

LANES = ("browser", "app", "fsckmsft")
Arrow = tuple[str, str, str]  # (from lane, to lane, label)


@dataclass(frozen=True)
class Step:
    title: str
    why: str
    arrows: tuple[Arrow, ...]


STEPS: dict[str, Step] = {
    "authorize_redirect": Step(
        "Redirect to the authorization endpoint",
        "The app sends the browser to fsckmsft with its client_id, the exact redirect_uri, "
        "the scopes it needs, a fresh random state, and the PKCE challenge. The app keeps only "
        "a hash of the state and the encrypted verifier, server-side, bound to this browser.",
        (
            ("app", "browser", "302 → /oauth/authorize"),
            ("browser", "fsckmsft", "GET /oauth/authorize (state, code_challenge)"),
            ("fsckmsft", "browser", "consent page: Approve or Deny"),
        ),
    ),
    "state_checked": Step(
        "Callback: check the state",
        "fsckmsft echoes the state back. The app hashes it and looks for an unused, unexpired "
        "row started by this browser. No match means someone else's login is being pushed "
        "into this browser (login CSRF) or a link is replayed: stop before the token endpoint.",
        (
            ("fsckmsft", "browser", "302 → /callback ({answer}, state)"),
            ("browser", "app", "GET /callback"),
            ("app", "app", "state matches? {matched}"),
        ),
    ),
    "token_request": Step(
        "Token request (server to server)",
        "The app exchanges the code, or a refresh token, at the token endpoint, with the "
        "client secret in the form body. This never happens in the browser: the secret "
        "must not leave the server, and the code alone is useless without it.",
        (("app", "fsckmsft", "POST /oauth/token ({grant_type})"),),
    ),
    "token_response": Step(
        "Token response",
        "An access token (60 minutes) and a refresh token (single use, 90 days idle). "
        "Both are credentials: the app shows only their first characters, even here.",
        (("fsckmsft", "app", "200: access + refresh token"),),
    ),
    "tokens_stored": Step(
        "Tokens encrypted and stored",
        "Both tokens go into the connection row as AES-GCM envelopes (v1:<key id>:<data>), "
        "each bound to its row and column, so a stolen database or swapped columns reveal "
        "nothing. Both are replaced together, in one transaction.",
        (("app", "app", "encrypt and store both tokens"),),
    ),
    "identity_read": Step(
        "Extension: who approved (identity source)",
        "NOT part of the platform documentation: FSCKMSFT_IDENTITY_URL is set, so the app asks "
        "an identity source (the sandbox's opt-in /v1/me extension) who approved, and for "
        "which workspace. A platform offering only the documented endpoints has none; the "
        "app then works without it.",
        (("app", "fsckmsft", "{method} {path} (extension)"), ("fsckmsft", "app", "{status}")),
    ),
    "connection_kept": Step(
        "Connection kept",
        "fsckmsft's documentation never says who approved, so the connection belongs to this "
        "browser: a repeat login renews the browser's connection, 'Connect another workspace' "
        "adds one. Only an identity source (an extension) lets the app merge connections per "
        "user and workspace.",
        (("app", "app", "kept as {kept_as}"),),
    ),
    "refreshed": Step(
        "Access token refreshed",
        "The refresh token was spent and replaced. Every refresh (lazy before a call, after "
        "a 401, or the background refresher) goes through one locked path, so a refresh "
        "token is never used twice.",
        (("app", "app", "refreshed ({reason})"),),
    ),
    "api_call": Step(
        "API call",
        "The access token travels as 'Authorization: Bearer …', only to the configured API "
        "origin. A 401 triggers one refresh and one retry; a 403 means a missing scope.",
        (("app", "fsckmsft", "{method} {path}"), ("fsckmsft", "app", "{status}")),
    ),
    "sandbox_control": Step(
        "Workshop: sandbox control",
        "You changed the sandbox from the inspector. Watch what the app does next.",
        (("app", "fsckmsft", "/_sandbox: {action}"),),
    ),
}


def step_info(name: str) -> Step:
    return STEPS.get(name, Step(name.replace("_", " ").capitalize(), "", ()))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def label(template: str, details: dict[str, Any]) -> str:
    values = {key: show(value) for key, value in details.items()}
    return template.format_map(_Blank(values))


_TOKEN = re.compile(r"^(act|rft)_")  # the platform's token prefixes
ENVELOPE_SHOWN = 28


def show(value: Any) -> str:
    """How a detail is displayed. A second guard: even a whole token that slipped into the
    details is shortened here; ciphertext envelopes are shortened for the eye only."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    text = str(value)
    if _TOKEN.match(text) and not text.endswith("…"):
        return preview(text)
    if text.startswith("v1:") and len(text) > ENVELOPE_SHOWN:
        return f"{text[:ENVELOPE_SHOWN]}… ({len(text)} characters)"
    return text
