"""Where the app finds the files of its project: the source checkout, or the wheel's copy.

`migrations/` and `marketplace/` live at the project root, where you edit them. An
editable install (development, tests) reads them there. A wheel carries a copy in
`project_files/` beside this module (setup.py makes it while the wheel is built), so an
installed app needs no checkout at all.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
WHEEL_COPY = PACKAGE_DIR / "project_files"
# src/<package>/ → the project root; meaningful only when running from a checkout.
SOURCE_CHECKOUT = PACKAGE_DIR.parents[1]


def running_from_wheel() -> bool:
    """True when installed from a built wheel (which carries project_files/)."""
    return WHEEL_COPY.is_dir()


def project_path(*parts: str) -> Path:
    """A file of the project (e.g. "migrations"), wherever this installation keeps it."""
    root = WHEEL_COPY if running_from_wheel() else SOURCE_CHECKOUT
    return root.joinpath(*parts)


def default_instance_path() -> str | None:
    """The instance folder (relative SQLite files live there) unless INSTANCE_PATH says.

    A checkout keeps it at the project root; an installed wheel answers None, which lets
    Flask use its own default for installed packages (`<prefix>/var/<package>-instance`).
    """
    return None if running_from_wheel() else str(SOURCE_CHECKOUT / "instance")
