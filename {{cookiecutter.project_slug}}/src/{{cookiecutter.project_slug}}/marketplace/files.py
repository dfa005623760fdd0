"""The files that are (or would be) committed: git's view, or a simple walk without git."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

# Never part of a commit, whatever .gitignore says (or when there is no .gitignore).
ALWAYS_SKIPPED = {
    ".git",
    ".env",
    ".venv",
    "venv",
    "instance",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "node_modules",
    "test-results",
    "build",
    "dist",
}


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    git = shutil.which("git")
    if git is None:
        return None
    return subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [git, "-C", str(project), *args], capture_output=True, text=True, check=False
    )


def in_git_repository(project: Path) -> bool:
    result = _git(project, "rev-parse", "--is-inside-work-tree")
    return result is not None and result.returncode == 0 and result.stdout.strip() == "true"


def git_ignores(project: Path, relative: str) -> bool:
    result = _git(project, "check-ignore", "-q", "--no-index", relative)
    return result is not None and result.returncode == 0


def git_tracks(project: Path, relative: str) -> bool:
    result = _git(project, "ls-files", "--error-unmatch", relative)
    return result is not None and result.returncode == 0


def gitignore_patterns(project: Path) -> list[str]:
    gitignore = project / ".gitignore"
    if not gitignore.is_file():
        return []
    lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and line[0] not in "#!"]


def ignored_by(patterns: list[str], relative: Path) -> bool:
    """A simple reading of .gitignore: a pattern matches a name or the whole relative path."""
    return any(
        fnmatch.fnmatch(part, pattern) or fnmatch.fnmatch(relative.as_posix(), pattern)
        for pattern in patterns
        for part in relative.parts
    )


def committed_files(project: Path) -> Iterator[Path]:
    """Tracked files plus untracked ones git would add (what the next commit can hold)."""
    if in_git_repository(project):
        result = _git(project, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        if result is not None and result.returncode == 0:
            for name in sorted(set(filter(None, result.stdout.split("\0")))):
                if (project / name).is_file():
                    yield project / name
            return
    yield from _walk(project, gitignore_patterns(project))


def _walk(project: Path, patterns: list[str]) -> Iterator[Path]:
    """Every file under `project`, pruning skipped and ignored folders before entering them."""
    for folder, subfolders, names in os.walk(project):
        base = Path(folder).relative_to(project)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in ALWAYS_SKIPPED and not ignored_by(patterns, base / name)
        )
        for name in sorted(names):
            if name not in ALWAYS_SKIPPED and not ignored_by(patterns, base / name):
                yield project / base / name
