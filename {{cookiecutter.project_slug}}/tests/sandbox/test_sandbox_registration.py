"""F1 and F2: registering, editing and rotating OAuth apps through the admin API."""

import glob
from typing import Any

import pytest
import requests

from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer

VALID: dict[str, Any] = {
    "name": "Registered App",
    "description": "Does things.",
    "homepage_url": "https://registered.example.com",
    "redirect_uris": ["https://registered.example.com/callback"],
    "scopes": ["read:projects"],
}


def register(sandbox: SandboxServer, **changes: Any) -> requests.Response:
    fields = {**VALID, **changes}
    fields = {key: value for key, value in fields.items() if value is not None}
    return requests.post(sandbox.url + "/_sandbox/apps", json=fields, timeout=10)


def assert_refused(answer: requests.Response, field: str) -> None:
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] in ("invalid_client_metadata", "invalid_redirect_uri")
    assert field in body["message"]


def test_registration_answers_client_id_and_client_secret(sandbox: SandboxServer) -> None:
    answer = register(sandbox)
    body = answer.json()
    assert answer.status_code == 201
    assert body["client_id"] and body["client_secret"]
    assert body["redirect_uris"] == VALID["redirect_uris"]


@pytest.mark.parametrize("field", ["name", "homepage_url", "redirect_uris", "scopes"])
def test_registration_requires_each_required_field(sandbox: SandboxServer, field: str) -> None:
    assert_refused(register(sandbox, **{field: None}), field)


def test_registration_refuses_a_blank_name(sandbox: SandboxServer) -> None:
    assert_refused(register(sandbox, name="   "), "name")


def test_description_is_optional(sandbox: SandboxServer) -> None:
    assert register(sandbox, description=None).status_code == 201


def test_redirect_uris_must_be_https(sandbox: SandboxServer) -> None:
    assert_refused(
        register(sandbox, redirect_uris=["http://registered.example.com/cb"]), "redirect_uris"
    )


def test_redirect_uris_must_be_absolute(sandbox: SandboxServer) -> None:
    assert_refused(register(sandbox, redirect_uris=["/callback"]), "redirect_uris")


def test_loopback_http_redirect_uris_are_a_sandbox_allowance(sandbox: SandboxServer) -> None:
    uris = ["http://localhost:8000/callback", "http://127.0.0.1:5000/cb"]
    assert register(sandbox, redirect_uris=uris).status_code == 201


def test_redirect_uri_wildcards_are_refused(sandbox: SandboxServer) -> None:
    for uri in ("https://*.example.com/callback", "https://example.com/*"):
        assert_refused(register(sandbox, redirect_uris=[uri]), "redirect_uris")


def test_redirect_uri_with_a_fragment_is_refused(sandbox: SandboxServer) -> None:
    assert_refused(register(sandbox, redirect_uris=["https://a.example.com/cb#x"]), "redirect_uris")


def test_scopes_must_come_from_the_catalogue(sandbox: SandboxServer) -> None:
    assert_refused(register(sandbox, scopes=["read:projects", "admin"]), "scopes")


def test_scopes_must_be_a_list(sandbox: SandboxServer) -> None:
    assert_refused(register(sandbox, scopes="read:projects"), "scopes")


def test_unknown_fields_are_refused(sandbox: SandboxServer) -> None:
    assert_refused(register(sandbox, client_secret="chosen-by-me"), "client_secret")


def test_app_view_never_shows_the_secret(sandbox: SandboxServer) -> None:
    created = register(sandbox).json()
    shown = requests.get(f"{sandbox.url}/_sandbox/apps/{created['client_id']}", timeout=10)
    assert shown.status_code == 200
    assert "client_secret" not in shown.json()
    assert created["client_secret"] not in shown.text
    assert shown.json()["authorized_workspaces"] == 0


def test_client_secret_is_stored_only_as_a_hash(sandbox: SandboxServer) -> None:
    secret = register(sandbox).json()["client_secret"]
    database = sandbox.app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    for path in glob.glob(database + "*"):
        with open(path, "rb") as handle:
            assert secret.encode() not in handle.read()


def test_edit_changes_the_registration(sandbox: SandboxServer) -> None:
    client_id = register(sandbox).json()["client_id"]
    answer = requests.patch(
        f"{sandbox.url}/_sandbox/apps/{client_id}",
        timeout=10,
        json={"name": "Renamed", "scopes": ["write:tasks"]},
    )
    assert answer.status_code == 200
    assert answer.json()["name"] == "Renamed"
    assert answer.json()["scopes"] == ["write:tasks"]


def test_edit_applies_the_same_validation(sandbox: SandboxServer) -> None:
    client_id = register(sandbox).json()["client_id"]
    answer = requests.patch(
        f"{sandbox.url}/_sandbox/apps/{client_id}",
        timeout=10,
        json={"redirect_uris": ["http://example.com/cb"]},
    )
    assert_refused(answer, "redirect_uris")


def test_edited_redirect_uris_are_matched_exactly(flow: OAuthFlow, new_app: dict) -> None:
    uri = "https://second.example.com/new-callback"
    requests.patch(
        f"{flow.server.url}/_sandbox/apps/{new_app['client_id']}",
        timeout=10,
        json={"redirect_uris": [uri]},
    )
    second = flow.for_app({**new_app, "redirect_uris": [uri]})
    assert second.exchange(second.code()).status_code == 200
    old = requests.get(
        second.authorize_url(redirect_uri="https://second.example.com/cb"),
        allow_redirects=False,
        timeout=10,
    )
    assert old.status_code == 400


def test_rotating_the_secret_refuses_the_old_one_at_once(flow: OAuthFlow, new_app: dict) -> None:
    second = flow.for_app(new_app)
    rotated = requests.post(
        f"{flow.server.url}/_sandbox/apps/{new_app['client_id']}/rotate-secret", timeout=10
    )
    new_secret = rotated.json()["client_secret"]
    assert new_secret != new_app["client_secret"]
    code = second.code()
    assert second.exchange(code).status_code == 401
    assert second.exchange(code, client_secret=new_secret).status_code == 200


def test_the_token_endpoint_reads_the_registration_rotated_since_its_last_request(
    flow: OAuthFlow, new_app: dict
) -> None:
    """The token endpoint holds its connection between requests; what it reads of the app
    must still be the registration in force, not what it saw last time."""
    second = flow.for_app(new_app)
    refresh_token = second.tokens()["refresh_token"]
    assert second.refresh(refresh_token).status_code == 200  # the registration, read once
    rotated = requests.post(
        f"{flow.server.url}/_sandbox/apps/{new_app['client_id']}/rotate-secret", timeout=10
    )
    old_secret = second.refresh(refresh_token)
    assert old_secret.status_code == 401
    assert old_secret.json()["error"] == "invalid_client"
    new_secret = rotated.json()["client_secret"]
    assert second.exchange(second.code(), client_secret=new_secret).status_code == 200


def test_rotating_the_secret_keeps_issued_access_tokens_valid(
    flow: OAuthFlow, new_app: dict
) -> None:
    second = flow.for_app(new_app)
    token = second.tokens()["access_token"]
    requests.post(
        f"{flow.server.url}/_sandbox/apps/{new_app['client_id']}/rotate-secret", timeout=10
    )
    assert second.api(token).status_code == 200


def test_registration_needs_a_json_body(sandbox: SandboxServer) -> None:
    answer = requests.post(sandbox.url + "/_sandbox/apps", data={"name": "x"}, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_unknown_app_is_404(sandbox: SandboxServer) -> None:
    answer = requests.get(sandbox.url + "/_sandbox/apps/sbx_nobody", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
