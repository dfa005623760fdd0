"""Everything the checks look at, gathered once: the manifest, the code's scopes, the env."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from .schema import schema_problems


@dataclass
class CheckContext:
    project_dir: Path
    manifest_path: Path
    #: The parsed manifest; {} when it cannot be read.
    manifest: dict[str, Any]
    #: Why the manifest is unreadable or invalid (each names the line or the key).
    manifest_problems: list[str]
    #: qualified name of each API call -> the scope it needs (from @needs_scope).
    used_scopes: Mapping[str, str]
    #: The development settings (.env), to recognise them if production reuses them.
    development_env: Mapping[str, str]
    #: The settings production would see, or None when not reviewing production.
    production_env: Mapping[str, str] | None = None
    production_skip_reason: str = ""
    #: Secret value -> the variable it comes from; none may appear in a committed file.
    secret_values: dict[str, str] = field(default_factory=dict)

    @property
    def registration(self) -> dict[str, Any]:
        return self.manifest.get("registration", {})

    @property
    def listing(self) -> dict[str, Any]:
        return self.manifest.get("listing", {})


def read_manifest(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The manifest and its problems; never raises for a missing or malformed file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, ["the file does not exist; restore marketplace/manifest.toml from the template."]
    except (OSError, UnicodeDecodeError) as error:
        return {}, [f"the file cannot be read ({error})."]
    try:
        manifest = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return {}, [f"not valid TOML: {error}; fix the syntax there."]
    return manifest, schema_problems(manifest, text)


def _dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def production_settings(
    env_file: Path | None, environ: Mapping[str, str]
) -> tuple[dict[str, str] | None, str]:
    """The environment production would see, or None with the reason it is not reviewed.

    `--env-file` names a file holding the production variables (nothing else is mixed in).
    Without it, the process environment is reviewed only when it is production already
    (APP_ENV=production, or unset, which the app also treats as production).
    """
    if env_file is not None:
        return _dotenv(env_file), ""
    app_env = environ.get("APP_ENV", "production")
    if app_env == "production":
        return dict(environ), ""
    return None, (
        f"not applicable: APP_ENV={app_env}; pass --env-file <file with the production "
        "variables> to review production settings"
    )


SECRET_VARIABLES = ("FSCKMSFT_CLIENT_SECRET", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS")


def secret_values(*sources: Mapping[str, str]) -> dict[str, str]:
    """value -> variable name for each secret set in `sources` (key ring keys one by one)."""
    found: dict[str, str] = {}
    for source in sources:
        for name in SECRET_VARIABLES:
            raw = source.get(name) or ""
            parts = raw.split(",") if name == "TOKEN_ENCRYPTION_KEYS" else [raw]
            for part in parts:
                value = part.partition(":")[2] if name == "TOKEN_ENCRYPTION_KEYS" else part
                if len(value.strip()) >= 12:  # shorter values match too much by chance
                    found[value.strip()] = name
    return found


def build_context(
    project_dir: Path,
    manifest_path: Path,
    used_scopes: Mapping[str, str],
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> CheckContext:
    environ = os.environ if environ is None else environ
    manifest, problems = read_manifest(manifest_path)
    development = _dotenv(project_dir / ".env")
    production, skip_reason = production_settings(env_file, environ)
    return CheckContext(
        project_dir=project_dir,
        manifest_path=manifest_path,
        manifest=manifest,
        manifest_problems=problems,
        used_scopes=used_scopes,
        development_env=development,
        production_env=production,
        production_skip_reason=skip_reason,
        secret_values=secret_values(development, environ, production or {}),
    )
