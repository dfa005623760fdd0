"""Each switch's readings, one test per reading (docs/sandbox.md, "Switches").

The sandbox starts in the strict profile; `sandbox.configure(...)` plays another reading
until the next reset.
"""

import base64
import hashlib
import subprocess
import sys

import pytest
import requests

from fsckmsft_sandbox.settings import PROFILES, SettingsError, settings_from_command_line
from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer


def rotate(flow: OAuthFlow) -> str:
    """Generate a new secret for the seed app; answers it."""
    answer = requests.post(
        f"{flow.server.url}/_sandbox/apps/{flow.app['client_id']}/rotate-secret", timeout=10
    )
    return answer.json()["client_secret"]


def error_of(answer: requests.Response) -> str:
    return answer.json()["error"]


# -- profiles and the settings control ------------------------------------------------


def test_the_default_profile_is_strict(sandbox: SandboxServer) -> None:
    settings = sandbox.settings()
    assert settings["profile"] == "strict"
    assert settings["switches"] == PROFILES["strict"].switches()
    assert not any(extension["enabled"] for extension in settings["extensions"].values())


def test_a_profile_then_overrides_can_be_chosen(sandbox: SandboxServer) -> None:
    answer = sandbox.configure(profile="lenient", pkce="enforce")
    assert answer["profile"] == "custom"
    assert answer["switches"] == {**PROFILES["lenient"].switches(), "pkce": "enforce"}


def test_reset_returns_to_the_start_settings(sandbox: SandboxServer) -> None:
    sandbox.configure(profile="lenient", extensions=["identity"])
    sandbox.reset()
    assert sandbox.settings()["profile"] == "strict"
    assert not sandbox.settings()["extensions"]["identity"]["enabled"]


def test_unknown_settings_and_readings_are_refused(sandbox: SandboxServer) -> None:
    for body in (
        {"pkce": "maybe"},
        {"no_such_switch": 1},
        {"profile": "loose"},
        {"extensions": ["time_travel"]},
        {"code_lifetime": 0},
        {"token_type": "mac"},
    ):
        answer = requests.post(sandbox.url + "/_sandbox/settings", json=body, timeout=10)
        assert answer.status_code == 400, body
        assert answer.json()["error"] == "invalid_request"


def test_extensions_and_inventions_are_labelled_in_the_settings(sandbox: SandboxServer) -> None:
    settings = sandbox.settings()
    assert all(item["extension"] for item in settings["extensions"].values())
    assert settings["inventions"]["api_bodies"]["invention"] is True


def test_pages_name_the_profile_and_label_extensions(sandbox: SandboxServer) -> None:
    page = requests.get(sandbox.url + "/settings/developer/apps", timeout=10).text
    assert "Profile: <strong>strict</strong>" in page
    assert "read:tasks" not in page
    sandbox.configure(extensions=["extra_scopes"])
    page = requests.get(sandbox.url + "/settings/developer/apps", timeout=10).text
    assert "extensions on (not in the documentation): extra_scopes" in page
    assert 'read:tasks: See the tasks in your projects <em class="extension">' in page


def test_command_line_settings() -> None:
    settings = settings_from_command_line(
        "lenient", ["pkce=enforce", "code_lifetime=120"], ["identity"]
    )
    assert settings.pkce == "enforce"
    assert settings.code_lifetime == 120
    assert settings.secret_rotation == "keep"
    assert settings.extensions == frozenset({"identity"})
    with pytest.raises(SettingsError):
        settings_from_command_line("strict", ["pkce"], [])


def test_command_line_refuses_an_unknown_reading_before_serving() -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "fsckmsft_sandbox", "--set", "pkce=maybe"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert answer.returncode == 2
    assert "'pkce' must be one of: enforce, ignore" in answer.stderr


# -- secret_rotation -----------------------------------------------------------------


def test_strict_rotation_kills_refresh_tokens_and_pending_codes(flow: OAuthFlow) -> None:
    tokens = flow.tokens()
    pending = flow.code()
    new_secret = rotate(flow)
    refreshed = flow.refresh(tokens["refresh_token"], client_secret=new_secret)
    assert refreshed.status_code == 400
    assert error_of(refreshed) == "invalid_grant"
    assert error_of(flow.exchange(pending, client_secret=new_secret)) == "invalid_grant"
    # "All previously issued access tokens remain valid until they expire."
    assert flow.api(tokens["access_token"]).status_code == 200
    # New logins work with the new secret.
    assert flow.exchange(flow.code(), client_secret=new_secret).status_code == 200


