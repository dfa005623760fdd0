"""The fsckmsft API client: users never meet an avoidable 401.

- Before a call, the token service refreshes a token that expires within the leeway.
- On a 401 anyway (clock skew, revocation), it refreshes once and retries once.
- A 429 is waited out when Retry-After is short, reported otherwise.
- The bearer token is only ever sent to the configured API origin.

Each API call declares the scope it needs with `@needs_scope`. That declaration is the
source of truth for "which scopes does the code use" (the marketplace check reads it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from ..events.flow import record
from ..models import Connection
from .api_answers import Project, Task, json_body, projects_from, task_from, unexpected
from .errors import ApiError, ApiUnavailable, MissingScope, NeedsReauthorization
from .http_settings import settle_environment
from .token_endpoint import parse_retry_after
from .token_service import AccessToken, TokenService

P = ParamSpec("P")
R = TypeVar("R")

#: Every scope an API call of this module needs, filled in by @needs_scope.
SCOPES_USED: dict[str, str] = {}


def needs_scope(scope: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the scope an API call needs; calls without it fail fast with MissingScope."""

    def declare(method: Callable[P, R]) -> Callable[P, R]:
        SCOPES_USED[method.__qualname__] = scope
        method.required_scope = scope  # type: ignore[attr-defined]
        return method

    return declare


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or ""), parts.port


class ApiClient:
    """One pooled HTTP client for the whole process; `for_connection` scopes it to a user."""

    def __init__(
        self,
        *,
        base_url: str,
        token_service: TokenService,
        timeout: float = 10.0,
        max_retry_after: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_service = token_service
        self.timeout = timeout
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self.http = settle_environment(requests.Session(), self.base_url)
        self.http.mount(self.base_url, HTTPAdapter(pool_connections=4, pool_maxsize=32))

    def for_connection(
        self, connection_id: str, granted_scopes: frozenset[str], row: Connection | None = None
    ) -> ConnectionApi:
        """`row`: the connection as the view already loaded it, which saves a database read."""
        return ConnectionApi(self, connection_id, granted_scopes, row)

    def send(
        self, method: str, path: str, token: AccessToken, body: Any = None
    ) -> requests.Response:
        url = f"{self.base_url}{path}"
        # The bearer token is a credential: never let a crafted path carry it elsewhere.
        if not path.startswith("/") or _origin(url) != _origin(self.base_url):
            raise ValueError(f"refusing to send the access token outside {self.base_url}")
        try:
            return self.http.request(
                method,
                url,
                json=body,
                headers={"Authorization": f"Bearer {token.value}", "Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,  # a redirect could forward the token to another host
            )
        except requests.RequestException as error:
            raise ApiUnavailable(503, f"fsckmsft did not answer ({type(error).__name__})") from None


class ConnectionApi:
    """API calls on behalf of one connection (one authorized workspace)."""

    def __init__(
        self,
        client: ApiClient,
        connection_id: str,
        granted_scopes: frozenset[str],
        row: Connection | None = None,
    ) -> None:
        self._client = client
        self.connection_id = connection_id
        self.granted_scopes = granted_scopes
        self._row = row

    def can(self, call: Callable[..., Any]) -> bool:
        """Whether this connection was granted the scope `call` needs (degrade per feature)."""
        return getattr(call, "required_scope", None) in self.granted_scopes

    def _call(
        self, method: str, path: str, scope: str | None, body: Any = None
    ) -> requests.Response:
        """Send the call (refreshing first or after a 401, waiting out a short 429);
        answers a 2xx response, or raises the error its status means."""
        if scope is not None and scope not in self.granted_scopes:
            raise MissingScope(scope)
        service = self._client.token_service
        token = service.access_token(self.connection_id, row=self._row)
        response = self._client.send(method, path, token, body)
        if response.status_code == 401:
            # Expired early or revoked: refresh once (only if nobody else already did).
            token = service.refresh(self.connection_id, reason="401", failed_version=token.version)
            response = self._client.send(method, path, token, body)
            if response.status_code == 401:
                raise NeedsReauthorization("the API refused a freshly refreshed token")
        if response.status_code == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"), service.now())
            if wait > self._client.max_retry_after:
                raise ApiUnavailable(429, f"fsckmsft asks us to wait {wait:.0f}s; try again later")
            self._client._sleep(wait)
            response = self._client.send(method, path, token, body)
        return self._success_or_error(response, scope)

    def _success_or_error(
        self, response: requests.Response, scope: str | None
    ) -> requests.Response:
        record(
            "api_call",
            connection_id=self.connection_id,
            method=response.request.method,
            path=urlsplit(response.request.url or "").path,
            status=response.status_code,
        )
        if response.status_code == 403 and scope is not None:
            raise MissingScope(scope)
        if response.status_code >= 500 or response.status_code == 429:
            raise ApiUnavailable(response.status_code, "fsckmsft is having trouble; try again")
        call = f"{response.request.method} {urlsplit(response.request.url or '').path}"
        if response.status_code >= 400:
            raise ApiError(response.status_code, _refusal_message(call, response))
        if not 200 <= response.status_code < 300:
            raise unexpected(
                call,
                response,
                "a status it does not explain",
                f"fsckmsft answered {call} with HTTP {response.status_code}; try again later.",
            )
        return response

    @needs_scope("read:projects")
    def list_projects(self) -> list[Project]:
        response = self._call("GET", "/v1/projects", scope="read:projects")
        return projects_from("GET /v1/projects", response)

    @needs_scope("write:tasks")
    def add_task(self, project_id: str, title: str) -> Task:
        if not project_id.replace("_", "").replace("-", "").isalnum():
            raise ApiError(400, "unknown project")
        response = self._call(
            "POST", f"/v1/projects/{project_id}/tasks", scope="write:tasks", body={"title": title}
        )
        return task_from(
            "POST /v1/projects/<id>/tasks", response, title=title, project_id=project_id
        )


def _refusal_message(call: str, response: requests.Response) -> str:
    """What a 4xx answer says, if it says anything readable."""
    try:
        payload = json_body(call, response, "request refused")
    except ApiError:
        return "request refused"
    if isinstance(payload, dict):
        message = payload.get("message") or payload.get("error_description") or payload.get("error")
        if isinstance(message, str) and message:
            return message[:200]
    return "request refused"
