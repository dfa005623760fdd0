"""Fault rules on the token endpoint and the API: status, 429, latency, timeout, drop."""

import time

import pytest
import requests

from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer


def test_status_fault_answers_that_status_for_the_next_n_calls(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    flow.server.add_fault(endpoint="token", status=503, count=2)
    for _ in range(2):
        answer = flow.refresh(refresh_token)
        assert answer.status_code == 503
        assert answer.json()["error"] == "server_error"
    assert flow.refresh(refresh_token).status_code == 200


def test_status_fault_never_processes_the_request(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    flow.server.add_fault(endpoint="token", status=500, count=1)
    flow.refresh(refresh_token)
    assert flow.refresh(refresh_token).status_code == 200


def test_rate_limit_fault_carries_retry_after(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    flow.server.add_fault(endpoint="token", status=429, retry_after=7, count=1)
    answer = flow.refresh(refresh_token)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"


def test_latency_fault_delays_then_processes(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    flow.server.add_fault(endpoint="token", latency=0.4, count=1)
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": flow.app["client_id"],
        "client_secret": flow.app["client_secret"],
    }
    with pytest.raises(requests.Timeout):
        requests.post(flow.server.url + "/oauth/token", data=data, timeout=0.1)
    # The delayed request was processed: the refresh token is now spent.
    assert wait_for_faulted_entry(flow.server)["status"] == 200
    assert flow.refresh(refresh_token).json()["error"] == "invalid_grant"


def test_timeout_fault_holds_the_request_and_never_processes_it(flow: OAuthFlow) -> None:
    code = flow.code()
    flow.server.add_fault(endpoint="token", timeout=0.4, count=1)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.app["redirect_uris"][0],
        "client_id": flow.app["client_id"],
        "client_secret": flow.app["client_secret"],
    }
    with pytest.raises(requests.Timeout):
        requests.post(flow.server.url + "/oauth/token", data=data, timeout=0.1)
    entry = wait_for_faulted_entry(flow.server)
    assert entry["status"] is None
    assert entry["fault"]["timeout"] == 0.4
    assert flow.exchange(code).status_code == 200


def test_timeout_fault_closes_without_an_answer(flow: OAuthFlow) -> None:
    flow.server.add_fault(endpoint="api", timeout=0.05, count=1)
    with pytest.raises(requests.ConnectionError):
        flow.api("act_whatever")


def test_rotate_then_drop_rotates_the_tokens_and_drops_the_connection(flow: OAuthFlow) -> None:
    refresh_token = flow.tokens()["refresh_token"]
    flow.server.add_fault(endpoint="token", rotate_then_drop=True, count=1)
    with pytest.raises(requests.ConnectionError):
        flow.refresh(refresh_token)
    # The rotation happened: the old refresh token is spent although no answer arrived.
    assert flow.refresh(refresh_token).json()["error"] == "invalid_grant"
    dropped = [e for e in flow.server.requests() if e.get("fault")]
    assert dropped[0]["status"] is None
    assert dropped[0]["fault"]["rotate_then_drop"] is True


def test_fault_applies_only_to_the_named_grant_type(flow: OAuthFlow) -> None:
    code = flow.code()
    flow.server.add_fault(endpoint="token", status=502, grant_type="refresh_token")
    tokens = flow.exchange(code)
    assert tokens.status_code == 200
    assert flow.refresh(tokens.json()["refresh_token"]).status_code == 502


def test_fault_on_the_api_endpoint(flow: OAuthFlow) -> None:
    token = flow.tokens()["access_token"]
    flow.server.add_fault(endpoint="api", status=500, count=1)
    assert flow.api(token).status_code == 500
    assert flow.api(token).status_code == 200


def test_probability_one_always_applies_and_zero_never(flow: OAuthFlow) -> None:
    token = flow.tokens()["access_token"]
    flow.server.add_fault(endpoint="api", status=503, probability=0)
    assert flow.api(token).status_code == 200
    flow.server.clear_faults()
    flow.server.add_fault(endpoint="api", status=503, probability=1)
    assert flow.api(token).status_code == 503


def test_probability_applies_to_some_calls_and_not_others(flow: OAuthFlow) -> None:
    token = flow.tokens()["access_token"]
    flow.server.add_fault(endpoint="api", status=503, probability=0.5)
    statuses = {flow.api(token).status_code for _ in range(60)}
    assert statuses == {200, 503}  # each side missing has odds 2**-60


def test_faults_are_listed_and_cleared(sandbox: SandboxServer) -> None:
    rule_id = sandbox.add_fault(endpoint="token", status=500, count=3)
    listed = requests.get(sandbox.url + "/_sandbox/faults", timeout=10).json()
    assert [rule["id"] for rule in listed] == [rule_id]
    assert listed[0]["count"] == 3
    sandbox.clear_faults()
    assert requests.get(sandbox.url + "/_sandbox/faults", timeout=10).json() == []


@pytest.mark.parametrize(
    "rule",
    [
        {"endpoint": "everything", "status": 500},
        {"endpoint": "token"},
        {"endpoint": "token", "status": 99},
        {"endpoint": "token", "status": 500, "probability": 2},
        {"endpoint": "api", "rotate_then_drop": True},
        {"endpoint": "token", "status": 500, "colour": "red"},
    ],
)
def test_invalid_fault_rules_are_refused(sandbox: SandboxServer, rule: dict) -> None:
    answer = requests.post(sandbox.url + "/_sandbox/faults", json=rule, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def wait_for_faulted_entry(sandbox: SandboxServer, attempts: int = 100) -> dict:
    """Poll the request log until the faulted request has finished and been recorded."""
    for _ in range(attempts):
        faulted = [entry for entry in sandbox.requests() if entry.get("fault")]
        if faulted:
            return faulted[0]
        time.sleep(0.05)
    raise AssertionError("the faulted request was never recorded")
