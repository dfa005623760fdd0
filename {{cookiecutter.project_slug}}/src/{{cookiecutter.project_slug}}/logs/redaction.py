"""Keep tokens, codes and secrets out of every log output.

A request line for `/callback?code=...&state=...` is logged as `/callback?[redacted]`;
bearer tokens, `act_`/`rft_` values, `refresh_token=...` pairs and the configured secrets
themselves become `[redacted]` wherever they appear: in the message, its arguments, the
formatted exception (chained causes included), the stack, and any formatter's output,
JSON included. This is a safety net; the code itself never logs a secret on purpose.

Three layers, because a log line is assembled in several places:
- the log-record factory redacts the message and its arguments as each record is made,
  and renders the exception and stack text there, redacted (every logger, every handler,
  even handlers added later: gunicorn's, pytest's);
- `RedactingFormatterMixin` redacts what a formatter produces; a formatter of your own
  (a JSON one, say) gets it with `class JsonFormatter(RedactingFormatterMixin, Formatter)`;
- `install_log_redaction` wraps the formatter of every handler already configured.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
_PATTERNS = [
    # Query strings may carry codes, states, tokens: drop them whole.
    (re.compile(r"(/[\w\-./]*)\?[^\s\"']*"), r"\1?[redacted]"),
    (re.compile(r"\b(act|rft)_[A-Za-z0-9_\-]+"), r"\1_[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-.~+/=]+"), r"\1[redacted]"),
    (
        re.compile(
            r"(?i)\b(client_secret|refresh_token|access_token|code|code_verifier|state|"
            r"secret_key|token_encryption_keys)(\\?['\"]?\s*[=:]\s*\\?['\"]?)[^\s&'\"\\,}]+"
        ),
        r"\1\2[redacted]",
    ),
]
# Exact values this process holds (SECRET_KEY, the client secret, token keys): whatever
# their shape, they never reach a log. Shorter ones would redact ordinary words.
MIN_KNOWN_SECRET_LENGTH = 8
_known_secrets: set[str] = set()
_known_secrets_lock = threading.Lock()


def remember_secrets(values: Iterable[str]) -> None:
    """Redact these exact values too (create_app passes the configured secrets)."""
    with _known_secrets_lock:
        _known_secrets.update(v for v in values if len(v) >= MIN_KNOWN_SECRET_LENGTH)


def redact(text: str) -> str:
    """`text` with every token, code and secret replaced by [redacted]."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatterMixin:
    """Put before a `logging.Formatter` subclass: everything it renders is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))  # type: ignore[misc]

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))  # type: ignore[misc]

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))  # type: ignore[misc]


class RedactingFormatter(RedactingFormatterMixin, logging.Formatter):
    """A plain formatter that redacts."""


class _RedactingWrapper(logging.Formatter):
    """Wraps a handler's existing formatter (whatever its class) and redacts its output."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def _redact_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Rendered now, redacted: formatters reuse `exc_text` instead of rendering the
        # exception again (and a token in its message, or a chained cause's, would leak).
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _wrap_handlers(logger: logging.Logger) -> None:
    for handler in logger.handlers:
        formatter = handler.formatter or logging.Formatter()
        if not isinstance(formatter, RedactingFormatterMixin | _RedactingWrapper):
            handler.setFormatter(_RedactingWrapper(formatter))


def install_log_redaction(secrets: Iterable[str] = ()) -> None:
    """Redact every log record as it is made, and every configured handler's output.

    A record factory, not a filter on some loggers: records from child loggers (urllib3's,
    werkzeug's) and handlers added later (gunicorn's, pytest's) are all covered.
    """
    remember_secrets(secrets)
    _wrap_handlers(logging.getLogger())
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            _wrap_handlers(logger)
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts_secrets", False):
        return  # already installed (create_app may run several times in one process)

    def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        _redact_record(record)
        return record

    redacting_factory.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
