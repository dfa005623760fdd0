"""/inspector exists only in development with the inspector on; elsewhere it is a plain 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.config import ConfigError

from tests.helpers.inspector import inspector_config

ROUTES = [
    ("GET", "/inspector"),
    ("GET", "/inspector/static/inspector.css"),
    ("POST", "/inspector/sandbox/clock"),
    ("POST", "/inspector/sandbox/revoke"),
    ("POST", "/inspector/sandbox/fault"),
]
PLATFORM = "https://fsckmsft.test"
PRODUCTION = {
    "APP_ENV": "production",
    "TESTING": False,
    "INSPECTOR_ENABLED": False,
    "FSCKMSFT_REDIRECT_URI": "https://acme.example.com/callback",
}


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    return create_app(inspector_config(f"sqlite:///{tmp_path / 'app.db'}", PLATFORM, **overrides))


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_inspector_is_404_when_disabled(tmp_path: Path, method: str, path: str) -> None:
    app = make_app(tmp_path, INSPECTOR_ENABLED=False)
    assert app.test_client().open(path, method=method).status_code == 404


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_inspector_is_404_in_production(tmp_path: Path, method: str, path: str) -> None:
    app = make_app(tmp_path, **PRODUCTION)
    assert app.test_client().open(path, method=method).status_code == 404


def test_production_refuses_to_start_with_the_inspector_enabled(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="INSPECTOR_ENABLED"):
        make_app(tmp_path, **{**PRODUCTION, "INSPECTOR_ENABLED": True})


def test_inspector_answers_in_development(tmp_path: Path) -> None:
    response = make_app(tmp_path).test_client().get("/inspector")
    assert response.status_code == 200
    assert "No flow recorded for this browser yet" in response.get_data(as_text=True)


def test_inspector_page_keeps_the_strict_content_security_policy(tmp_path: Path) -> None:
    response = make_app(tmp_path).test_client().get("/inspector")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    html = response.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html
    assert "/inspector/static/inspector.css" in html


def test_sandbox_controls_are_hidden_and_404_against_the_real_platform(tmp_path: Path) -> None:
    app = make_app(tmp_path, CLOCK_SOURCE="system")
    web = app.test_client()
    assert "Sandbox controls" not in web.get("/inspector").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = False  # so that only the missing sandbox can refuse
    for path in ("/inspector/sandbox/clock", "/inspector/sandbox/revoke"):
        assert web.post(path, data={"jump": "61m"}).status_code == 404
    assert web.post("/inspector/sandbox/fault", data={"kind": "500"}).status_code == 404
