"""The whole flow in a real browser: what a user sees, step by step, with screenshots.

`make screenshots` runs this test with E2E_SCREENSHOTS_DIR=docs/screenshots.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.helpers.app import GRANTED
from tests.helpers.browser import LiveApp

TASK_TITLE = "Written by the browser test"
# The test adapts to the scopes this project asks for (and the sandbox grants): without
# read:projects the dashboard lists nothing and calls no API, and the task form offers
# the listed projects, so adding a task needs both scopes.
CAN_LIST = "read:projects" in GRANTED
CAN_ADD = CAN_LIST and "write:tasks" in GRANTED
# Baked with include_flow_inspector=no, the package is gone: the clock moves directly.
HAS_INSPECTOR = importlib.util.find_spec("{{ cookiecutter.project_slug }}.inspector") is not None


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


def expect_dashboard(page: Page) -> None:
    """The dashboard as the granted scopes make it: the projects, or why there are none."""
    if CAN_LIST:
        expect(page.locator("#projects")).to_contain_text("Difference Engine")
    else:
        expect(page.get_by_text("This connection cannot list projects")).to_be_visible()


def advance_past_expiry(page: Page, live: LiveApp) -> None:
    """61 minutes on: the access token (60 minutes) has expired."""
    if not HAS_INSPECTOR:
        live.advance_clock(61 * 60)
        return
    page.goto(f"{live.url}/inspector")
    page.get_by_role("button", name="Advance clock +61 minutes").click()
    expect(page.get_by_role("status")).to_contain_text("+61 minutes")


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
    expect_dashboard(page)
    shoot(page, screenshots, "03-dashboard")

    # Use the API: add a task (write:tasks), or see why the form is not offered.
    if CAN_ADD:
        page.get_by_label("Title").fill(TASK_TITLE)
        page.get_by_role("button", name="Add task").click()
        expect(page.get_by_role("status")).to_contain_text(TASK_TITLE)
        shoot(page, screenshots, "04-task-added")
    else:
        expect(page.get_by_role("button", name="Add task")).to_have_count(0)
        if "write:tasks" not in GRANTED:
            expect(page.get_by_text("Adding tasks needs write:tasks")).to_be_visible()

    # Past expiry (with the inspector's workshop control when it was baked in): the reload
    # must refresh the token quietly, if it needs one: a dashboard that lists nothing
    # calls no API, so nothing is refreshed.
    refreshes = 1 if CAN_LIST else 0
    advance_past_expiry(page, live)
    assert refresh_calls(live.sandbox) == 0
    page.goto(f"{live.url}/dashboard")
    expect_dashboard(page)
    assert refresh_calls(live.sandbox) == refreshes
    shoot(page, screenshots, "05-after-expiry")
    if HAS_INSPECTOR:
        page.goto(f"{live.url}/inspector")
        expect(page.locator('[data-step="refreshed"]')).to_have_count(refreshes)
        shoot(page, screenshots, "06-inspector")
        diagram = page.locator("figure.diagram")
        diagram.screenshot(path=str(screenshots / "07-sequence-diagram.png"))

    # A second attempt, denied: a friendly page that offers to try again.
    page.goto(f"{live.url}/")
    page.get_by_role("link", name="Connect another workspace").click()
    answer_consent(page, live, "Deny")
    page.wait_for_url(f"{live.url}/callback**")
    expect(page.get_by_role("heading", name="No connection made")).to_be_visible()
    expect(page.get_by_role("link", name="Try again")).to_be_visible()
    shoot(page, screenshots, "08-denied")

    # Disconnect, from the dashboard, after a confirmation step: back to the landing page,
    # nothing connected, and a message saying where the grant is revoked on fsckmsft.
    page.goto(f"{live.url}/dashboard")
    page.get_by_role("link", name="Disconnect this workspace").click()
    page.get_by_role("button", name="Disconnect").click()
    page.wait_for_url(f"{live.url}/")
    expect(page.get_by_role("status")).to_contain_text("deleted its access tokens")
    expect(page.get_by_role("link", name="Your fsckmsft account settings")).to_be_visible()
    expect(page.get_by_role("link", name="Connect with fsckmsft")).to_be_visible()
    shoot(page, screenshots, "09-disconnected")
