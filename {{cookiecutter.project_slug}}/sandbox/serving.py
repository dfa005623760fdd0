"""serve(): run the sandbox on a threaded werkzeug server (development and workshops)."""

from typing import Any

from werkzeug.serving import run_simple

from .factory import create_sandbox


def serve(host: str = "127.0.0.1", port: int = 8001, **create_kwargs: Any) -> None:
    """Serve until interrupted. `create_kwargs` go to `create_sandbox`."""
    app = create_sandbox(**create_kwargs)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
