"""The documented registration rules: what fsckmsft accepts, checked in one place."""

from __future__ import annotations

import pytest

from {{ cookiecutter.project_slug }}.fsckmsft import registration_rules as rules

ACCEPTED = {
    "plain": "https://acme.example.com/callback",
    "port-path-query": "https://acme.example.com:8443/oauth/callback?from=fsckmsft",
    "https-loopback": "https://localhost:8443/callback",
}

REFUSED = {
    "http": ("http://acme.example.com/callback", "https"),
    "http-loopback": ("http://localhost:8000/callback", "https"),
    "relative": ("/callback", "https"),
    "no-host": ("https:///callback", "https"),
    "other-scheme": ("ftp://acme.example.com/callback", "https"),
    "wildcard-host": ("https://*.example.com/callback", "wildcard"),
    "wildcard-path": ("https://acme.example.com/*", "wildcard"),
    "fragment": ("https://acme.example.com/callback#done", "fragment"),
    "user-info": ("https://user:pw@acme.example.com/callback", "credentials"),
    "space": ("https://acme.example.com/call back", "whitespace"),
    "newline": ("https://acme.example.com/callback\n", "whitespace"),
    "empty": ("", "https"),
    "not-a-string": (None, "https"),
}


@pytest.mark.parametrize("uri", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_a_fully_qualified_https_uri_may_be_registered(uri: str) -> None:
    assert rules.redirect_uri_problems(uri) == []
    assert rules.redirect_uri_problem(uri) is None


@pytest.mark.parametrize(("uri", "rule"), REFUSED.values(), ids=REFUSED.keys())
def test_a_redirect_uri_breaking_a_rule_is_refused_naming_it(uri: str, rule: str) -> None:
    assert rule in {broken.rule for broken in rules.redirect_uri_problems(uri)}
    assert rules.redirect_uri_problem(uri)


def test_description_is_the_only_optional_field() -> None:
    assert rules.OPTIONAL_FIELDS == ("description",)
    assert set(rules.REQUIRED_FIELDS) == {"name", "homepage_url", "redirect_uris", "scopes"}


def test_only_read_projects_and_write_tasks_are_documented() -> None:
    assert rules.DOCUMENTED_SCOPES == ("read:projects", "write:tasks")
    assert set(rules.SCOPE_CATALOGUE) == {*rules.DOCUMENTED_SCOPES, *rules.UNDOCUMENTED_SCOPES}
    assert not set(rules.DOCUMENTED_SCOPES) & set(rules.UNDOCUMENTED_SCOPES)


def test_undocumented_scopes_are_labelled_wherever_they_show() -> None:
    assert rules.scope_label("read:tasks") == "read:tasks (not in the fsckmsft documentation)"
    assert rules.scope_label("read:projects") == "read:projects"
    text = rules.catalogue_text()
    assert "write:projects (not in the fsckmsft documentation)" in text
    assert "write:tasks (not" not in text


@pytest.mark.parametrize(
    ("scopes", "fragment"),
    [
        ([], "at least one scope"),
        (["admin"], "'admin' is not a fsckmsft scope"),
        (["READ:projects"], "is not a fsckmsft scope"),
        (["read:projects", "read:projects"], "read:projects listed more than once"),
    ],
)
def test_only_declared_catalogue_scopes_once_each(scopes: list[str], fragment: str) -> None:
    problems = rules.scope_problems(scopes)
    assert any(fragment in problem for problem in problems), problems


def test_every_catalogue_scope_may_be_declared() -> None:
    assert rules.scope_problems(list(rules.SCOPE_CATALOGUE)) == []


def test_the_rules_need_only_the_standard_library() -> None:
    """The bake-time hook loads this file before any dependency is installed."""
    source = rules.__file__
    with open(source, encoding="utf-8") as file:
        imports = [line.split()[1] for line in file if line.startswith(("import ", "from "))]
    assert {name.split(".")[0] for name in imports} <= {
        "__future__",
        "collections",
        "dataclasses",
        "typing",
        "urllib",
    }
