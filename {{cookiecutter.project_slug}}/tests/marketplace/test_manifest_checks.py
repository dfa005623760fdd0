"""Each manifest rule: a listing that breaks it fails with its id; the good listing passes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers.listing import HOST, CheckRun, ListingProject, api

Edit = Callable[[dict[str, Any]], None]


def redirect(uri: str) -> Edit:
    def edit(manifest: dict[str, Any]) -> None:
        manifest["registration"]["redirect_uris"] = [f"{HOST}/callback", uri]

    return edit


def listing_key(key: str, value: Any) -> Edit:
    def edit(manifest: dict[str, Any]) -> None:
        manifest["listing"][key] = value

    return edit


def add_scope(scope: str, justification: str | None = "Shows the tasks of each project.") -> Edit:
    def edit(manifest: dict[str, Any]) -> None:
        manifest["registration"]["scopes"].append(scope)
        if justification is not None:
            manifest["listing"]["scope_justifications"][scope] = justification

    return edit


def drop_used_scope(manifest: dict[str, Any]) -> None:
    scope = manifest["registration"]["scopes"].pop()
    del manifest["listing"]["scope_justifications"][scope]


def drop_justification(manifest: dict[str, Any]) -> None:
    manifest["listing"]["scope_justifications"].popitem()


def placeholder_justification(manifest: dict[str, Any]) -> None:
    scope = manifest["registration"]["scopes"][0]
    manifest["listing"]["scope_justifications"][scope] = "Explain why the app needs this scope."


def unknown_key(manifest: dict[str, Any]) -> None:
    manifest["listing"]["colour"] = "blue"


ERRORS: dict[str, tuple[str, Edit]] = {
    "unknown-key": ("MANIFEST_INVALID", unknown_key),
    "http-redirect": ("REDIRECT_NOT_HTTPS", redirect("http://tasks.acme-integrations.io/cb")),
    "relative-redirect": ("REDIRECT_NOT_HTTPS", redirect("https:///callback-only")),
    "user-info-redirect": (
        "REDIRECT_NOT_HTTPS",
        redirect("https://me@tasks.acme-integrations.io/cb"),
    ),
    "wildcard-redirect": ("REDIRECT_WILDCARD", redirect("https://*.acme-integrations.io/callback")),
    "fragment-redirect": ("REDIRECT_FRAGMENT", redirect(f"{HOST}/callback#done")),
    "other-path-redirect": ("REDIRECT_NOT_CALLBACK", redirect(f"{HOST}/oauth/fsckmsft")),
    "trailing-slash-redirect": ("REDIRECT_NOT_CALLBACK", redirect(f"{HOST}/callback/")),
    "localhost-redirect": ("REDIRECT_LOOPBACK", redirect("https://localhost:8443/callback")),
    "127-redirect": ("REDIRECT_LOOPBACK", redirect("https://127.0.0.1/callback")),
    "private-ip-redirect": ("REDIRECT_LOOPBACK", redirect("https://192.168.1.20/callback")),
    "ngrok-redirect": ("REDIRECT_TUNNEL", redirect("https://4f2a-81-2-69-160.ngrok-free.app/cb")),
    "http-privacy": ("URL_NOT_HTTPS", listing_key("privacy_policy_url", "http://acme.io/privacy")),
    "http-terms": ("URL_NOT_HTTPS", listing_key("terms_url", "http://acme.io/terms")),
    "unused-scope": ("SCOPE_UNUSED", add_scope("write:projects")),
    "undeclared-scope": ("SCOPE_UNDECLARED", drop_used_scope),
    "missing-justification": ("SCOPE_UNJUSTIFIED", drop_justification),
    "placeholder-justification": ("SCOPE_UNJUSTIFIED", placeholder_justification),
    "unknown-scope": ("SCOPE_UNKNOWN", add_scope("admin:everything")),
}

WARNINGS: dict[str, tuple[str, Edit]] = {
    "example-homepage": (
        "URL_PLACEHOLDER",
        lambda m: m["registration"].update(homepage_url="https://acme.example.com"),
    ),
    "example-support-email": ("URL_PLACEHOLDER", listing_key("support_email", "me@example.org")),
    "stray-justification": (
        "SCOPE_JUSTIFICATION_STRAY",
        lambda m: m["listing"]["scope_justifications"].update({"read:tasks": "x" * 30}),
    ),
}


def test_the_good_listing_passes_every_check(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    run = check(listing)
    assert run.exit_code == 0
    assert run.failing() == set()
    assert run.report["ok"] is True


def test_a_redirect_uri_under_a_path_prefix_reaches_the_callback(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    redirect(f"{HOST}/fsckmsft/callback")(listing.manifest)
    run = check(listing.save())
    assert run.status("REDIRECT_NOT_CALLBACK") == "pass"
    assert run.exit_code == 0


@pytest.mark.parametrize(("check_id", "edit"), ERRORS.values(), ids=ERRORS.keys())
def test_error_check_fails_with_its_id(
    check: Callable[..., CheckRun], listing: ListingProject, check_id: str, edit: Edit
) -> None:
    edit(listing.manifest)
    run = check(listing.save())
    assert run.exit_code == 1
    assert check_id in run.failing()
    assert all(message.strip() for message in run.messages(check_id))


@pytest.mark.parametrize(("check_id", "edit"), WARNINGS.values(), ids=WARNINGS.keys())
def test_warning_is_reported_but_does_not_block(
    check: Callable[..., CheckRun], listing: ListingProject, check_id: str, edit: Edit
) -> None:
    edit(listing.manifest)
    run = check(listing.save())
    assert run.failing() == {check_id}
    assert run.exit_code == 0 and run.report["summary"]["warnings"] == 1


def test_unused_scope_message_names_the_scope_and_the_fix(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    add_scope("read:tasks")(listing.manifest)
    (message,) = check(listing.save()).messages("SCOPE_UNUSED")
    assert "read:tasks" in message and "remove it" in message


def test_a_new_api_call_needing_an_undeclared_scope_is_caught(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    """The used scopes come from @needs_scope on the API calls, not from a list kept by hand."""
    before = dict(api.SCOPES_USED)
    try:

        class TaskApi:
            @api.needs_scope("read:tasks")
            def list_tasks(self) -> None: ...

        run = check(listing)
    finally:
        api.SCOPES_USED.clear()
        api.SCOPES_USED.update(before)
    assert run.exit_code == 1
    assert any("list_tasks needs read:tasks" in m for m in run.messages("SCOPE_UNDECLARED"))
    assert getattr(TaskApi.list_tasks, "required_scope", None) == "read:tasks"


def test_checks_that_need_a_valid_manifest_wait_for_it(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    unknown_key(listing.manifest)
    redirect("http://insecure.acme.io/cb")(listing.manifest)
    run = check(listing.save())
    assert run.failing() == {"MANIFEST_INVALID"}
    assert run.status("REDIRECT_NOT_HTTPS") == "skip"


def test_description_is_optional_as_documented(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    del listing.manifest["registration"]["description"]
    run = check(listing.save())
    assert run.exit_code == 0
    assert run.failing() == set()


def test_an_undocumented_scope_is_labelled_and_does_not_block(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    """read:tasks is offered by the template but never named by the documentation."""
    before = dict(api.SCOPES_USED)
    try:

        class TaskApi:
            @api.needs_scope("read:tasks")
            def list_tasks(self) -> None: ...

        add_scope("read:tasks")(listing.manifest)
        run = check(listing.save())
    finally:
        api.SCOPES_USED.clear()
        api.SCOPES_USED.update(before)
    assert run.failing() == {"SCOPE_UNDOCUMENTED"}
    assert run.exit_code == 0
    (message,) = run.messages("SCOPE_UNDOCUMENTED")
    assert "read:tasks is not in the fsckmsft documentation" in message


def test_a_documented_scope_is_not_labelled(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    assert set(listing.manifest["registration"]["scopes"]) <= {"read:projects", "write:tasks"}
    assert check(listing).status("SCOPE_UNDOCUMENTED") == "pass"
