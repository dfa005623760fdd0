"""SandboxServer: the sandbox on a free loopback port, in this process, for tests."""

import ssl
import threading
from html.parser import HTMLParser
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .factory import api_origin_app, create_sandbox, listening_on
from .settings import extensions_needed_by


class ConsentFormParser(HTMLParser):
    """Collects the hidden fields of the consent form, which must be posted back as they are."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        if tag == "input" and fields.get("type") == "hidden" and fields.get("name"):
            self.hidden.append((fields["name"] or "", fields.get("value") or ""))


class QuietRequestHandler(WSGIRequestHandler):
    """No access log lines: the sandbox keeps its own, redacted, at /_sandbox/requests."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class SandboxServer:
    """`with SandboxServer(seed_app=..., settings=...) as sandbox: ...`.

    `url` is the authorization server's origin (and the controls'); `api_url` the API's,
    its own origin (a second port), which serves /v1/* only while `api_origin` is
    `separate` and everything while it is `shared`. `settings` is what `create_sandbox`
    takes: `{"profile": "lenient"}`, `{"client_auth": "body_or_basic"}`, ...
    `port` and `api_port` are the two ports, for tests that reach them under other names.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None, **create_kwargs: Any) -> None:
        """`ssl_context` serves both origins over TLS, as the platform does (for tests of
        production, which refuses an http platform); `create_kwargs` go to create_sandbox."""
        self.app: Flask = create_sandbox(**create_kwargs)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1",
            0,
            self.app,
            threaded=True,
            request_handler=QuietRequestHandler,
            ssl_context=ssl_context,
        )
        self._api_server: BaseWSGIServer = make_server(
            "127.0.0.1",
            0,
            api_origin_app(self.app),
            threaded=True,
            request_handler=QuietRequestHandler,
            ssl_context=ssl_context,
        )
        scheme = "https" if ssl_context else "http"
        self.port = self._server.server_port
        self.api_port = self._api_server.server_port
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        listening_on(self.app, self.port, scheme)
        self.api_url = f"{scheme}://127.0.0.1:{self.api_port}"
        self.http = requests.Session()
        self._threads = [
            threading.Thread(target=server.serve_forever, daemon=True)
            for server in (self._server, self._api_server)
        ]

    def __enter__(self) -> "SandboxServer":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for server in (self._server, self._api_server):
            server.shutdown()
            server.server_close()
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.url + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        self._call("POST", "/_sandbox/reset")

    def settings(self) -> dict[str, Any]:
        """The profile, the switches' readings and the extensions (GET /_sandbox/settings)."""
        return self._call("GET", "/_sandbox/settings")

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change settings until the next reset: `configure(client_auth="body_or_basic")`."""
        return self._call("POST", "/_sandbox/settings", json=changes)

    def reading(self, switch: str) -> Any:
        """The reading a switch plays right now (`reading("refresh_reuse")`)."""
        return self.app.extensions["sandbox"].settings.switches()[switch]

    def enable_extension(self, name: str) -> dict[str, Any]:
        """Turn one extension on, keeping those already on, until the next reset."""
        current = self.settings()["extensions"]
        on = [extension for extension, state in current.items() if state["enabled"]]
        return self.configure(extensions=[*on, name])

    @property
    def profile(self) -> str:
        """The profile the sandbox started with (and returns to at every reset)."""
        return self.app.extensions["sandbox"].start_settings.profile_name()

    def clock(self) -> dict[str, float]:
        return self._call("GET", "/_sandbox/clock")

    def advance(self, seconds: float) -> dict[str, float]:
        return self._call("POST", "/_sandbox/clock", json={"advance": seconds})

    def add_fault(self, **rule: Any) -> int:
        """Add a fault rule; answers its id."""
        return self._call("POST", "/_sandbox/faults", json=rule)["id"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/_sandbox/faults")

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first."""
        return self._call("GET", "/_sandbox/requests")

    def users(self) -> list[dict[str, Any]]:
        return self._call("GET", "/_sandbox/users")

    def register_app(self, **fields: Any) -> dict[str, Any]:
        """Register an app; answers the registration with `client_id` and `client_secret`."""
        return self._call("POST", "/_sandbox/apps", json=fields)

    def revoke(self, username: str, client_id: str) -> None:
        self._call("POST", f"/_sandbox/users/{username}/revoke/{client_id}")

    def approve(
        self,
        authorize_url: str,
        username: str,
        workspace: str | None = None,
        decision: str = "approve",
    ) -> str:
        """Drive the consent page over HTTP; answers the redirect Location.

        An authorize request the sandbox answers with a redirect (an error sent back to the
        app) answers that Location; one it answers with an error page raises.
        """
        page = self.http.get(authorize_url, allow_redirects=False, timeout=10)
        if page.status_code in (302, 303):
            return page.headers["Location"]
        if page.status_code != 200:
            raise RuntimeError(f"authorize page answered {page.status_code}: {page.text[:300]}")
        form = ConsentFormParser()
        form.feed(page.text)
        fields = [*form.hidden, ("username", username), ("decision", decision)]
        if workspace is not None:
            fields.append(("workspace", workspace))
        answer = self.http.post(
            urljoin(authorize_url, "/oauth/authorize"),
            data=fields,
            allow_redirects=False,
            timeout=10,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"consent answered {answer.status_code}: {answer.text[:300]}")
        return answer.headers["Location"]


