"""Print the requirements of baked projects, one per line, for the shared test venv.

Bakes the template with each database choice (all other answers default) into a
temporary folder and prints the union of `dependencies` and every optional extra
(`[dev]` included) from the baked `pyproject.toml`. The baked projects themselves are
installed later, one at a time, by the tests (`pip install --no-deps -e`).
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]


def baked_pyproject(database: str, output_dir: Path) -> dict:
    project = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        extra_context={"database": database},
        output_dir=str(output_dir / database),
    )
    return tomllib.loads((Path(project) / "pyproject.toml").read_text(encoding="utf-8"))


def requirements(pyproject: dict) -> list[str]:
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {}).values()
    return [*project.get("dependencies", []), *(req for extra in extras for req in extra)]


def main() -> None:
    wanted: dict[str, None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for database in ("sqlite", "postgresql"):
            wanted.update(dict.fromkeys(requirements(baked_pyproject(database, Path(tmp)))))
    sys.stdout.write("".join(f"{requirement}\n" for requirement in wanted))


if __name__ == "__main__":
    main()
