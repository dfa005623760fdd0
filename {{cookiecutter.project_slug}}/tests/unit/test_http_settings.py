"""The platform sessions read proxy settings once, for the one origin they call."""

from __future__ import annotations

import pytest
import requests

from {{ cookiecutter.project_slug }}.fsckmsft.http_settings import settle_environment


def test_a_proxy_from_the_environment_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = settle_environment(requests.Session(), "https://auth.fsckmsft.org")
    assert session.proxies.get("https") == "http://proxy.internal:3128"
    assert session.trust_env is False  # no per-request re-reading of the environment


def test_no_proxy_for_the_origin_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "fsckmsft.org")
    session = settle_environment(requests.Session(), "https://auth.fsckmsft.org")
    assert "https" not in session.proxies


def test_a_ca_bundle_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/internal-ca.pem")
    session = settle_environment(requests.Session(), "https://auth.fsckmsft.org")
    assert session.verify == "/etc/ssl/internal-ca.pem"
