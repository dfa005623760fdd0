"""Bake the template with its default answers into build/demo (for `make demo`).

The baked project is copied over build/demo: template files are refreshed, while the
demo's .env (its secrets and encryption key), .venv and instance/ database are kept, so
tokens stored by an earlier demo still decrypt.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
KEEP = {".env", ".venv", "instance"}


def bake_defaults(output_dir: Path) -> Path:
    return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(output_dir)))


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


def main() -> None:
    demo = Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        refresh(demo, bake_defaults(Path(tmp)))
    print(f"Baked the default answers into {demo}")


if __name__ == "__main__":
    main()
