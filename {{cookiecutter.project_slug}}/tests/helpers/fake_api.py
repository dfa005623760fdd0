"""FakeApi: a stand-in for fsckmsft's API origin that answers whatever a test tells it to.

A fake at the edge, named as one: the sandbox answers the shapes this app was built for,
and the tests of unexpected answers need the others (a bare list, HTML, an empty body).
It listens on loopback over real HTTP; the auth server stays the real sandbox.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from wsgiref.types import StartResponse, WSGIEnvironment

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class FakeApi:
    """`with FakeApi() as api: api.answers["GET /v1/projects"] = Answer(200, b"[]")`."""

    answers: dict[str, Answer] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # shutdown() waits for the loop's next poll: 0.05 s rather than the default 0.5 s,
        # which every test that starts a server would otherwise pay when it stops.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        parts = request.path.split("/")
        # /v1/projects/<id>/tasks answers under one key, whatever the id
        key = f"{request.method} {'/v1/projects/<id>/tasks' if len(parts) == 5 else request.path}"
        self.seen.append(key)
        answer = self.answers.get(key, Answer(404, b'{"error": "not_found"}'))
        response = Response(answer.body, status=answer.status, content_type=answer.content_type)
        return response(environ, start_response)

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
