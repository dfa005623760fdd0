"""F3: GET/POST /oauth/authorize, the consent page, and PKCE."""

import base64
import hashlib
import html
import re

import requests

from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer, query_of

VERIFIER = "v" * 43 + "-verifier-for-pkce-tests"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def redirect_of(flow: OAuthFlow, **params: str | None) -> requests.Response:
    return requests.get(flow.authorize_url(**params), allow_redirects=False, timeout=10)


def test_approve_redirects_to_the_redirect_uri_with_code_and_state(flow: OAuthFlow) -> None:
    location = flow.server.approve(flow.authorize_url(state="abc-123"), "ada")
    assert location.startswith(flow.app["redirect_uris"][0] + "?")
    answer = query_of(location)
    assert set(answer) == {"code", "state"}
    assert answer["state"] == "abc-123"


def test_deny_redirects_with_access_denied_and_state(flow: OAuthFlow) -> None:
    location = flow.server.approve(flow.authorize_url(state="s-9"), "ada", decision="deny")
    assert location.startswith(flow.app["redirect_uris"][0] + "?")
    answer = query_of(location)
    assert answer["error"] == "access_denied"
    assert answer["state"] == "s-9"
    assert "code" not in answer


def test_response_type_other_than_code_is_unsupported_no_implicit_flow(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, response_type="token", state="st")
    assert answer.status_code == 302
    error = query_of(answer.headers["Location"])
    assert error["error"] == "unsupported_response_type"
    assert error["state"] == "st"
    assert "access_token" not in answer.headers["Location"]


def test_missing_state_is_invalid_request(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, state=None)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"


def test_missing_scope_is_invalid_scope(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, scope=None)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_scope"


def test_app_may_only_request_scopes_it_declared(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, scope="read:projects write:projects", state="st")
    assert answer.status_code == 302
    error = query_of(answer.headers["Location"])
    assert error["error"] == "invalid_scope"
    assert error["state"] == "st"


def test_unknown_client_gets_error_page_not_redirect(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, client_id="sbx_unknown")
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "text/html" in answer.headers["Content-Type"]


def test_unknown_redirect_uri_gets_error_page_not_redirect(flow: OAuthFlow) -> None:
    answer = redirect_of(
        flow, redirect_uri="https://evil.example.net/callback", response_type="token"
    )
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_redirect_uri_must_match_exactly(flow: OAuthFlow) -> None:
    registered = flow.app["redirect_uris"][0]
    for near_miss in (
        registered + "/",
        registered + "?next=x",
        registered.upper(),
        registered.replace("https", "http"),
    ):
        answer = redirect_of(flow, redirect_uri=near_miss)
        assert answer.status_code == 400, near_miss
        assert "Location" not in answer.headers


def test_missing_redirect_uri_gets_error_page(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, redirect_uri=None)
    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_consent_page_shows_the_app_and_each_scope_in_plain_words(flow: OAuthFlow) -> None:
    page = requests.get(flow.authorize_url(), timeout=10)
    assert page.status_code == 200
    assert "Conformance Integration" in page.text
    assert "Checks that the sandbox follows the platform documentation." in page.text
    assert "See the projects in your workspace" in page.text
    assert "Add tasks to your projects" in page.text
    assert page.headers["X-Frame-Options"] == "DENY"


def test_consent_form_has_user_workspace_and_decision_fields(flow: OAuthFlow) -> None:
    page = requests.get(flow.authorize_url(), timeout=10).text
    assert '<select name="username"' in page
    assert '<select name="workspace"' in page
    assert re.search(r'<button[^>]*name="decision"[^>]*value="approve"', page)
    assert re.search(r'<button[^>]*name="decision"[^>]*value="deny"', page)
    for name in ("client_id", "redirect_uri", "response_type", "scope", "state"):
        assert re.search(rf'<input type="hidden" name="{name}"', page), name


