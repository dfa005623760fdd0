"""The icon and screenshots the listing names must exist with the right format and size."""

from __future__ import annotations

from collections.abc import Callable

from tests.helpers.listing import PROJECT_ROOT, CheckRun, ListingProject, image_size, png_bytes


def test_missing_icon_fails(check: Callable[..., CheckRun], listing: ListingProject) -> None:
    (listing.path / "marketplace" / "icon.png").unlink()
    run = check(listing)
    assert run.exit_code == 1 and "ICON_MISSING" in run.failing()
    assert run.status("ICON_WRONG_SIZE") == "skip"


def test_icon_path_is_relative_to_the_manifest(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.manifest["listing"]["icon"] = "art/logo.png"
    listing.write("marketplace/art/logo.png", png_bytes(512, 512))
    assert check(listing.save()).exit_code == 0


def test_icon_that_is_not_a_png_fails(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write("marketplace/icon.png", b"GIF89a" + b"\0" * 64)
    run = check(listing)
    assert run.exit_code == 1 and "ICON_WRONG_FORMAT" in run.failing()


def test_icon_of_the_wrong_size_fails(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write("marketplace/icon.png", png_bytes(256, 256))
    run = check(listing)
    assert run.exit_code == 1 and run.failing() == {"ICON_WRONG_SIZE"}
    assert "256x256" in run.messages("ICON_WRONG_SIZE")[0]


def test_missing_screenshot_fails(check: Callable[..., CheckRun], listing: ListingProject) -> None:
    (listing.path / "marketplace" / "screenshots" / "dashboard.png").unlink()
    run = check(listing)
    assert run.exit_code == 1 and run.failing() == {"SCREENSHOT_MISSING"}


def test_screenshot_that_is_not_an_image_fails(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write("marketplace/screenshots/dashboard.png", "TODO: take a screenshot")
    run = check(listing)
    assert run.exit_code == 1 and run.failing() == {"SCREENSHOT_MISSING"}


def test_the_shipped_placeholder_icon_is_a_512_png() -> None:
    assert image_size(PROJECT_ROOT / "marketplace" / "icon.png") == ("png", 512, 512)
