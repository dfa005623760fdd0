"""Lock the dependencies, with hashes: the generated project's and the template's own.

    python scripts/lock.py            # after editing a pyproject.toml or requirements-dev.txt
    python scripts/lock.py --upgrade  # newest versions every constraint allows

A baked project installs from two files that `make lock` writes in it: requirements-dev.txt
(everything for development and tests: the app's dependencies, the [dev] and [browser]
extras, the emulator's dependencies) and requirements.txt (what production runs). The first
is the same for every answer; the second differs by the database driver, so the template
keeps it with the PostgreSQL-only entries inside a Jinja condition. This script bakes both
database answers, runs each bake's own `make lock` (starting from the current pins, so only
what changed moves), checks that the answers agree where they must, and writes the results
back into the template. The template's own requirements-dev.lock holds its test tools and a
baked project's development dependencies, so `make test` installs one locked set.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"
VENV_BIN = Path(sys.executable).parent  # uv comes from the template's own requirements
POSTGRESQL_ONLY = ('{%- if cookiecutter.database == "postgresql" %}', "{%- endif %}")


def bake(database: str, into: Path) -> Path:
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, extra_context={"database": database}, output_dir=str(into)
        )
    )


def make_lock(project: Path, upgrade: bool) -> None:
    venv = VENV_BIN.parent
    command = ["make", "--no-print-directory", "lock", f"VENV={venv}"]
    if upgrade:
        command.append("UPGRADE=1")
    subprocess.run(command, cwd=project, check=True)


def entries(lock: str) -> tuple[str, list[tuple[str, str]]]:
    """The header comment, then (name, entry text) for each pinned requirement."""
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock)
    header = blocks[0] if blocks[0].startswith("#") else ""
    found = []
    for block in blocks[1:] if header else blocks:
        # A universal lock may pin one package twice, under exclusive markers (a version for
        # older Pythons, another for newer): the marker is part of the key.
        name, _, rest = block.split("\n", 1)[0].rstrip(" \\").partition("==")
        marker = rest.partition(";")[2].strip()
        found.append((f"{name} ; {marker}" if marker else name, block.rstrip("\n")))
    return header, found


def with_postgresql_only(postgresql: str, sqlite: str) -> str:
    """The PostgreSQL lock, its entries absent from the SQLite lock wrapped in the condition."""
    header, pg_entries = entries(postgresql)
    _, sqlite_entries = entries(sqlite)
    shared = dict(sqlite_entries)
    lines = [header]
    for name, text in pg_entries:
        if name in shared:
            if shared[name] != text:
                raise SystemExit(f"{name} is locked differently for SQLite and PostgreSQL")
            lines.append(text)
        else:
            lines += [POSTGRESQL_ONLY[0], text, POSTGRESQL_ONLY[1]]
    return "\n".join(lines) + "\n"


def lock_template_tools(project: Path, upgrade: bool) -> None:
    """The template's test tools and a bake's development dependencies, in one lock."""
    command = [
        str(VENV_BIN / "uv"), "pip", "compile", "--quiet", "--universal",
        "--python-version", "3.11", "--generate-hashes", "--no-annotate",
        "--custom-compile-command", "make lock", "--all-extras",
        "requirements-dev.txt", str(project / "pyproject.toml"),
        str(project / "sandbox" / "pyproject.toml"), "-o", "requirements-dev.lock",
    ]
    if upgrade:
        command.append("--upgrade")
    subprocess.run(command, cwd=TEMPLATE, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="newest versions allowed")
    upgrade = parser.parse_args().upgrade
    with tempfile.TemporaryDirectory() as tmp:
        locked = {}
        for database in ("postgresql", "sqlite"):
            project = bake(database, Path(tmp) / database)
            make_lock(project, upgrade)
            locked[database] = {
                name: (project / name).read_text(encoding="utf-8")
                for name in ("requirements.txt", "requirements-dev.txt")
            }
        if locked["postgresql"]["requirements-dev.txt"] != locked["sqlite"]["requirements-dev.txt"]:
            raise SystemExit("requirements-dev.txt differs between the database answers")
        (PROJECT_TEMPLATE / "requirements-dev.txt").write_text(
            locked["postgresql"]["requirements-dev.txt"], encoding="utf-8"
        )
        (PROJECT_TEMPLATE / "requirements.txt").write_text(
            with_postgresql_only(
                locked["postgresql"]["requirements.txt"], locked["sqlite"]["requirements.txt"]
            ),
            encoding="utf-8",
        )
        lock_template_tools(project, upgrade)
    print("Locked: requirements-dev.lock and the generated project's requirements*.txt")


if __name__ == "__main__":
    main()
