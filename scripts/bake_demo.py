"""Bake the template with its default answers into build/demo (for `make demo`).

Never destroys work. Each bake records a fingerprint of every file it wrote
(`.demo-bake.json`); the next `make demo` refreshes the demo from the template only when
every file still matches it, keeping the demo's .env (its secrets and encryption key), .venv
and instance/ database, so tokens stored by an earlier demo still decrypt. When a file was
changed, added or deleted (workshop chapters ask for edits), it refuses with a sentence
saying which, and how to start over.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
RECORD = ".demo-bake.json"
#: The demo's own state, kept across refreshes and never compared.
KEEP = {".env", ".venv", "instance", RECORD}
#: What tools create while the demo is used: not the user's work.
TOOL_OUTPUT = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".import_linter_cache"}


class ChangedDemo(Exception):
    """The demo holds changes that a refresh would overwrite."""


def bake_defaults(output_dir: Path) -> Path:
    return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(output_dir)))


def _is_work(relative: Path) -> bool:
    top, *_ = relative.parts
    if top in KEEP:
        return False
    return not any(part in TOOL_OUTPUT or part.endswith(".egg-info") for part in relative.parts)


def fingerprints(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in `folder` that is the project's work, by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and _is_work(path.relative_to(folder))
    }


def changes(demo: Path) -> list[str]:
    """The files of `demo` that differ from what the last bake wrote (empty: untouched)."""
    recorded = json.loads((demo / RECORD).read_text(encoding="utf-8"))
    current = fingerprints(demo)
    return sorted(
        path for path in recorded.keys() | current.keys() if recorded.get(path) != current.get(path)
    )


def refuse_if_changed(demo: Path) -> None:
    if not demo.exists() or not any(demo.iterdir()):
        return
    start_over = f"to start over, run `make demo-clean` (it deletes {demo}), then `make demo`"
    if not (demo / RECORD).exists():
        raise ChangedDemo(
            f"{demo} was not made by this version of `make demo`, so its changes cannot be told "
            f"from the template's; nothing was touched. Move it aside, or {start_over}."
        )
    changed = changes(demo)
    if changed:
        listed = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        raise ChangedDemo(
            f"{demo} holds your changes ({listed}), so it was not refreshed; run it as it is "
            f"with `cd {demo} && .venv/bin/flask dev`, or {start_over}."
        )


def refresh(demo: Path, baked: Path) -> None:
    """Replace everything in `demo` but the kept paths with the fresh bake."""
    demo.mkdir(parents=True, exist_ok=True)
    for child in demo.iterdir():
        if child.name in KEEP:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    for child in baked.iterdir():
        if (demo / child.name).exists():
            continue  # a kept path: the demo's own .env wins over the fresh one
        shutil.move(str(child), demo / child.name)
    (demo / RECORD).write_text(json.dumps(fingerprints(demo), indent=1), encoding="utf-8")


def main() -> int:
    demo = Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo").resolve()
    try:
        refuse_if_changed(demo)
    except ChangedDemo as refusal:
        print(f"make demo: {refusal}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        refresh(demo, bake_defaults(Path(tmp)))
    print(f"Baked the default answers into {demo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
