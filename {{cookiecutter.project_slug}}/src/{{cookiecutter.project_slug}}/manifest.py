"""The Marketplace manifest: the one source of the app's registration and listing.

The app requests the scopes the manifest declares, the sandbox registers the app from it,
and the preflight (`flask marketplace check`) reviews it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import StartupError


class ManifestError(StartupError, ValueError):
    """The manifest cannot be read; the message names the line or the key."""


@dataclass(frozen=True)
class Registration:
    """The fields fsckmsft asks for when an OAuth app is registered."""

    name: str
    description: str
    homepage_url: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    path: Path
    registration: Registration
    listing: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def sandbox_registration(
        self, *, client_id: str, client_secret: str, local_redirect_uri: str
    ) -> dict[str, Any]:
        """The app as the sandbox registers it: these fields plus this machine's callback
        (loopback http, which only the sandbox accepts)."""
        redirect_uris = list(self.registration.redirect_uris)
        if local_redirect_uri and local_redirect_uri not in redirect_uris:
            redirect_uris.append(local_redirect_uri)
        return {
            "client_id": client_id,
            "client_secret": client_secret,
            "name": self.registration.name,
            "description": self.registration.description,
            "homepage_url": self.registration.homepage_url,
            "redirect_uris": redirect_uris,
            "scopes": list(self.registration.scopes),
        }


def _string_list(section: dict[str, Any], key: str) -> tuple[str, ...]:
    value = section.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ManifestError(f"[registration] {key} must be a list of strings.")
    return tuple(value)


def _string(section: dict[str, Any], key: str, required: bool = True) -> str:
    value = section.get(key, None if required else "")
    if not isinstance(value, str):
        problem = "is missing" if value is None else "must be a string"
        raise ManifestError(f"[registration] {key} {problem}.")
    return value


def load_manifest(path: str | Path) -> Manifest:
    """Parse the manifest, with a message naming the line or key when it is malformed."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: the marketplace manifest does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{path}: not valid TOML ({error}).") from None
    section = raw.get("registration")
    if not isinstance(section, dict):
        raise ManifestError(f"{path}: the [registration] table is missing.")
    registration = Registration(
        name=_string(section, "name"),
        description=_string(section, "description", required=False),
        homepage_url=_string(section, "homepage_url"),
        redirect_uris=_string_list(section, "redirect_uris"),
        scopes=_string_list(section, "scopes"),
    )
    listing = raw.get("listing", {})
    if not isinstance(listing, dict):
        raise ManifestError(f"{path}: [listing] must be a table.")
    return Manifest(path=path, registration=registration, listing=listing, raw=raw)
