"""The /_sandbox controls: reset, clock, request log; and the seed app's registration."""

import json

import requests

from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer


def test_seed_app_is_registered_with_its_own_credentials(flow: OAuthFlow, seed_app: dict) -> None:
    shown = requests.get(
        f"{flow.server.url}/_sandbox/apps/{seed_app['client_id']}", timeout=10
    ).json()
    assert shown["name"] == seed_app["name"]
    assert shown["redirect_uris"] == seed_app["redirect_uris"]
    assert flow.exchange(flow.code()).status_code == 200  # with the seed secret


def test_reset_returns_to_the_start_state(flow: OAuthFlow, new_app: dict, seed_app: dict) -> None:
    tokens = flow.tokens()
    rotated = requests.post(
        f"{flow.server.url}/_sandbox/apps/{seed_app['client_id']}/rotate-secret", timeout=10
    )
    assert rotated.status_code == 200
    flow.server.advance(100)
    flow.server.add_fault(endpoint="api", status=500)
    flow.server.reset()
    assert flow.server.clock()["offset"] == 0
    assert requests.get(flow.server.url + "/_sandbox/faults", timeout=10).json() == []
    assert flow.server.requests() == []
    assert flow.api(tokens["access_token"]).status_code == 401
    gone = requests.get(f"{flow.server.url}/_sandbox/apps/{new_app['client_id']}", timeout=10)
    assert gone.status_code == 404
    assert flow.exchange(flow.code()).status_code == 200  # seed secret works again
    assert {user["username"] for user in flow.server.users()} >= {"ada", "grace", "linus"}


def test_reset_restores_seed_projects(flow: OAuthFlow) -> None:
    token = flow.tokens("linus")["access_token"]
    project_id = flow.api(token).json()["projects"][0]["id"]
    flow.api(token, f"/v1/projects/{project_id}/tasks", "POST", json={"title": "extra"})
    flow.server.reset()
    token = flow.tokens("linus")["access_token"]
    counts = {p["name"]: p["task_count"] for p in flow.api(token).json()["projects"]}
    assert counts == {"Linux": 2, "Git": 0}


def test_clock_reports_sandbox_time_and_offset(sandbox: SandboxServer) -> None:
    before = sandbox.clock()
    after = sandbox.advance(3600)
    assert set(after) == {"now", "offset"}
    assert after["offset"] == before["offset"] + 3600
    assert after["now"] >= before["now"] + 3600


def test_clock_refuses_bad_advances(sandbox: SandboxServer) -> None:
    for body in ({"advance": -5}, {"advance": "soon"}, {"advance": True}, {}, [1]):
        answer = requests.post(sandbox.url + "/_sandbox/clock", json=body, timeout=10)
        assert answer.status_code == 400, body
        assert answer.json()["error"] == "invalid_request"


def test_request_log_has_one_entry_per_oauth_and_api_request(flow: OAuthFlow) -> None:
    tokens = flow.tokens()
    flow.refresh(tokens["refresh_token"])
    flow.api(tokens["access_token"])
    entries = flow.server.requests()
    paths = [(entry["method"], entry["path"]) for entry in entries]
    assert paths == [
        ("GET", "/oauth/authorize"),
        ("POST", "/oauth/authorize"),
        ("POST", "/oauth/token"),
        ("POST", "/oauth/token"),
        ("GET", "/v1/projects"),
    ]
    assert [entry["status"] for entry in entries] == [200, 302, 200, 200, 200]
    assert [entry.get("grant_type") for entry in entries[2:4]] == [
        "authorization_code",
        "refresh_token",
    ]
    assert entries[4]["client_id"] == flow.app["client_id"]
    assert [entry["id"] for entry in entries] == sorted(entry["id"] for entry in entries)


def test_request_log_redacts_secrets_codes_and_tokens(flow: OAuthFlow) -> None:
    code = flow.code()
    tokens = flow.exchange(code).json()
    refreshed = flow.refresh(tokens["refresh_token"]).json()
    flow.api(refreshed["access_token"])
    flow.api("act_unknown_token_value")
    logged = requests.get(flow.server.url + "/_sandbox/requests", timeout=10).text
    secrets = [
        code,
        flow.app["client_secret"],
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
        "unknown_token_value",
        "state-1234",
    ]
    for secret in secrets:
        assert secret not in logged
    token_entry = json.loads(logged)[2]
    assert token_entry["form"]["code"] == "…"
    assert token_entry["form"]["client_secret"] == "…"


def test_request_log_is_a_page_for_browsers(flow: OAuthFlow) -> None:
    flow.tokens()
    page = requests.get(
        flow.server.url + "/_sandbox/requests",
        timeout=10,
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/oauth/token" in page.text
    assert flow.app["client_secret"] not in page.text


def test_request_log_leaves_out_control_and_settings_requests(sandbox: SandboxServer) -> None:
    sandbox.advance(1)
    sandbox.users()
    requests.get(sandbox.url + "/settings/developer/apps", timeout=10)
    assert sandbox.requests() == []


def test_controls_refuse_cross_site_requests(sandbox: SandboxServer) -> None:
    answer = requests.post(
        sandbox.url + "/_sandbox/reset", timeout=10, headers={"Origin": "https://evil.example.net"}
    )
    assert answer.status_code == 403
    same = requests.post(
        sandbox.url + "/_sandbox/reset", timeout=10, headers={"Origin": sandbox.url}
    )
    assert same.status_code == 200
