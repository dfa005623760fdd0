"""The log filter removes tokens, codes and secrets wherever they appear."""

from __future__ import annotations

import logging

import pytest

from {{ cookiecutter.project_slug }}.logging_redaction import install_log_redaction, redact

SECRETS = ["act_AbC123", "rft_Zz9-_x", "the-code-value", "s3cr3t-value", "statevalue123"]


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1 - - "GET /callback?code=the-code-value&state=statevalue123 HTTP/1.1" 302 -',
        "sending Authorization: Bearer act_AbC123",
        "body: grant_type=refresh_token&refresh_token=rft_Zz9-_x&client_secret=s3cr3t-value",
        "{'access_token': 'act_AbC123', 'refresh_token': 'rft_Zz9-_x'}",
        '{"client_secret": "s3cr3t-value"}',
    ],
)
def test_redact_removes_every_secret(line: str) -> None:
    cleaned = redact(line)
    assert not any(secret in cleaned for secret in SECRETS), cleaned
    assert "redacted" in cleaned


def test_installed_redaction_covers_child_loggers_and_late_handlers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_log_redaction()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("urllib3.connectionpool").debug(
            '"GET /callback?code=%s HTTP/1.1"', "the-code-value"
        )
        logging.getLogger("any.module").info("token %s", "act_AbC123")  # arguments too
    assert "the-code-value" not in caplog.text and "redacted" in caplog.text
    assert "act_AbC123" not in caplog.text
