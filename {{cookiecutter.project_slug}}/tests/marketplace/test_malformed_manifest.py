"""A malformed manifest gets a clear message naming the line or the key, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from tests.helpers.listing import PROJECT_ROOT, CheckRun, ListingProject


def only_problem(run: CheckRun) -> str:
    assert run.exit_code == 1
    assert run.status("MANIFEST_INVALID") == "fail"
    return " | ".join(run.messages("MANIFEST_INVALID"))


def test_bad_toml_names_the_line(check: Callable[..., CheckRun], listing: ListingProject) -> None:
    text = listing.manifest_path.read_text(encoding="utf-8")
    listing.manifest_path.write_text(text.replace("[listing]", "[listing", 1), encoding="utf-8")
    line = text.splitlines().index("[listing]") + 1
    message = only_problem(check(listing))
    assert "not valid TOML" in message and f"line {line}" in message


def test_wrong_type_names_the_key(check: Callable[..., CheckRun], listing: ListingProject) -> None:
    listing.manifest["registration"]["scopes"] = "read:projects write:tasks"
    message = only_problem(check(listing.save()))
    assert "[registration] scopes must be a list, not a string" in message
    assert "line " in message


def test_number_where_text_belongs_names_the_key(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.manifest["listing"]["category"] = 7
    message = only_problem(check(listing.save()))
    assert "[listing] category must be a string, not a number" in message


def test_unknown_key_is_named_with_its_line(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.manifest["registration"]["client_secret"] = "never-here"
    run = check(listing.save())
    message = only_problem(run)
    line = next(
        number
        for number, text in enumerate(listing.manifest_path.read_text().splitlines(), start=1)
        if text.startswith('"client_secret"')
    )
    assert "unknown key(s) 'client_secret'" in message and f"line {line}:" in message


def test_missing_required_field_is_named(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    del listing.manifest["listing"]["terms_url"]
    assert "'terms_url' is a required property" in only_problem(check(listing.save()))


def test_missing_support_contact_is_explained(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    del listing.manifest["listing"]["support_url"], listing.manifest["listing"]["support_email"]
    assert "support_email or support_url" in only_problem(check(listing.save()))


def test_lengths_are_bounded(check: Callable[..., CheckRun], listing: ListingProject) -> None:
    listing.manifest["listing"]["short_description"] = "x" * 161
    message = only_problem(check(listing.save()))
    assert "short_description must have at most 160 characters (it has 161)" in message


def test_missing_manifest_is_reported(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.manifest_path.unlink()
    assert "does not exist" in only_problem(check(listing))


def test_standalone_check_reports_a_broken_manifest_without_a_traceback(
    listing: ListingProject,
) -> None:
    """`python -m <package>.marketplace check` works when the app itself cannot start."""
    listing.manifest_path.write_text("[registration]\nname = \n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "{{ cookiecutter.project_slug }}.marketplace",
            "check",
            "--project-dir",
            str(listing.path),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        check=False,
        env={"PATH": "", "APP_ENV": "development", "SYSTEMROOT": ""},
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "MANIFEST_INVALID" in result.stdout and "line 2" in result.stdout
