"""Checks of the pages a listing links to: privacy, terms and support, in the project's words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .context import CheckContext
from .registry import NotApplicable, check

PAGES = ("privacy", "terms", "support")
#: The template marks the notice on each page it wrote; the notice goes when the text does.
PLACEHOLDER_MARK = "data-template-placeholder"


def _pages_folder(context: CheckContext) -> Path:
    package = __package__.partition(".")[0]
    folder = context.project_dir / "src" / package / "templates" / "web"
    if not folder.is_dir():
        raise NotApplicable(f"no pages to read in {folder}")
    return folder


# Reviewers read these pages: the template's wording promises nothing about this app's
# handling of data, and a listing that links to it is sent back.
@check("PAGES_PLACEHOLDER", "warning", "privacy, terms and support hold your own text", "nothing")
def pages_placeholder(context: CheckContext) -> Iterator[str]:
    folder = _pages_folder(context)
    for page in PAGES:
        path = folder / f"{page}.html"
        if path.is_file() and PLACEHOLDER_MARK in path.read_text(encoding="utf-8"):
            yield (
                f"{path.relative_to(context.project_dir)} still holds the template's text; "
                "write your own and remove the placeholder notice."
            )
