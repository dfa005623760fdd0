"""Workshop controls: the app asks the sandbox, server-side, to change the world.

Only when the app's clock follows the sandbox (CLOCK_SOURCE=sandbox): against the real
platform there is nothing to advance and nobody to fault. Each control is one call to the
sandbox's documented `/_sandbox/*` endpoints (see docs/sandbox.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

# Just past the access token's 60 minutes, and just past the refresh token's 90 idle days.
CLOCK_JUMPS: dict[str, tuple[int, str]] = {
    "61m": (61 * 60, "+61 minutes: every access token has expired"),
    "91d": (91 * 86400, "+91 days: every idle refresh token has expired"),
}
# Each fault applies to the next call to the token endpoint only (count 1).
FAULTS: dict[str, tuple[dict[str, Any], str]] = {
    "500": ({"endpoint": "token", "status": 500, "count": 1}, "next token call answers 500"),
    "rotate_then_drop": (
        {"endpoint": "token", "rotate_then_drop": True, "count": 1},
        "next token call rotates the refresh token, then the answer is lost",
    ),
}


class ControlFailed(Exception):
    """The sandbox did not do what was asked; the message says what happened."""


@dataclass(frozen=True)
class SandboxControls:
    base_url: str  # FSCKMSFT_AUTH_URL: the sandbox serves auth and API on one origin
    timeout: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SandboxControls | None:
        """The controls, or None when the app is not running against the sandbox."""
        if config["CLOCK_SOURCE"] != "sandbox" or config["APP_ENV"] == "production":
            return None
        return cls(config["FSCKMSFT_AUTH_URL"], float(config["FSCKMSFT_HTTP_TIMEOUT"]))

    def advance_clock(self, jump: str) -> str:
        seconds, description = CLOCK_JUMPS[jump]
        self._post("/_sandbox/clock", {"advance": seconds})
        return description

    def usernames(self) -> list[str]:
        """The sandbox's users. The platform never tells the app who approved, so the
        workshop picks whom to revoke for (the sandbox refuses anybody unknown)."""
        try:
            response = requests.get(self.base_url + "/_sandbox/users", timeout=self.timeout)
            return [str(user["username"]) for user in response.json()]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return []

    def revoke(self, username: str, client_id: str) -> str:
        # What a user does under Settings → Authorized apps → Revoke, on the platform.
        self._post(f"/_sandbox/users/{quote(username, safe='')}/revoke/{quote(client_id, safe='')}")
        return f"{username} revoked this app's access"

    def inject_fault(self, kind: str) -> str:
        rule, description = FAULTS[kind]
        self._post("/_sandbox/faults", rule)
        return description

    def _post(self, path: str, body: dict[str, Any] | None = None) -> None:
        try:
            response = requests.post(self.base_url + path, json=body, timeout=self.timeout)
        except requests.RequestException as error:
            raise ControlFailed(f"the sandbox did not answer ({type(error).__name__})") from None
        if response.status_code >= 400:
            raise ControlFailed(f"the sandbox answered {response.status_code}")
