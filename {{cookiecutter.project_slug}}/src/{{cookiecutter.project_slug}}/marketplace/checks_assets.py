"""Checks of the listing art: the icon and the screenshots the manifest names."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from .context import CheckContext
from .registry import NotApplicable, check

ICON_SIZE = (512, 512)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"


def image_size(path: Path) -> tuple[str, int, int] | None:
    """('png' | 'jpeg', width, height) read from the file's header, or None if neither."""
    with path.open("rb") as handle:
        head = handle.read(32)
        if head.startswith(PNG_SIGNATURE) and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return "png", width, height
        if head.startswith(JPEG_SIGNATURE):
            return "jpeg", 0, 0  # size not needed for screenshots
    return None


def _asset(context: CheckContext, relative: str) -> Path:
    """Listing paths are relative to the manifest's folder."""
    return context.manifest_path.parent / relative


def _icon(context: CheckContext) -> Path:
    icon = _asset(context, context.listing["icon"])
    if not icon.is_file():
        raise NotApplicable("no icon to inspect (see ICON_MISSING)")
    return icon


# The listing cannot be published without its icon.
@check("ICON_MISSING", "error", "the icon file exists")
def icon_missing(context: CheckContext) -> Iterator[str]:
    icon = _asset(context, context.listing["icon"])
    if not icon.is_file():
        yield f"{icon} does not exist; add a {ICON_SIZE[0]}x{ICON_SIZE[1]} PNG there."


# The Marketplace renders icons from PNG only (transparency, no JPEG artefacts).
@check("ICON_WRONG_FORMAT", "error", "the icon is a PNG")
def icon_wrong_format(context: CheckContext) -> Iterator[str]:
    icon = _icon(context)
    kind = image_size(icon)
    if kind is None or kind[0] != "png":
        yield f"{icon.name} is not a PNG file; export it as PNG."


# A wrongly sized icon is scaled and blurred on the listing page; reviewers send it back.
@check("ICON_WRONG_SIZE", "error", f"the icon is {ICON_SIZE[0]}x{ICON_SIZE[1]} pixels")
def icon_wrong_size(context: CheckContext) -> Iterator[str]:
    icon = _icon(context)
    kind = image_size(icon)
    if kind is None or kind[0] != "png":
        raise NotApplicable("not a PNG (see ICON_WRONG_FORMAT)")
    if kind[1:] != ICON_SIZE:
        yield (
            f"{icon.name} is {kind[1]}x{kind[2]} pixels; it must be exactly "
            f"{ICON_SIZE[0]}x{ICON_SIZE[1]}."
        )


# Reviewers and users judge the app from its screenshots; a missing one breaks the listing.
@check("SCREENSHOT_MISSING", "error", "every screenshot exists and is a PNG or JPEG")
def screenshot_missing(context: CheckContext) -> Iterator[str]:
    for relative in context.listing["screenshots"]:
        path = _asset(context, relative)
        if not path.is_file():
            yield f"{path} does not exist; take a screenshot of the dashboard and save it there."
        elif image_size(path) is None:
            yield f"{path.name} is neither PNG nor JPEG; save it as PNG."
