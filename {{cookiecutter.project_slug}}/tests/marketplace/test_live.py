"""`--live`: the whole flow against an in-process sandbox registered from the manifest."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from tests.helpers.app import GRANTED
from tests.helpers.listing import CheckRun, ListingProject

LIVE_STEPS = [
    "LIVE_REGISTER",
    "LIVE_CONNECT",
    "LIVE_API_CALL",
    "LIVE_REFRESH",
    "LIVE_REVOKE",
    "LIVE_RECONNECT",
    "LIVE_DOCUMENTED_ONLY",
]


def live_outcomes(run: CheckRun) -> dict[str, dict]:
    return {c["id"]: c for c in run.report["checks"] if c["id"].startswith("LIVE_")}


def test_live_flow_passes_on_this_project(check: Callable[..., CheckRun]) -> None:
    outcomes = live_outcomes(check(None, "--live"))
    assert list(outcomes) == LIVE_STEPS
    statuses = {step: o["status"] for step, o in outcomes.items()}
    if "read:projects" not in GRANTED:
        # This project's scopes allow no dashboard API call: the live check says so, and stops.
        assert statuses["LIVE_API_CALL"] == "fail" and statuses["LIVE_REFRESH"] == "skip"
        return
    assert statuses == dict.fromkeys(LIVE_STEPS, "pass")
    assert "refreshed once" in outcomes["LIVE_REFRESH"]["messages"][0]


def test_live_flow_reports_the_step_that_breaks(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    """Without read:projects the app cannot list projects: the API step fails, later ones wait."""
    listing.manifest["registration"]["scopes"] = ["write:tasks"]
    justification = {"write:tasks": "Adds the tasks you type."}
    listing.manifest["listing"]["scope_justifications"] = justification
    run = check(listing.save(), "--live")
    statuses = {step: o["status"] for step, o in live_outcomes(run).items()}
    assert statuses["LIVE_CONNECT"] == "pass" and statuses["LIVE_API_CALL"] == "fail"
    assert statuses["LIVE_REFRESH"] == "skip" and run.exit_code == 1


def test_live_flow_reports_a_registration_the_sandbox_refuses(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.manifest["registration"]["scopes"].append("admin:everything")
    listing.manifest["listing"]["scope_justifications"]["admin:everything"] = "x" * 30
    run = check(listing.save(), "--live")
    register = live_outcomes(run)["LIVE_REGISTER"]
    assert register["status"] == "fail" and "scopes" in register["messages"][0]
    assert live_outcomes(run)["LIVE_CONNECT"]["status"] == "skip"


class LoggedSandbox:
    """Stands in for the sandbox's request log: the paths a flow called."""

    def __init__(self, *paths: str) -> None:
        self.paths = paths

    def requests(self) -> list[dict]:
        return [{"method": "GET", "path": path, "status": 200} for path in self.paths]


def test_live_flow_fails_on_an_undocumented_endpoint() -> None:
    from {{ cookiecutter.project_slug }}.marketplace.live import StepFailed, step_documented_only

    flow = SimpleNamespace(sandbox=LoggedSandbox("/oauth/token", "/v1/me", "/v1/projects"))
    with pytest.raises(StepFailed, match="/v1/me"):
        step_documented_only(flow)  # type: ignore[arg-type]
    documented = SimpleNamespace(
        sandbox=LoggedSandbox("/oauth/authorize", "/oauth/token", "/v1/projects/3/tasks")
    )
    assert "only documented" in step_documented_only(documented)  # type: ignore[arg-type]
