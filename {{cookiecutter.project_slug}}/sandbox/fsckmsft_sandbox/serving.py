"""serve(): run the sandbox on a threaded werkzeug server (development and workshops)."""

import threading
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server, run_simple

from .factory import api_origin_app, create_sandbox, listening_on


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Access log lines without query strings: authorize URLs carry `state` and PKCE values,
    which have no business in a terminal or a log file."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s %s" %s', self.command, urlsplit(self.path).path, code)


def serve(
    host: str = "127.0.0.1", port: int = 8001, api_port: int | None = None, **create_kwargs: Any
) -> None:
    """Serve until interrupted. `create_kwargs` go to `create_sandbox`.

    The API's own origin listens on `api_port` when one is given, and on `port` + 1 when none
    is given and the settings put the API on its own origin (`api_origin=separate`).
    """
    app = create_sandbox(**create_kwargs)
    listening_on(app, port)
    if api_port or app.extensions["sandbox"].settings.api_origin == "separate":
        api_port = api_port or port + 1
        api_server = make_server(
            host,
            api_port,
            api_origin_app(app),
            threaded=True,
            request_handler=PathOnlyRequestHandler,
        )
        threading.Thread(target=api_server.serve_forever, daemon=True, name="sandbox-api").start()
        print(f"fsckmsft sandbox API on its own origin: http://{host}:{api_port}", flush=True)
    run_simple(
        host,
        port,
        app,
        threaded=True,
        use_reloader=False,
        use_debugger=False,
        request_handler=PathOnlyRequestHandler,
    )