def project_names(flow: OAuthFlow, token: str) -> set[str]:
    return {project["name"] for project in flow.api(token).json()["projects"]}


def test_approval_binds_the_chosen_workspace(flow: OAuthFlow) -> None:
    token = flow.tokens("grace", "ws_grace_lectures")["access_token"]
    assert project_names(flow, token) == {"Nanoseconds"}


def test_approval_without_workspace_uses_the_users_first(flow: OAuthFlow) -> None:
    token = flow.tokens("grace")["access_token"]
    assert project_names(flow, token) == {"Mark I", "COBOL"}


def workspace_options(page: str) -> list[str]:
    select = page.split('<select name="workspace"', 1)[1].split("</select>", 1)[0]
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_consent_page_offers_only_the_signed_in_users_workspaces(flow: OAuthFlow) -> None:
    # The first sandbox user is signed in until another is picked: ada has one workspace.
    page = requests.get(flow.authorize_url(), timeout=10).text
    assert workspace_options(page) == ["ws_ada"]
    as_grace = requests.get(flow.authorize_url(username="grace"), timeout=10).text
    assert workspace_options(as_grace) == ["ws_grace_navy", "ws_grace_lectures"]
    assert re.search(r'<option value="grace" selected>', as_grace)


def test_workspace_of_another_user_is_refused(flow: OAuthFlow) -> None:
    fields = {
        "client_id": flow.app["client_id"],
        "redirect_uri": flow.app["redirect_uris"][0],
        "response_type": "code",
        "scope": "read:projects",
        "state": "s",
        "username": "ada",
        "workspace": "ws_linus",
        "decision": "approve",
    }
    answer = requests.post(
        flow.server.url + "/oauth/authorize", data=fields, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    # Not a dead end: the consent page again, for ada, with ada's workspaces and a reason.
    assert "not one of ada's" in html.unescape(answer.text)
    assert workspace_options(answer.text) == ["ws_ada"]
    assert re.search(r'<button[^>]*name="decision"[^>]*value="approve"', answer.text)


def test_unknown_sandbox_user_is_refused(flow: OAuthFlow) -> None:
    fields = {
        "client_id": flow.app["client_id"],
        "redirect_uri": flow.app["redirect_uris"][0],
        "response_type": "code",
        "scope": "read:projects",
        "state": "s",
        "username": "mallory",
        "decision": "approve",
    }
    answer = requests.post(
        flow.server.url + "/oauth/authorize", data=fields, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 400


def test_pkce_s256_is_honoured(flow: OAuthFlow) -> None:
    pkce = {"code_challenge": s256(VERIFIER), "code_challenge_method": "S256"}
    assert flow.exchange(flow.code(**pkce), code_verifier=VERIFIER).status_code == 200
    wrong = flow.exchange(flow.code(**pkce), code_verifier="w" * 50)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


def test_pkce_code_without_verifier_is_refused(flow: OAuthFlow) -> None:
    code = flow.code(code_challenge=s256(VERIFIER), code_challenge_method="S256")
    answer = flow.exchange(code)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_pkce_is_optional_when_not_sent(flow: OAuthFlow) -> None:
    assert flow.exchange(flow.code()).status_code == 200


def test_pkce_plain_is_refused(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, code_challenge=VERIFIER, code_challenge_method="plain")
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"


def test_pkce_challenge_without_method_is_refused_as_plain(flow: OAuthFlow) -> None:
    answer = redirect_of(flow, code_challenge=s256(VERIFIER))
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"


def test_sandbox_users_are_listed_with_their_workspaces(sandbox: SandboxServer) -> None:
    users = {user["username"]: user["workspaces"] for user in sandbox.users()}
    assert {"ada", "grace", "linus"} <= set(users)
    assert len(users["ada"]) == 1
    assert len(users["grace"]) == 2
    assert len(users["linus"]) == 1
    assert set(users["grace"][0]) == {"id", "name"}
