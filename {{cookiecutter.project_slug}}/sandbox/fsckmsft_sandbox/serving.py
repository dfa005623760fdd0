"""serve(): run the sandbox on a threaded werkzeug server (development and workshops)."""

from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, run_simple

from .factory import create_sandbox, listening_on


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Access log lines without query strings: authorize URLs carry `state` and PKCE values,
    which have no business in a terminal or a log file."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s %s" %s', self.command, urlsplit(self.path).path, code)


def serve(host: str = "127.0.0.1", port: int = 8001, **create_kwargs: Any) -> None:
    """Serve until interrupted. `create_kwargs` go to `create_sandbox`."""
    app = create_sandbox(**create_kwargs)
    listening_on(app, port)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False,
               request_handler=PathOnlyRequestHandler)
