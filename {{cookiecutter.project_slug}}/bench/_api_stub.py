"""Bench helper: a fast stand-in for the fsckmsft API that the dashboard calls.

Every `GET /v1/projects` answers the same five projects at once, over kept-alive
connections, so a page benchmark measures the page, not the API.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROJECTS = {
    "projects": [
        {"id": f"prj_{number}", "name": f"Project {number}", "task_count": number}
        for number in range(5)
    ]
}


def send_json(handler: BaseHTTPRequestHandler, body: bytes, status: int = 200) -> None:
    """One JSON answer, with its length: a kept-alive connection needs it."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class ApiStubHandler(BaseHTTPRequestHandler):
    """A fast API origin: every GET /v1/projects answers the same projects."""

    protocol_version = "HTTP/1.1"  # keep-alive: both sides reuse one pooled connection
    # Headers and body leave in two writes; with Nagle's algorithm (and the client's
    # delayed ACK) the body would wait ~40 ms on a kept-alive connection.
    disable_nagle_algorithm = True
    body = json.dumps(PROJECTS).encode()

    def do_GET(self) -> None:
        found = self.path == "/v1/projects"
        send_json(self, self.body if found else b"{}", 200 if found else 404)

    def log_message(self, format: str, *args: object) -> None:
        return None  # no access log


def start_api_stub() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ApiStubHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"