def settings_for(
    seed_app: dict[str, Any] | None, profile: str = "strict", extensions: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`SandboxServer(settings=...)` for a seed registration: the profile, the extensions
    asked for, and those the registration needs (undocumented scopes: `extra_scopes`)."""
    wanted = [*extensions, *extensions_needed_by(seed_app)]
    return {"profile": profile, "extensions": list(dict.fromkeys(wanted))}


def query_of(location: str) -> dict[str, str]:
    """The query parameters of a redirect Location, one value each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


class OAuthFlow:
    """The documented authorization code flow, step by step, against a live sandbox."""

    def __init__(self, server: SandboxServer, app: dict[str, Any]) -> None:
        """`app` holds client_id, client_secret, redirect_uris and scopes (the first redirect
        URI and all scopes are used unless a call says otherwise)."""
        self.server = server
        self.app = app

    def for_app(self, app: dict[str, Any]) -> "OAuthFlow":
        return OAuthFlow(self.server, app)

    def authorize_url(self, **params: Any) -> str:
        query = {
            "client_id": self.app["client_id"],
            "redirect_uri": self.app["redirect_uris"][0],
            "response_type": "code",
            "scope": " ".join(self.app["scopes"]),
            "state": "state-1234",
        }
        query.update(params)
        query = {key: value for key, value in query.items() if value is not None}
        return f"{self.server.url}/oauth/authorize?{urlencode(query)}"

    def code(self, username: str = "ada", workspace: str | None = None, **params: Any) -> str:
        location = self.server.approve(self.authorize_url(**params), username, workspace)
        answer = query_of(location)
        assert "code" in answer, answer
        return answer["code"]

    def token_request(
        self, data: dict[str, Any] | list[tuple[str, str]] | None, **kwargs: Any
    ) -> requests.Response:
        """POST to the token endpoint: a form (a dict, or pairs to repeat a name), or None."""
        return requests.post(f"{self.server.url}/oauth/token", data=data, timeout=10, **kwargs)

    def exchange(self, code: str, **overrides: Any) -> requests.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.app["redirect_uris"][0],
            "client_id": self.app["client_id"],
            "client_secret": self.app["client_secret"],
        }
        data.update(overrides)
        return self.token_request({k: v for k, v in data.items() if v is not None})

    def tokens(
        self, username: str = "ada", workspace: str | None = None, **params: Any
    ) -> dict[str, Any]:
        answer = self.exchange(self.code(username, workspace, **params))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def refresh(self, refresh_token: str, **overrides: Any) -> requests.Response:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.app["client_id"],
            "client_secret": self.app["client_secret"],
        }
        data.update(overrides)
        return self.token_request({k: v for k, v in data.items() if v is not None})

    def api(
        self,
        access_token: str | None,
        path: str = "/v1/projects",
        method: str = "GET",
        **kwargs: Any,
    ) -> requests.Response:
        """Call the API on its own origin (which serves it under either `api_origin`)."""
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        return requests.request(
            method, self.server.api_url + path, headers=headers, timeout=10, **kwargs
        )
