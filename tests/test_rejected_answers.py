"""Every answer pre_gen_project.py refuses: one clear sentence, and nothing on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Bake
from cookiecutter.exceptions import FailedHookException

BAD_SLUGS = {
    "not-an-identifier": "acme-tasks",
    "has-a-space": "acme tasks",
    "starts-with-digit": "1acme",
    "uppercase": "AcmeTasks",
    "non-ascii": "acmé",
    "keyword": "class",
    "stdlib-platform": "platform",
    "stdlib-test": "test",
    "stdlib-json": "json",
    "dependency-flask": "flask",
    "dependency-authlib": "authlib",
    "tests-package": "tests",
    "sandbox-package": "sandbox",
}

BAD_URLS = {
    "http": "http://acme.example.com/callback",
    "relative": "/callback",
    "no-host": "https:///callback",
    "other-scheme": "ftp://acme.example.com/callback",
    "wildcard-host": "https://*.example.com/callback",
    "wildcard-path": "https://acme.example.com/*",
    "fragment": "https://acme.example.com/callback#done",
    "user-info": "https://user:pw@acme.example.com/callback",
    "user-only": "https://user@acme.example.com/callback",
    "space": "https://acme.example.com/call back",
    "trailing-newline": "https://acme.example.com/callback\n",
    "tab": "https://acme.example.com/\tcallback",
}

# Valid for the platform, but the app serves its callback at /callback only (the app's rule).
BAD_CALLBACK_PATHS = {
    "other-path": "https://acme.example.com/oauth/fsckmsft",
    "trailing-slash": "https://acme.example.com/callback/",
    "callback-as-suffix": "https://acme.example.com/mycallback",
    "no-path": "https://acme.example.com",
}

BAD_SCOPES = {
    "unknown": "read:projects admin",
    "unknown-only": "delete:everything",
    "wrong-case": "READ:projects",
    "duplicated": "read:projects read:projects",
    "duplicated-among-others": "read:projects write:tasks read:projects",
    "empty": "",
    "whitespace-only": "   ",
}


def assert_rejected(
    bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str], name: str, **answers: str
) -> str:
    """The bake fails in the pre-gen hook, says why naming the answer, and writes nothing;
    answers the message."""
    with pytest.raises(FailedHookException):
        bake(**answers)
    message = capfd.readouterr().err
    assert "ERROR:" in message, f"no error sentence on stderr: {message!r}"
    assert name in message, f"the error does not name {name}: {message!r}"
    output_dir = tmp_path / "out"
    assert not output_dir.exists() or not any(output_dir.iterdir()), "files left on disk"
    return message


@pytest.mark.parametrize("slug", BAD_SLUGS.values(), ids=BAD_SLUGS.keys())
def test_bad_project_slug_is_rejected(
    slug: str, bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert_rejected(bake, tmp_path, capfd, "project_slug", project_slug=slug)


def test_slug_derived_from_a_shadowing_name_is_rejected(
    bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert_rejected(bake, tmp_path, capfd, "project_slug", project_name="Flask")


def test_empty_project_name_is_rejected(
    bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert_rejected(bake, tmp_path, capfd, "project_name", project_name="  ", project_slug="acme")


@pytest.mark.parametrize("field", ["homepage_url", "redirect_uri"])
@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
def test_bad_url_is_rejected(
    field: str, url: str, bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert_rejected(bake, tmp_path, capfd, field, **{field: url})


@pytest.mark.parametrize("url", BAD_CALLBACK_PATHS.values(), ids=BAD_CALLBACK_PATHS.keys())
def test_a_redirect_uri_the_callback_route_cannot_receive_is_rejected(
    url: str, bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    message = assert_rejected(bake, tmp_path, capfd, "redirect_uri", redirect_uri=url)
    assert "path ending in /callback" in message and "prefix" in message, message
    assert message.strip().count(". ") == 0, f"not one sentence: {message!r}"


def test_a_redirect_uri_under_a_path_prefix_is_accepted(bake: Bake) -> None:
    project = bake(redirect_uri="https://acme.example.com/fsckmsft/callback")
    assert project.file_contains("marketplace/manifest.toml", "acme.example.com/fsckmsft/callback")


@pytest.mark.parametrize("scopes", BAD_SCOPES.values(), ids=BAD_SCOPES.keys())
def test_bad_scopes_are_rejected(
    scopes: str, bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert_rejected(bake, tmp_path, capfd, "scopes", scopes=scopes)


@pytest.mark.parametrize("field", ["include_sandbox", "include_flow_inspector"])
def test_yes_no_options_accept_only_yes_or_no(
    field: str, bake: Bake, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert_rejected(bake, tmp_path, capfd, field, **{field: "maybe"})


def test_every_catalogue_scope_is_accepted(bake: Bake) -> None:
    project = bake(scopes="read:projects write:projects read:tasks write:tasks")
    assert project.has_file("marketplace/manifest.toml")


def test_a_redirect_uri_with_port_path_and_query_is_accepted(bake: Bake) -> None:
    project = bake(redirect_uri="https://acme.example.com:8443/oauth/callback?from=fsckmsft")
    assert project.file_contains("marketplace/manifest.toml", "8443/oauth/callback?from=fsckmsft")
