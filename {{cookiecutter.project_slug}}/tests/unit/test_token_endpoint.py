"""The token endpoint edge: what we send, and how each answer becomes a typed result."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
import requests
import responses

from {{ cookiecutter.project_slug }}.fsckmsft.errors import (
    BadTokenResponse,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    OutcomeUnknown,
    PlatformUnavailable,
    RateLimited,
    TokenEndpointError,
)
from {{ cookiecutter.project_slug }}.fsckmsft.token_endpoint import TokenEndpoint, parse_retry_after

TOKEN_URL = "https://auth.fsckmsft.test/oauth/token"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
GRANTED = frozenset({"read:projects"})
GOOD = {
    "access_token": "act_new",
    "token_type": "Bearer",
    "expires_in": 3600,
    "refresh_token": "rft_new",
    "scope": "read:projects",
}


@pytest.fixture
def endpoint() -> TokenEndpoint:
    return TokenEndpoint(
        token_url=TOKEN_URL,
        client_id="cid",
        client_secret="csecret",
        requested_scopes=frozenset({"read:projects"}),
        timeout=2,
        now=lambda: NOW,
    )


def form_of(call: responses.Call) -> dict[str, list[str]]:
    body = call.request.body
    return parse_qs(body.decode() if isinstance(body, bytes) else body or "")


@responses.activate
def test_code_exchange_posts_credentials_in_the_body(endpoint: TokenEndpoint) -> None:
    responses.post(TOKEN_URL, json=GOOD)
    tokens = endpoint.exchange_code(
        code="c0de", redirect_uri="https://app/cb", code_verifier="v" * 50
    )
    sent = form_of(responses.calls[0])
    assert sent["grant_type"] == ["authorization_code"] and sent["code"] == ["c0de"]
    assert sent["client_id"] == ["cid"] and sent["client_secret"] == ["csecret"]
    assert sent["redirect_uri"] == ["https://app/cb"] and sent["code_verifier"] == ["v" * 50]
    assert (
        "Authorization" not in responses.calls[0].request.headers
    )  # client_secret_post, not basic
    assert tokens.access_token == "act_new"


@responses.activate
def test_refresh_sends_the_refresh_token_and_credentials(endpoint: TokenEndpoint) -> None:
    responses.post(TOKEN_URL, json=GOOD)
    endpoint.refresh("rft_old", granted_scopes=GRANTED)
    sent = form_of(responses.calls[0])
    assert sent["grant_type"] == ["refresh_token"] and sent["refresh_token"] == ["rft_old"]
    assert sent["client_secret"] == ["csecret"]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": "invalid_grant"}, InvalidGrant),
        (400, {"error": "invalid_scope"}, InvalidScope),
        (401, {"error": "invalid_client"}, InvalidClient),
        (400, {"error": "unauthorized_client"}, InvalidClient),
        (500, {"error": "server_error"}, PlatformUnavailable),
        (503, "<html>down</html>", PlatformUnavailable),
        (200, {"access_token": "act_x"}, BadTokenResponse),
    ],
)
@responses.activate
def test_each_answer_becomes_a_typed_error(
    endpoint: TokenEndpoint, status: int, body: object, error: type
) -> None:
    if isinstance(body, str):
        responses.post(TOKEN_URL, body=body, status=status)
    else:
        responses.post(TOKEN_URL, json=body, status=status)
    with pytest.raises(error):
        endpoint.refresh("rft_old", granted_scopes=GRANTED)


@responses.activate
def test_429_carries_retry_after(endpoint: TokenEndpoint) -> None:
    responses.post(
        TOKEN_URL, json={"error": "slow_down"}, status=429, headers={"Retry-After": "30"}
    )
    with pytest.raises(RateLimited) as raised:
        endpoint.refresh("rft_old", granted_scopes=GRANTED)
    assert raised.value.retry_after == 30


@responses.activate
def test_a_timeout_is_an_unknown_outcome(endpoint: TokenEndpoint) -> None:
    responses.post(TOKEN_URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknown):
        endpoint.refresh("rft_old", granted_scopes=GRANTED)


@responses.activate
def test_a_dropped_connection_is_an_unknown_outcome(endpoint: TokenEndpoint) -> None:
    responses.post(TOKEN_URL, body=requests.ConnectionError("reset by peer"))
    with pytest.raises(OutcomeUnknown):
        endpoint.refresh("rft_old", granted_scopes=GRANTED)


def test_a_refused_connection_means_nothing_was_sent() -> None:
    closed = TokenEndpoint(
        token_url="http://127.0.0.1:9/oauth/token",
        client_id="cid",
        client_secret="csecret",
        requested_scopes=frozenset(),
        timeout=2,
        now=lambda: NOW,
    )
    with pytest.raises(PlatformUnavailable):
        closed.refresh("rft_old", granted_scopes=GRANTED)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("30", 30.0),
        ("0", 0.0),
        (None, 30.0),
        ("soon", 30.0),
        ("Thu, 01 Jan 2026 00:01:00 GMT", 60.0),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(header: str | None, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


@responses.activate
def test_a_refresh_answer_without_a_new_refresh_token_is_refused(endpoint: TokenEndpoint) -> None:
    # Authlib would quietly put the spent refresh token back; storing it would lose the
    # connection at the next refresh.
    answer = {key: value for key, value in GOOD.items() if key != "refresh_token"}
    responses.post(TOKEN_URL, json=answer)
    with pytest.raises(BadTokenResponse):
        endpoint.refresh("rft_old", granted_scopes=GRANTED)


@responses.activate
def test_a_refresh_answer_without_scope_keeps_the_granted_scopes(endpoint: TokenEndpoint) -> None:
    responses.post(TOKEN_URL, json={key: v for key, v in GOOD.items() if key != "scope"})
    narrow = frozenset({"read:projects"})
    assert endpoint.refresh("rft_old", granted_scopes=narrow).scopes == narrow


@responses.activate
def test_a_redirect_from_the_token_endpoint_is_not_followed(endpoint: TokenEndpoint) -> None:
    # Following it would re-send the client secret and the refresh token to another host.
    responses.post(TOKEN_URL, status=307, headers={"Location": "https://evil.example/steal"})
    responses.post("https://evil.example/steal", json=GOOD)
    with pytest.raises(TokenEndpointError):
        endpoint.refresh("rft_old", granted_scopes=GRANTED)
    assert [call.request.url for call in responses.calls] == [TOKEN_URL]
