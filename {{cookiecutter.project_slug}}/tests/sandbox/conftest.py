"""Fixtures for the sandbox's conformance tests: a live sandbox over real HTTP."""

from collections.abc import Iterator
from typing import Any

import pytest

from fsckmsft_sandbox.testing import OAuthFlow, SandboxServer

CALLBACK = "https://test.example.com/callback"
SEED_APP: dict[str, Any] = {
    "client_id": "sbx_conformance_client",
    "client_secret": "conformance-secret-0123456789abcdefghijklmnop",
    "name": "Conformance Integration",
    "description": "Checks that the sandbox follows the platform documentation.",
    "homepage_url": "https://test.example.com",
    "redirect_uris": [CALLBACK, "http://localhost:8000/callback"],
    "scopes": ["read:projects", "write:tasks"],
}


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(seed_app=SEED_APP) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The live sandbox, back at its start state."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
def flow(sandbox: SandboxServer) -> OAuthFlow:
    """The documented flow for the seed app (whose credentials the fixture knows)."""
    return OAuthFlow(sandbox, SEED_APP)


@pytest.fixture
def new_app(sandbox: SandboxServer) -> dict[str, Any]:
    """A second app, registered through the admin API."""
    return sandbox.register_app(
        name="Second App",
        description="Another integration.",
        homepage_url="https://second.example.com",
        redirect_uris=["https://second.example.com/cb"],
        scopes=["read:projects"],
    )


@pytest.fixture
def seed_app() -> dict[str, Any]:
    """The app the sandbox registers at start and at every reset, with its credentials."""
    return dict(SEED_APP)
