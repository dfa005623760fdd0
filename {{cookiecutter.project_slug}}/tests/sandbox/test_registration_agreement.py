"""The emulator and the app read the registration rules alike.

The sandbox plays the platform and keeps its own check (it never imports the app); the app's
rules live in fsckmsft/registration_rules.py. Where the two disagree, one of them has drifted
from the documentation: these tests say which rule.
"""

from __future__ import annotations

import pytest

from {{ cookiecutter.project_slug }}.fsckmsft import registration_rules as app_rules

from fsckmsft_sandbox import config as sandbox_config
from fsckmsft_sandbox.registration import LOOPBACK_HOSTS, redirect_uri_problem

REDIRECT_URIS = {
    "plain": "https://acme.example.com/callback",
    "port-path-query": "https://acme.example.com:8443/oauth/callback?from=fsckmsft",
    "https-loopback": "https://localhost:8443/callback",
    "http": "http://acme.example.com/callback",
    "relative": "/callback",
    "no-host": "https:///callback",
    "other-scheme": "ftp://acme.example.com/callback",
    "wildcard-host": "https://*.example.com/callback",
    "wildcard-path": "https://acme.example.com/*",
    "fragment": "https://acme.example.com/callback#done",
    "user-info": "https://user:pw@acme.example.com/callback",
    "leading-space": " https://acme.example.com/callback",
    "trailing-newline": "https://acme.example.com/callback\n",
    "empty": "",
}

#: The sandbox-only allowance for development: plain http on this machine's loopback.
LOOPBACK_HTTP = {f"http-{host}": f"http://{host}:8000/callback" for host in LOOPBACK_HOSTS}


@pytest.mark.parametrize("uri", REDIRECT_URIS.values(), ids=REDIRECT_URIS.keys())
def test_a_redirect_uri_gets_the_same_verdict_from_both(uri: str) -> None:
    app_accepts = app_rules.redirect_uri_problem(uri) is None
    sandbox_accepts = redirect_uri_problem(uri) is None
    assert app_accepts == sandbox_accepts


@pytest.mark.parametrize("uri", LOOPBACK_HTTP.values(), ids=LOOPBACK_HTTP.keys())
def test_loopback_http_is_the_sandbox_only_allowance(uri: str) -> None:
    assert redirect_uri_problem(uri) is None
    assert app_rules.redirect_uri_problem(uri) is not None


def test_both_know_the_same_scopes() -> None:
    assert set(sandbox_config.SCOPES) == set(app_rules.SCOPE_CATALOGUE)


def test_both_document_the_same_scopes() -> None:
    assert tuple(sandbox_config.DOCUMENTED_SCOPES) == app_rules.DOCUMENTED_SCOPES
