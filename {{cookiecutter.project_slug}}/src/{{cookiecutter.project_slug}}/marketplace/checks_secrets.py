"""Checks that no secret would be published with the code, and that .env stays private."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .context import CheckContext
from .files import (
    committed_files,
    git_ignores,
    git_tracks,
    gitignore_patterns,
    ignored_by,
    in_git_repository,
)
from .registry import check

MAX_SCANNED_BYTES = 1_000_000
# fsckmsft tokens: a prefix and random text. Real ones mix letters and digits, which tells
# them apart from words in code (`act_unknown_token`) and from docs (`act_xxxxxxxx`).
TOKEN = re.compile(r"\b(?:act|rft)_[A-Za-z0-9_-]{20,}")
PRIVATE_KEY = re.compile("-----BEGIN " + r"(?:[A-Z0-9]+ )*PRIVATE KEY-----")


def _looks_random(token: str) -> bool:
    body = token[4:]
    return any(c.isdigit() for c in body) and any(c.isalpha() for c in body)


def _text(path: Path) -> str | None:
    """The file's text, or None for binaries and huge files (not where secrets get pasted)."""
    try:
        data = path.read_bytes()[:MAX_SCANNED_BYTES]
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _findings(text: str, secrets: dict[str, str]) -> Iterator[tuple[int, str]]:
    for match in TOKEN.finditer(text):
        if _looks_random(match.group()):
            yield _line(text, match.start()), f"an fsckmsft {match.group()[:3]}_ token"
    for match in PRIVATE_KEY.finditer(text):
        yield _line(text, match.start()), "a private key"
    for value, name in secrets.items():
        index = text.find(value)
        if index >= 0:
            yield _line(text, index), f"the value of {name}"


# Anything pushed is public forever: a leaked client secret or key hands over every user.
@check("SECRET_COMMITTED", "error", "no secret is in a committed file", needs="nothing")
def secret_committed(context: CheckContext) -> Iterator[str]:
    for path in committed_files(context.project_dir):
        text = _text(path)
        if text is None:
            continue
        relative = path.relative_to(context.project_dir)
        for line, what in _findings(text, context.secret_values):
            yield (
                f"{relative}:{line} holds {what}; remove it, rotate it, and read it from "
                "the environment instead."
            )


# .env holds the development secrets; committing it publishes them.
@check("ENV_NOT_IGNORED", "error", ".env is ignored by git", needs="nothing")
def env_not_ignored(context: CheckContext) -> Iterator[str]:
    project = context.project_dir
    if in_git_repository(project):
        if git_tracks(project, ".env"):
            yield ".env is tracked by git; run `git rm --cached .env` and rotate its secrets."
        elif not git_ignores(project, ".env"):
            yield ".env is not ignored by git; add a line `.env` to .gitignore."
    elif not ignored_by(gitignore_patterns(project), Path(".env")):
        yield ".env is not listed in .gitignore; add a line `.env` to it."