def test_lenient_rotation_keeps_refresh_tokens_and_codes_for_the_new_secret(
    flow: OAuthFlow,
) -> None:
    flow.server.configure(secret_rotation="keep")
    tokens = flow.tokens()
    pending = flow.code()
    new_secret = rotate(flow)
    assert flow.refresh(tokens["refresh_token"]).status_code == 401  # the old secret: never
    assert flow.refresh(tokens["refresh_token"], client_secret=new_secret).status_code == 200
    assert flow.exchange(pending, client_secret=new_secret).status_code == 200


# -- refresh_reuse -------------------------------------------------------------------


def test_strict_refresh_reuse_revokes_the_whole_grant(flow: OAuthFlow) -> None:
    first = flow.tokens()
    newest = flow.refresh(first["refresh_token"]).json()
    reused = flow.refresh(first["refresh_token"])
    assert error_of(reused) == "invalid_grant"
    assert error_of(flow.refresh(newest["refresh_token"])) == "invalid_grant"
    assert flow.api(newest["access_token"]).status_code == 401


def test_lenient_refresh_reuse_refuses_only_that_request(flow: OAuthFlow) -> None:
    flow.server.configure(refresh_reuse="refuse")
    first = flow.tokens()
    newest = flow.refresh(first["refresh_token"]).json()
    assert error_of(flow.refresh(first["refresh_token"])) == "invalid_grant"
    assert flow.api(newest["access_token"]).status_code == 200
    assert flow.refresh(newest["refresh_token"]).status_code == 200


def test_reuse_revokes_only_its_own_grant(flow: OAuthFlow) -> None:
    other = flow.tokens("grace")
    first = flow.tokens()
    flow.refresh(first["refresh_token"])
    flow.refresh(first["refresh_token"])
    assert flow.api(other["access_token"]).status_code == 200
    assert flow.refresh(other["refresh_token"]).status_code == 200


# -- client_auth ---------------------------------------------------------------------


def basic_refresh(flow: OAuthFlow, refresh_token: str, **extra: str) -> requests.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    return flow.token_request(data, auth=(flow.app["client_id"], flow.app["client_secret"]))


def test_strict_client_auth_refuses_http_basic(flow: OAuthFlow) -> None:
    answer = basic_refresh(flow, flow.tokens()["refresh_token"])
    assert answer.status_code == 401
    assert error_of(answer) == "invalid_client"
    assert answer.headers["WWW-Authenticate"].startswith("client_secret_post")


def test_lenient_client_auth_accepts_http_basic(flow: OAuthFlow) -> None:
    flow.server.configure(client_auth="body_or_basic")
    tokens = flow.tokens()
    answer = basic_refresh(flow, tokens["refresh_token"])
    assert answer.status_code == 200
    assert flow.refresh(answer.json()["refresh_token"]).status_code == 200  # the body still


def test_lenient_client_auth_answers_a_basic_challenge(flow: OAuthFlow) -> None:
    flow.server.configure(client_auth="body_or_basic")
    data = {"grant_type": "refresh_token", "refresh_token": flow.tokens()["refresh_token"]}
    answer = flow.token_request(data, auth=(flow.app["client_id"], "wrong-secret"))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Basic")


def test_two_client_authentication_methods_at_once_are_refused(flow: OAuthFlow) -> None:
    flow.server.configure(client_auth="body_or_basic")
    answer = basic_refresh(
        flow,
        flow.tokens()["refresh_token"],
        client_id=flow.app["client_id"],
        client_secret=flow.app["client_secret"],
    )
    assert answer.status_code == 400
    assert error_of(answer) == "invalid_request"


# -- token_type and refresh_scope ----------------------------------------------------


def test_strict_token_type_is_the_documented_bearer(flow: OAuthFlow) -> None:
    tokens = flow.tokens()
    assert tokens["token_type"] == "Bearer"
    assert flow.refresh(tokens["refresh_token"]).json()["token_type"] == "Bearer"


def test_token_type_can_be_another_casing(flow: OAuthFlow) -> None:
    flow.server.configure(token_type="bearer")
    tokens = flow.tokens()
    assert tokens["token_type"] == "bearer"
    assert flow.refresh(tokens["refresh_token"]).json()["token_type"] == "bearer"


def test_strict_refresh_answer_echoes_the_scope(flow: OAuthFlow) -> None:
    refreshed = flow.refresh(flow.tokens()["refresh_token"]).json()
    assert refreshed["scope"] == "read:projects write:tasks"


