"""SandboxServer: the sandbox on a free loopback port, in this process, for tests."""

import threading
from html.parser import HTMLParser
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .factory import create_sandbox


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
    """`with SandboxServer(seed_app=...) as sandbox: requests.get(sandbox.url + "/v1/...")`."""

    def __init__(self, **create_kwargs: Any) -> None:
        self.app: Flask = create_sandbox(**create_kwargs)
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self.app, threaded=True,
                                                    request_handler=QuietRequestHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.http = requests.Session()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "SandboxServer":
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.url + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        self._call("POST", "/_sandbox/reset")

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

    def approve(self, authorize_url: str, username: str, workspace: str | None = None,
                decision: str = "approve") -> str:
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
        answer = self.http.post(urljoin(authorize_url, "/oauth/authorize"), data=fields,
                                allow_redirects=False, timeout=10)
        if answer.status_code != 302:
            raise RuntimeError(f"consent answered {answer.status_code}: {answer.text[:300]}")
        return answer.headers["Location"]
