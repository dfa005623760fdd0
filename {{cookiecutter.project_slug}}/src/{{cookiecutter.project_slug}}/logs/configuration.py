"""Where the app's log lines go, and in what shape: set up once per process by create_app.

Every process (gunicorn's workers, the refresher, any command) writes to stderr, where
platforms, containers and systemd collect it. Two settings:

- LOG_LEVEL: DEBUG, INFO (default), WARNING, ERROR or CRITICAL.
- LOG_FORMAT: `text` (default; one readable line) or `json` (one object per line, for log
  pipelines: time, level, logger, message, and exception or stack when there is one).

Both formats pass everything they write, tracebacks included, through the redaction of
redaction: a secret inside an exception message is as redacted as one in a line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from .redaction import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class RedactingTextFormatter(logging.Formatter):
    """The readable line, exception and stack included, with secrets redacted."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line; each field redacted before it is encoded."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


class _AppHandler(logging.StreamHandler):
    """Ours, so that configuring again (create_app runs once per app) replaces it."""


def configure_logging(level: str, log_format: str) -> None:
    """Send the app's log records to stderr at `level`, in `log_format` (text or json)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _AppHandler)]:
        root.removeHandler(handler)
    handler = _AppHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else RedactingTextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