def test_lenient_refresh_answer_omits_the_scope_and_keeps_the_grant(flow: OAuthFlow) -> None:
    flow.server.configure(refresh_scope="omit")
    tokens = flow.tokens()
    assert tokens["scope"] == "read:projects write:tasks"  # the code exchange still says it
    refreshed = flow.refresh(tokens["refresh_token"]).json()
    assert "scope" not in refreshed
    task = flow.api(
        refreshed["access_token"],
        "/v1/projects/1/tasks",
        method="POST",
        json={"title": "Still allowed"},
    )
    assert task.status_code == 201
    assert flow.refresh(refreshed["refresh_token"]).status_code == 200


# -- code_lifetime -------------------------------------------------------------------


def test_lenient_code_lifetime_is_ten_minutes(flow: OAuthFlow) -> None:
    flow.server.configure(code_lifetime=600)
    code = flow.code()
    flow.server.advance(590)
    assert flow.exchange(code).status_code == 200
    late = flow.code()
    flow.server.advance(600)
    assert error_of(flow.exchange(late)) == "invalid_grant"


# -- pkce ----------------------------------------------------------------------------


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def test_strict_pkce_checks_the_verifier(flow: OAuthFlow) -> None:
    code = flow.code(code_challenge=s256("a" * 50), code_challenge_method="S256")
    assert error_of(flow.exchange(code, code_verifier="b" * 50)) == "invalid_grant"


def test_lenient_pkce_is_ignored(flow: OAuthFlow) -> None:
    flow.server.configure(pkce="ignore")
    code = flow.code(code_challenge=s256("a" * 50), code_challenge_method="S256")
    assert flow.exchange(code, code_verifier="b" * 50).status_code == 200
    plain = flow.code(code_challenge="x" * 50, code_challenge_method="plain")
    assert flow.exchange(plain).status_code == 200


# -- api_origin ----------------------------------------------------------------------


def test_strict_api_answers_only_on_its_own_origin(flow: OAuthFlow) -> None:
    token = flow.tokens()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    on_auth = requests.get(flow.server.url + "/v1/projects", headers=headers, timeout=10)
    assert on_auth.status_code == 404
    assert flow.api(token).status_code == 200
    on_api = requests.post(
        flow.server.api_url + "/oauth/token", timeout=10, data={"grant_type": "refresh_token"}
    )
    assert on_api.status_code == 404


def test_lenient_api_shares_the_authorization_servers_origin(flow: OAuthFlow) -> None:
    flow.server.configure(api_origin="shared")
    token = flow.tokens()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    on_auth = requests.get(flow.server.url + "/v1/projects", headers=headers, timeout=10)
    assert on_auth.status_code == 200


# -- the extra_scopes extension ------------------------------------------------------


def test_undocumented_scopes_are_refused_without_their_extension(sandbox: SandboxServer) -> None:
    fields = {
        "name": "Extra",
        "homepage_url": "https://x.example.com",
        "redirect_uris": ["https://x.example.com/cb"],
        "scopes": ["read:tasks"],
    }
    refused = requests.post(sandbox.url + "/_sandbox/apps", json=fields, timeout=10)
    assert refused.status_code == 400
    sandbox.configure(extensions=["extra_scopes"])
    assert requests.post(sandbox.url + "/_sandbox/apps", json=fields, timeout=10).status_code == 201


def test_an_undocumented_scope_is_labelled_on_the_consent_page(
    flow: OAuthFlow, sandbox: SandboxServer
) -> None:
    sandbox.configure(extensions=["extra_scopes"])
    app = sandbox.register_app(
        name="Extra",
        homepage_url="https://x.example.com",
        redirect_uris=["https://x.example.com/cb"],
        scopes=["read:projects", "read:tasks"],
    )
    page = requests.get(flow.for_app(app).authorize_url(), timeout=10).text
    assert "read:tasks, a sandbox extension: not in the documentation" in page
    sandbox.configure(extensions=[])
    refused = flow.for_app(app).authorize_url()
    answer = requests.get(refused, allow_redirects=False, timeout=10)
    assert "error=invalid_scope" in answer.headers["Location"]


# -- 429 from the token endpoint, with and without Retry-After (fault rules) -----------


@pytest.mark.parametrize("retry_after", [30, None])
def test_a_429_comes_with_or_without_retry_after(flow: OAuthFlow, retry_after: int | None) -> None:
    rule = {"endpoint": "token", "grant_type": "refresh_token", "status": 429, "count": 1}
    if retry_after is not None:
        rule["retry_after"] = retry_after
    flow.server.add_fault(**rule)
    answer = flow.refresh(flow.tokens()["refresh_token"])
    assert answer.status_code == 429
    assert answer.headers.get("Retry-After") == (None if retry_after is None else "30")
