"""A listing to check: a known-good manifest, TOML writing, PNG images, the check's report."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import Result

# The project's own modules, imported here only: the test modules import them from this
# file, so no import block mixes `tests` with the package (whose name sorts either side).
from {{ cookiecutter.project_slug }}.fsckmsft import api
from {{ cookiecutter.project_slug }}.fsckmsft.api import SCOPES_USED
from {{ cookiecutter.project_slug }}.manifest import load_manifest
from {{ cookiecutter.project_slug }}.marketplace.checks_assets import image_size
from {{ cookiecutter.project_slug }}.marketplace.registry import CHECKS

from tests.helpers.app import PROJECT_ROOT

__all__ = ["CHECKS", "PROJECT_ROOT", "SCOPES_USED", "api", "image_size", "load_manifest"]

HOST = "https://tasks.acme-integrations.io"


def good_manifest() -> dict[str, Any]:
    """A listing a reviewer would accept: every scope the code uses, each justified."""
    scopes = sorted(set(SCOPES_USED.values()))
    return {
        "registration": {
            "name": "Acme Tasks",
            "description": "Adds tasks to your fsckmsft projects from one simple dashboard.",
            "homepage_url": HOST,
            "redirect_uris": [f"{HOST}/callback"],
            "scopes": scopes,
        },
        "listing": {
            "short_description": "Add tasks to your fsckmsft projects in one click.",
            "long_description": "Connect a workspace, see its projects and add tasks to them. "
            "Tokens are encrypted at rest and refreshed automatically.",
            "category": "productivity",
            "icon": "icon.png",
            "screenshots": ["screenshots/dashboard.png"],
            "privacy_policy_url": f"{HOST}/privacy",
            "terms_url": f"{HOST}/terms",
            "support_url": f"{HOST}/support",
            "support_email": "support@acme-integrations.io",
            "scope_justifications": {s: f"The dashboard needs {s} to work." for s in scopes},
        },
    }


def toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def to_toml(data: dict[str, Any], table: tuple[str, ...] = ()) -> str:
    """Just enough TOML for manifests: tables of strings, numbers and lists."""
    lines = [f"[{'.'.join(table)}]"] if table else []
    subtables = {key: value for key, value in data.items() if isinstance(value, dict)}
    for key, value in data.items():
        if key not in subtables:
            lines.append(f"{json.dumps(key)} = {toml_value(value)}")
    text = "\n".join(lines) + "\n"
    for key, value in subtables.items():
        text += "\n" + to_toml(value, (*table, json.dumps(key) if ":" in key else key))
    return text


def png_bytes(width: int, height: int) -> bytes:
    """A valid single-colour PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    rows = b"".join(b"\0" + b"\x25\x63\xeb" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class ListingProject:
    """A project folder holding a listing; edit `manifest` and call `save()`."""

    path: Path
    manifest: dict[str, Any]

    @property
    def manifest_path(self) -> Path:
        return self.path / "marketplace" / "manifest.toml"

    def save(self) -> ListingProject:
        self.manifest_path.write_text(to_toml(self.manifest), encoding="utf-8")
        return self

    def write(self, relative: str, content: str | bytes) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target


@dataclass
class CheckRun:
    result: Result
    report: dict[str, Any]

    @property
    def exit_code(self) -> int:
        return self.result.exit_code

    def status(self, check_id: str) -> str:
        return next(c["status"] for c in self.report["checks"] if c["id"] == check_id)

    def messages(self, check_id: str) -> list[str]:
        return next(c["messages"] for c in self.report["checks"] if c["id"] == check_id)

    def failing(self) -> set[str]:
        return {c["id"] for c in self.report["checks"] if c["status"] == "fail"}
