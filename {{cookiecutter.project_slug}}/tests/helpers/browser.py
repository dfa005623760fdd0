"""A live app and sandbox on loopback ports for the browser to drive."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}  # the Marketplace screenshot size


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class LiveServer:
    """The app over real HTTP on a free port of `localhost`.

    The port is chosen first, because the app's redirect URI (and the sandbox's
    registration) must name it; the app is plugged in afterwards.
    """

    def __init__(self) -> None:
        self.app: Flask | None = None
        self._server: BaseWSGIServer = make_server(
            "localhost", 0, self._dispatch, threaded=True, request_handler=QuietHandler
        )
        self.url = f"http://localhost:{self._server.server_port}"
        # shutdown() waits for the loop's next poll: 0.05 s rather than the default 0.5 s,
        # which every test that starts a server would otherwise pay when it stops.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None, "serve(app) first"
        return self.app(environ, start_response)

    def serve(self, app: Flask) -> None:
        self.app = app
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


@dataclass
class LiveApp:
    url: str
    app: Flask
    sandbox: Any  # fsckmsft_sandbox.testing.SandboxServer

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox clock; the app's clock follows at once."""
        self.sandbox.advance(seconds)
        self.app.extensions["fsckmsft"].clock.forget()
