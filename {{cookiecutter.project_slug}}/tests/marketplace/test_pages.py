"""The privacy, terms and support pages must hold the project's own text, not the template's."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from tests.helpers.listing import PROJECT_ROOT, CheckRun, ListingProject

PACKAGE_PAGES = next((PROJECT_ROOT / "src").glob("*/templates/web"))


def with_the_template_pages(listing: ListingProject) -> ListingProject:
    pages = listing.path / "src" / PACKAGE_PAGES.parent.parent.name / "templates" / "web"
    pages.mkdir(parents=True)
    for page in ("privacy", "terms", "support"):
        shutil.copy(PACKAGE_PAGES / f"{page}.html", pages / f"{page}.html")
    return listing


def test_the_template_pages_are_a_warning_naming_each(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    run = check(with_the_template_pages(listing))
    messages = run.messages("PAGES_PLACEHOLDER")
    assert run.status("PAGES_PLACEHOLDER") == "fail"
    assert [m.split()[0].rsplit("/", 1)[1] for m in messages] == [
        "privacy.html",
        "terms.html",
        "support.html",
    ]
    assert run.exit_code == 0  # a warning: the report says so, the listing is not blocked


def test_a_page_rewritten_in_the_projects_words_passes(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    with_the_template_pages(listing)
    pages = next((listing.path / "src").glob("*/templates/web"))
    for page in ("privacy", "terms", "support"):
        (pages / f"{page}.html").write_text("<h1>Our own words</h1>", encoding="utf-8")
    assert check(listing).status("PAGES_PLACEHOLDER") == "pass"
