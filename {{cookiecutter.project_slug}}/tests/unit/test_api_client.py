"""The API client at the HTTP edge: where the token goes, and what each status means."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses

from {{ cookiecutter.project_slug }}.fsckmsft.api import SCOPES_USED, ApiClient, ConnectionApi
from {{ cookiecutter.project_slug }}.fsckmsft.errors import ApiUnavailable, MissingScope, NeedsReauthorization
from {{ cookiecutter.project_slug }}.fsckmsft.token_service import AccessToken

API = "https://api.fsckmsft.test"
ALL_SCOPES = frozenset({"read:projects", "write:tasks"})
PROJECTS = {"projects": [{"id": "p1", "name": "Alpha", "task_count": 2}]}


class FakeTokenService:
    """Stands in for the token service: hands out act_1, and act_2 after a refresh."""

    def __init__(self) -> None:
        self.refreshes: list[int | None] = []
        self.current = AccessToken("act_1", 1, ALL_SCOPES)

    def access_token(self, connection_id: str, row: object = None) -> AccessToken:
        return self.current

    def refresh(
        self, connection_id: str, *, reason: str, failed_version: int | None = None
    ) -> AccessToken:
        self.refreshes.append(failed_version)
        self.current = AccessToken("act_2", 2, ALL_SCOPES)
        return self.current

    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def tokens() -> FakeTokenService:
    return FakeTokenService()


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def api(tokens: FakeTokenService, slept: list[float]) -> ConnectionApi:
    client = ApiClient(
        base_url=API,
        token_service=tokens,  # type: ignore[arg-type]  # a fake with the same methods
        timeout=2,
        max_retry_after=5,
        sleep=slept.append,
    )
    return client.for_connection("c1", ALL_SCOPES)


@responses.activate
def test_bearer_token_is_sent_to_the_api(api: ConnectionApi) -> None:
    responses.get(f"{API}/v1/projects", json=PROJECTS)
    assert [project.name for project in api.list_projects()] == ["Alpha"]
    assert responses.calls[0].request.headers["Authorization"] == "Bearer act_1"


@responses.activate
def test_401_refreshes_once_and_retries_once(api: ConnectionApi, tokens: FakeTokenService) -> None:
    responses.get(f"{API}/v1/projects", status=401, json={"error": "invalid_token"})
    responses.get(f"{API}/v1/projects", json=PROJECTS)
    assert api.list_projects()
    assert tokens.refreshes == [1]  # refresh only if the row still holds the token that failed
    assert responses.calls[1].request.headers["Authorization"] == "Bearer act_2"


@responses.activate
def test_401_after_a_refresh_means_reconnect(api: ConnectionApi, tokens: FakeTokenService) -> None:
    responses.get(f"{API}/v1/projects", status=401, json={"error": "invalid_token"})
    with pytest.raises(NeedsReauthorization):
        api.list_projects()
    assert len(responses.calls) == 2 and len(tokens.refreshes) == 1


@responses.activate
def test_short_retry_after_is_waited_out(api: ConnectionApi, slept: list[float]) -> None:
    responses.get(f"{API}/v1/projects", status=429, headers={"Retry-After": "2"})
    responses.get(f"{API}/v1/projects", json=PROJECTS)
    assert api.list_projects() and slept == [2.0]


@responses.activate
def test_long_retry_after_is_reported_not_waited(api: ConnectionApi, slept: list[float]) -> None:
    responses.get(f"{API}/v1/projects", status=429, headers={"Retry-After": "600"})
    with pytest.raises(ApiUnavailable):
        api.list_projects()
    assert slept == [] and len(responses.calls) == 1


@responses.activate
def test_403_is_a_missing_scope(api: ConnectionApi) -> None:
    responses.get(f"{API}/v1/projects", status=403, json={"error": "insufficient_scope"})
    with pytest.raises(MissingScope) as raised:
        api.list_projects()
    assert raised.value.scope == "read:projects"


@responses.activate
def test_a_call_without_its_scope_never_leaves_the_app(tokens: FakeTokenService) -> None:
    client = ApiClient(base_url=API, token_service=tokens)  # type: ignore[arg-type]  # a fake
    narrow = client.for_connection("c1", frozenset({"read:projects"}))
    with pytest.raises(MissingScope):
        narrow.add_task("p1", "title")
    assert len(responses.calls) == 0
    assert not narrow.can(narrow.add_task) and narrow.can(narrow.list_projects)


@responses.activate
def test_redirects_are_not_followed(api: ConnectionApi) -> None:
    responses.get(f"{API}/v1/projects", status=302, headers={"Location": "https://evil.example/"})
    with pytest.raises(Exception):  # noqa: B017 - any error, as long as the token stays home
        api.list_projects()
    assert all(str(call.request.url).startswith(API) for call in responses.calls)


@pytest.mark.parametrize(
    "path", [".evil.example/v1", "@evil.example/v1", ":8443/v1", "https://evil.example/"]
)
def test_token_is_only_sent_to_the_configured_origin(tokens: FakeTokenService, path: str) -> None:
    client = ApiClient(base_url=API, token_service=tokens)  # type: ignore[arg-type]
    with responses.RequestsMock() as mock, pytest.raises(ValueError, match="refusing"):
        client.send("GET", path, tokens.current)
    assert len(mock.calls) == 0


@responses.activate
def test_a_5xx_is_api_unavailable(api: ConnectionApi) -> None:
    responses.get(f"{API}/v1/projects", status=503, body="down")
    with pytest.raises(ApiUnavailable):
        api.list_projects()


def test_every_api_call_declares_its_scope() -> None:
    assert SCOPES_USED == {
        "ConnectionApi.list_projects": "read:projects",
        "ConnectionApi.add_task": "write:tasks",
    }
