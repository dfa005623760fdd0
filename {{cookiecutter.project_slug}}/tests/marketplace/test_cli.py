"""The command itself: this project's own listing, text for people, JSON for CI, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask

from tests.helpers.listing import (
    CHECKS,
    SCOPES_USED,
    CheckRun,
    ListingProject,
    load_manifest,
)

EXPECTED_IDS = {
    "MANIFEST_INVALID",
    "REDIRECT_NOT_HTTPS",
    "REDIRECT_WILDCARD",
    "REDIRECT_FRAGMENT",
    "REDIRECT_NOT_CALLBACK",
    "REDIRECT_LOOPBACK",
    "REDIRECT_TUNNEL",
    "URL_NOT_HTTPS",
    "URL_PLACEHOLDER",
    "SCOPE_UNUSED",
    "SCOPE_UNDECLARED",
    "SCOPE_UNJUSTIFIED",
    "SCOPE_UNKNOWN",
    "SCOPE_UNDOCUMENTED",
    "SCOPE_JUSTIFICATION_STRAY",
    "ICON_MISSING",
    "ICON_WRONG_FORMAT",
    "ICON_WRONG_SIZE",
    "SCREENSHOT_MISSING",
    "PAGES_PLACEHOLDER",
    "SECRET_COMMITTED",
    "ENV_NOT_IGNORED",
    "PROD_SECRET_WEAK",
    "PROD_KEYS_WEAK",
    "PROD_SECRET_IS_DEV",
    "PROD_COOKIE_INSECURE",
    "PROD_DEBUG_ON",
    "PROD_CONFIG_INVALID",
    "PROD_REDIRECT_NOT_REGISTERED",
    "API_UNDOCUMENTED_CALL",
    "API_EXTENSION_IN_USE",
}


def test_this_project_passes_its_own_check(check: Callable[..., CheckRun], cli_app: Flask) -> None:
    """The bake's own listing. A bake whose `scopes` answer differs from what the code uses
    must fail, and only on the scope checks: that is the check doing its job."""
    run = check(None)
    declared = set(load_manifest(cli_app.config["MARKETPLACE_MANIFEST"]).registration.scopes)
    checks = run.report["checks"]
    errors = {c["id"] for c in checks if c["status"] == "fail" and c["severity"] == "error"}
    if declared == set(SCOPES_USED.values()):
        assert run.exit_code == 0 and errors == set(), run.report
    else:
        assert run.exit_code == 1 and errors and errors <= {"SCOPE_UNUSED", "SCOPE_UNDECLARED"}


def test_json_report_lists_every_check_with_its_verdict(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    report = check(listing).report
    assert {c["id"] for c in report["checks"]} == EXPECTED_IDS
    for entry in report["checks"]:
        assert entry["severity"] in ("error", "warning")
        assert entry["status"] in ("pass", "fail", "skip")
        assert isinstance(entry["messages"], list) and entry["title"]
    assert set(report["summary"]) == {"errors", "warnings", "passed", "skipped"}


def test_check_ids_are_unique_and_stable() -> None:
    ids = [registered.id for registered in CHECKS]
    assert len(ids) == len(set(ids))
    assert set(ids) == EXPECTED_IDS


def test_text_report_shows_each_failure_with_its_fix(
    cli_app: Flask, listing: ListingProject
) -> None:
    listing.manifest["registration"]["redirect_uris"] = [
        "http://tasks.acme-integrations.io/callback"
    ]
    result = cli_app.test_cli_runner().invoke(
        args=["marketplace", "check", "--project-dir", str(listing.save().path)]
    )
    assert result.exit_code == 1
    failing = next(line for line in result.output.splitlines() if "REDIRECT_NOT_HTTPS" in line)
    assert failing.split()[0] == "FAIL"
    assert "register https://<your host>/callback" in result.output
    assert "1 error(s)" in result.output and "a reviewer would reject this" in result.output


def test_json_output_is_only_json(cli_app: Flask, listing: ListingProject) -> None:
    result = cli_app.test_cli_runner().invoke(
        args=["marketplace", "check", "--json", "--project-dir", str(listing.path)]
    )
    assert json.loads(result.stdout)["ok"] is True and result.exit_code == 0


def test_manifest_option_reviews_another_file(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    other = listing.write("marketplace/staging.toml", "[registration]\n")
    run = check(listing, "--manifest", str(other))
    assert run.exit_code == 1 and run.report["manifest"] == str(other)
