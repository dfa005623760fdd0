"""Keep tokens, codes and secrets out of every log line.

Installed as the log record factory, so it covers every logger: a request line for
`/callback?code=...&state=...` is logged as `/callback?[redacted]`, bearer tokens and
`act_`/`rft_` values become `[redacted]` wherever they appear. This is a safety net;
the code itself never logs a secret on purpose.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    # Query strings may carry codes, states, tokens: drop them whole.
    (re.compile(r"(/[\w\-./]*)\?[^\s\"']*"), r"\1?[redacted]"),
    (re.compile(r"\b(act|rft)_[A-Za-z0-9_\-]+"), r"\1_[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-.~+/=]+"), r"\1[redacted]"),
    (
        re.compile(
            r"(?i)\b(client_secret|refresh_token|access_token|code|code_verifier|state|"
            r"secret_key|token_encryption_keys)(['\"]?\s*[=:]\s*['\"]?)[^\s&'\",}]+"
        ),
        r"\1\2[redacted]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None


def install_log_redaction() -> None:
    """Redact every log record as it is created, whichever logger or handler it meets.

    A record factory, not a filter on some loggers: records from child loggers (urllib3's,
    werkzeug's) and handlers added later (gunicorn's, pytest's) are all covered.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts_secrets", False):
        return  # already installed (create_app may run several times in one process)

    def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = current(*args, **kwargs)
        _redact_record(record)
        return record

    redacting_factory.redacts_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
