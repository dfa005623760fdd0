"""The whole flow in a real browser: what a user sees, step by step, with screenshots.

`make screenshots` runs this test with E2E_SCREENSHOTS_DIR=docs/screenshots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveApp

TASK_TITLE = "Written by the browser test"


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"))


def refresh_calls(sandbox: Any) -> int:
    return sum(1 for entry in sandbox.requests() if entry.get("grant_type") == "refresh_token")


def answer_consent(page: Page, live: LiveApp, decision: str, shot: Path | None = None) -> None:
    """On the sandbox's consent page: sign in as ada, then Approve or Deny."""
    page.wait_for_url(f"{live.sandbox.url}/oauth/authorize**")
    page.select_option("#username", "ada")
    if shot is not None:
        page.screenshot(path=str(shot))
    page.get_by_role("button", name=decision).click()


@pytest.mark.browser
def test_connect_use_refresh_deny_and_disconnect(
    page: Page, live_app: LiveApp, screenshots: Path
) -> None:
    live = live_app
    page.goto(f"{live.url}/")
    expect(page.get_by_role("link", name="Connect with fsckmsft")).to_be_visible()
    shoot(page, screenshots, "01-landing")

    # Connect: the browser leaves for fsckmsft (the sandbox) and comes back with a code.
    page.get_by_role("link", name="Connect with fsckmsft").click()
    answer_consent(page, live, "Approve", shot=screenshots / "02-consent.png")
    page.wait_for_url(f"{live.url}/dashboard")
    expect(page.locator("#projects")).to_contain_text("Difference Engine")
    shoot(page, screenshots, "03-dashboard")

    # Use the API: add a task (write:tasks).
    page.get_by_label("Title").fill(TASK_TITLE)
    page.get_by_role("button", name="Add task").click()
    expect(page.get_by_role("status")).to_contain_text(TASK_TITLE)
    shoot(page, screenshots, "04-task-added")

    # Past expiry, from the inspector's workshop controls: the reload must refresh quietly.
    page.goto(f"{live.url}/inspector")
    page.get_by_role("button", name="Advance clock +61 minutes").click()
    expect(page.get_by_role("status")).to_contain_text("+61 minutes")
    assert refresh_calls(live.sandbox) == 0
    page.goto(f"{live.url}/dashboard")
    expect(page.locator("#projects")).to_contain_text("Difference Engine")
    assert refresh_calls(live.sandbox) == 1
    shoot(page, screenshots, "05-after-expiry")
    page.goto(f"{live.url}/inspector")
    expect(page.locator('[data-step="refreshed"]')).to_have_count(1)
    shoot(page, screenshots, "06-inspector")
    page.locator("figure.diagram").screenshot(path=str(screenshots / "07-sequence-diagram.png"))

    # A second attempt, denied: a friendly page that offers to try again.
    page.goto(f"{live.url}/")
    page.get_by_role("link", name="Connect another workspace").click()
    answer_consent(page, live, "Deny")
    page.wait_for_url(f"{live.url}/callback**")
    expect(page.get_by_role("heading", name="No connection made")).to_be_visible()
    expect(page.get_by_role("link", name="Try again")).to_be_visible()
    shoot(page, screenshots, "08-denied")

    # Disconnect: back to the landing page, nothing connected.
    page.goto(f"{live.url}/")
    page.get_by_role("button", name="Disconnect").click()
    page.wait_for_url(f"{live.url}/")
    expect(page.get_by_role("link", name="Connect with fsckmsft")).to_be_visible()
    shoot(page, screenshots, "09-disconnected")
