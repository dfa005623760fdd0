"""Bounded requests and trusted host names: what a request may send, and to which name."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

import requests
from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db

from fsckmsft_sandbox.testing import SandboxServer
from tests.helpers.app import app_config, migrated_app
from tests.helpers.flow import connect

REBINDING_HOST = "rebind.attacker.example"


def test_a_body_over_the_limit_gets_a_clean_413_page(any_web: FlaskClient) -> None:
    response = any_web.post("/logout", data={"title": "x" * (1024 * 1024)})
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)


def test_a_query_string_over_the_limit_gets_a_414(any_web: FlaskClient) -> None:
    response = any_web.get("/callback", query_string={"state": "s" * 5000})
    assert response.status_code == 414
    assert "Address too long" in response.get_data(as_text=True)


def test_too_many_multipart_fields_are_refused(any_web: FlaskClient) -> None:
    fields = {f"field{number}": "1" for number in range(500)}  # small, but many parts
    response = any_web.post("/logout", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413


def test_signed_in_pages_and_forms_are_never_stored(
    any_web: FlaskClient, sandbox: SandboxServer
) -> None:
    assert any_web.get("/").headers["Cache-Control"] == "no-store"  # the login page
    connect(any_web, sandbox)
    pages = ["/", "/dashboard", "/privacy"]  # every page shows the logout form's CSRF token
    app = any_web.application
    if "inspector" in app.blueprints:
        pages.append("/inspector")
    for page in pages:
        response = any_web.get(page)
        assert response.status_code == 200, page
        assert response.headers["Cache-Control"] == "no-store", page


def test_static_files_stay_cacheable(any_web: FlaskClient) -> None:
    assert "no-store" not in any_web.get("/static/style.css").headers.get("Cache-Control", "")


def test_an_unknown_host_name_is_refused(any_web: FlaskClient) -> None:
    # A DNS-rebinding name resolving to 127.0.0.1 makes the attacker's page same-origin.
    assert any_web.get("/", headers={"Host": REBINDING_HOST}).status_code == 400
    assert any_web.get("/login", headers={"Host": f"{REBINDING_HOST}:8000"}).status_code == 400


def test_own_host_names_are_accepted(app: Flask, web: FlaskClient) -> None:
    for host in ("localhost", "localhost:8000", "127.0.0.1:8000"):
        assert web.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_allowed_hosts_adds_names(sqlite_url: str, sandbox: SandboxServer) -> None:
    app = migrated_app(app_config(sqlite_url, sandbox.url, ALLOWED_HOSTS=["tasks.lan"]))
    web = app.test_client()
    assert web.get("/healthz", headers={"Host": "tasks.lan:8000"}).status_code == 200
    assert web.get("/healthz", headers={"Host": REBINDING_HOST}).status_code == 400


def test_the_sandbox_refuses_unknown_host_names(sandbox: SandboxServer) -> None:
    port = urlsplit(sandbox.url).port
    offset = sandbox.clock()["offset"]
    rebound = requests.post(
        sandbox.url + "/_sandbox/clock",
        json={"advance": 91 * 86400},
        headers={"Host": f"{REBINDING_HOST}:{port}", "Origin": f"http://{REBINDING_HOST}:{port}"},
        timeout=10,
    )
    assert rebound.status_code == 400
    assert sandbox.clock()["offset"] == offset


def test_the_sandbox_compares_origin_with_a_fixed_list(sandbox: SandboxServer) -> None:
    """Even with the Host check off, an Origin equal to the request's own Host is not enough."""
    port = urlsplit(sandbox.url).port
    trusted = sandbox.app.config["TRUSTED_HOSTS"]
    sandbox.app.config["TRUSTED_HOSTS"] = None
    try:
        forged = requests.post(
            sandbox.url + "/_sandbox/reset",
            headers={
                "Host": f"{REBINDING_HOST}:{port}",
                "Origin": f"http://{REBINDING_HOST}:{port}",
            },
            timeout=10,
        )
    finally:
        sandbox.app.config["TRUSTED_HOSTS"] = trusted
    assert forged.status_code == 403
    own = requests.post(
        sandbox.url + "/_sandbox/reset",
        headers={"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"},
        timeout=10,
    )
    assert own.status_code == 200


def test_sqlite_files_and_instance_folder_are_owner_only(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    database = tmp_path / "data" / "app.db"
    previous = os.umask(0o022)  # a usual umask: files 0644 unless the app says otherwise
    try:
        app = migrated_app(app_config(f"sqlite:///{database}", sandbox.url))
        connect(app.test_client(), sandbox)  # writes: the WAL file exists too
    finally:
        os.umask(previous)
    files = [database, *database.parent.glob("app.db-*")]
    assert len(files) >= 2, files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(Path(app.instance_path).stat().st_mode) == 0o700
    with app.app_context():
        db.engine.dispose()
