"""Common OAuth client libraries complete the flow, with their defaults, against the sandbox
in its Basic-accepting reading (`client_auth=body_or_basic`, RFC 6749 §2.3.1).

requests-oauthlib and Authlib's requests client authenticate with HTTP Basic by default
(`client_secret_basic`); the strict reading (the form body only, as documented) refuses them.
"""

from typing import Any

import pytest
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2.rfc6749.errors import InvalidClientError
from requests_oauthlib import OAuth2Session

from fsckmsft_sandbox.testing import SandboxServer, query_of

SCOPES = ["read:projects", "write:tasks"]


@pytest.fixture(autouse=True)
def loopback_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """The libraries refuse plain http unless told; the sandbox listens on loopback http."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def basic_sandbox(sandbox: SandboxServer) -> SandboxServer:
    sandbox.configure(client_auth="body_or_basic")
    return sandbox


def test_requests_oauthlib_authorizes_exchanges_and_refreshes(
    basic_sandbox: SandboxServer, seed_app: dict[str, Any]
) -> None:
    session = OAuth2Session(
        seed_app["client_id"], redirect_uri=seed_app["redirect_uris"][0], scope=SCOPES
    )
    authorize_url, state = session.authorization_url(basic_sandbox.url + "/oauth/authorize")
    callback = basic_sandbox.approve(authorize_url, "ada")
    assert query_of(callback)["state"] == state

    token_url = basic_sandbox.url + "/oauth/token"
    token = session.fetch_token(
        token_url, authorization_response=callback, client_secret=seed_app["client_secret"]
    )
    assert session.get(basic_sandbox.api_url + "/v1/projects").status_code == 200

    refreshed = session.refresh_token(
        token_url, auth=(seed_app["client_id"], seed_app["client_secret"])
    )
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert session.get(basic_sandbox.api_url + "/v1/projects").status_code == 200


def test_authlib_client_authorizes_exchanges_and_refreshes(
    basic_sandbox: SandboxServer, seed_app: dict[str, Any]
) -> None:
    token_url = basic_sandbox.url + "/oauth/token"
    with AuthlibSession(
        seed_app["client_id"],
        seed_app["client_secret"],
        scope=" ".join(SCOPES),
        redirect_uri=seed_app["redirect_uris"][0],
        code_challenge_method="S256",
    ) as client:
        assert client.token_endpoint_auth_method == "client_secret_basic"
        verifier = "v" * 64
        authorize_url, state = client.create_authorization_url(
            basic_sandbox.url + "/oauth/authorize", code_verifier=verifier
        )
        callback = basic_sandbox.approve(authorize_url, "ada")
        token = client.fetch_token(
            token_url, authorization_response=callback, code_verifier=verifier, state=state
        )
        assert client.get(basic_sandbox.api_url + "/v1/projects").status_code == 200

        refreshed = client.refresh_token(token_url, refresh_token=token["refresh_token"])
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert client.get(basic_sandbox.api_url + "/v1/projects").status_code == 200


def test_the_strict_reading_refuses_a_basic_client(
    sandbox: SandboxServer, seed_app: dict[str, Any]
) -> None:
    session = OAuth2Session(
        seed_app["client_id"], redirect_uri=seed_app["redirect_uris"][0], scope=SCOPES
    )
    authorize_url, _ = session.authorization_url(sandbox.url + "/oauth/authorize")
    callback = sandbox.approve(authorize_url, "ada")
    with pytest.raises(InvalidClientError):
        session.fetch_token(
            sandbox.url + "/oauth/token",
            authorization_response=callback,
            client_secret=seed_app["client_secret"],
        )
