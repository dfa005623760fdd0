"""The seed app from a generated project: its marketplace manifest plus its .env credentials."""

import os
import tomllib
from pathlib import Path
from typing import Any

from dotenv import dotenv_values


def seed_app_from_project(
    project_dir: str | Path = ".", environ: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """The `seed_app` for `create_sandbox`, or None when the .env names no credentials.

    Registration fields come from marketplace/manifest.toml [registration]; the development
    redirect URI (FSCKMSFT_REDIRECT_URI) is added to the manifest's production ones.
    """
    root = Path(project_dir)
    settings = {**dotenv_values(root / ".env"), **(environ if environ is not None else os.environ)}
    client_id = settings.get("FSCKMSFT_CLIENT_ID")
    client_secret = settings.get("FSCKMSFT_CLIENT_SECRET")
    if not client_id or not client_secret:
        return None
    with (root / "marketplace" / "manifest.toml").open("rb") as handle:
        registration = tomllib.load(handle)["registration"]
    redirect_uris = list(registration.get("redirect_uris", []))
    development_uri = settings.get("FSCKMSFT_REDIRECT_URI")
    if development_uri and development_uri not in redirect_uris:
        redirect_uris.append(development_uri)
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "name": registration["name"],
        "description": registration.get("description", ""),
        "homepage_url": registration["homepage_url"],
        "redirect_uris": redirect_uris,
        "scopes": list(registration["scopes"]),
    }
