"""Keep tokens, codes and secrets out of every log line.

Installed on the root logger's handlers and on werkzeug's access log: a request line for
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


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the filter to every handler that exists now and to the loggers we know."""
    for name in ("", "werkzeug", "urllib3", "authlib", "requests"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
