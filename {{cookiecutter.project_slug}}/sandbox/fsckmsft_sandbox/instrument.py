"""Request log entries and fault injection around /oauth/* and /v1/*.

Flask hooks decide (log fields, which fault applies); a WSGI middleware sees the final status
and can drop the connection, which no Flask response can express.
"""

import contextlib
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, jsonify, request

from .faults import FaultRule
from .requestlog import redacted_fields
from .state import current_state

ENTRY = "sandbox.log_entry"
GENERATION = "sandbox.log_generation"
DROP = "sandbox.drop_connection"


def endpoint_kind(path: str) -> str | None:
    if path == "/oauth/token":
        return "token"
    return "api" if path.startswith("/v1/") else None


def new_entry() -> dict[str, Any]:
    entry: dict[str, Any] = {
        "time": current_state().clock.now(),
        "method": request.method,
        "path": request.path,
        "status": None,
        "client_id": request.values.get("client_id"),
    }
    if request.path == "/oauth/token":
        entry["grant_type"] = request.form.get("grant_type")
        entry["form"] = redacted_fields(request.form.to_dict())
    elif request.path.startswith("/oauth/"):
        entry["params"] = redacted_fields(request.values.to_dict())
    return entry


def fault_response(rule: FaultRule) -> Response:
    """The injected HTTP error, shaped like the platform's own errors."""
    error = rule.error or ("rate_limited" if rule.status == 429 else "server_error")
    response = jsonify({"error": error, "error_description": "Injected by a sandbox fault rule."})
    response.status_code = rule.status or 500
    if rule.retry_after is not None:
        response.headers["Retry-After"] = str(rule.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def apply_fault(rule: FaultRule) -> Response | None:
    if rule.latency:
        time.sleep(rule.latency)
    if rule.timeout is not None:
        # Hold the request, never process it, then close without answering.
        time.sleep(rule.timeout)
        request.environ[DROP] = True
        return Response(status=504)
    if rule.rotate_then_drop:
        request.environ[DROP] = True  # processed for real; the answer is lost on the way
        return None
    return fault_response(rule) if rule.status else None


def before_request() -> Response | None:
    if not request.path.startswith(("/oauth/", "/v1/")):
        return None
    entry = new_entry()
    request.environ[ENTRY] = entry
    request.environ[GENERATION] = current_state().log.generation
    kind = endpoint_kind(request.path)
    rule = current_state().faults.take(kind, entry.get("grant_type")) if kind else None
    if rule is None:
        return None
    entry["fault"] = rule.as_dict()
    return apply_fault(rule)


class LogAndDropMiddleware:
    """Records each entry with its final status; drops the connection when a fault says so."""

    def __init__(self, app: Flask) -> None:
        self.flask_app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable:
        status: list[int] = []

        def capture(status_line: str, headers: list, exc_info: Any = None) -> Callable:
            status.append(int(status_line.split()[0]))
            if environ.get(DROP):
                return lambda _data: None
            return start_response(status_line, headers, exc_info)

        body = self.wsgi_app(environ, capture)
        entry = environ.get(ENTRY)
        if entry is not None:
            entry["status"] = None if environ.get(DROP) else (status[-1] if status else None)
            self.flask_app.extensions["sandbox"].log.append(entry, environ[GENERATION])
        if environ.get(DROP):
            if hasattr(body, "close"):
                body.close()
            drop_connection(environ)
        return body


def drop_connection(environ: dict[str, Any]) -> None:
    """Close the socket with no HTTP response, so the client sees a connection error."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):  # the client may have gone already
            sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("sandbox fault: connection dropped")


def install(app: Flask) -> None:
    app.before_request(before_request)
    app.wsgi_app = LogAndDropMiddleware(app)  # type: ignore[method-assign]
