"""Bounds on what one request may send: its Host, body, form and query string.

Without them an anonymous `POST /logout` of 200 MiB is read into the worker's memory
before the CSRF check can refuse it (a cheap denial of service).
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from werkzeug.exceptions import SecurityError

# A form field (a task title, a CSRF token) is small; a few dozen fields is a lot here.
MAX_FORM_PARTS = 100


def install_request_limits(app: Flask) -> None:
    """Werkzeug refuses bodies over MAX_CONTENT_LENGTH (413) before reading them."""
    app.config["MAX_FORM_MEMORY_SIZE"] = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_FORM_PARTS"] = MAX_FORM_PARTS
    app.before_request(refuse_unknown_hosts)
    app.before_request(refuse_long_query_strings)
    app.register_error_handler(SecurityError, unknown_host)


def refuse_unknown_hosts() -> None:
    """Stop a request to a Host outside TRUSTED_HOSTS before any other check reads it.

    Flask notes the refusal while routing but runs before-request functions first; those
    would meet the same error at their first look at the host (see config.own_host_names).
    """
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def unknown_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    # Plain text: a page template would build links from the very Host we refuse.
    return "Unknown host name.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def refuse_long_query_strings() -> None:
    # An oversized query string costs parsing and log space on every layer; no page of
    # this app (the callback's code and state included) needs more than a few hundred bytes.
    if len(request.query_string) > current_app.config["MAX_QUERY_STRING_LENGTH"]:
        abort(414)
