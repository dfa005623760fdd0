"""The log filter removes tokens, codes and secrets wherever they appear."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from {{ cookiecutter.project_slug }}.logs.redaction import (
    RedactingFormatterMixin,
    install_log_redaction,
    redact,
)

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


# -- exceptions, stacks, formatters: every log output ----------------------------

TOKEN = "rft_Leak3dRefreshT0ken"


class PlainJsonFormatter(logging.Formatter):
    """A JSON formatter as a library would write it: it renders the exception itself."""

    def format(self, record: logging.LogRecord) -> str:
        body = {"message": record.getMessage(), "level": record.levelname}
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            body["stack"] = self.formatStack(record.stack_info)
        return json.dumps(body)


class RedactingJsonFormatter(RedactingFormatterMixin, PlainJsonFormatter):
    """The same formatter with the mixin: its output is redacted wherever it is attached."""


def refresh_that_fails() -> None:
    raise ValueError(f"token endpoint said: refresh_token={TOKEN} is spent")


def chained_failure() -> None:
    try:
        refresh_that_fails()
    except ValueError as error:
        raise RuntimeError("could not refresh") from error


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler was configured before redaction was installed (as gunicorn's)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PlainJsonFormatter())
    log = logging.getLogger("tests.redaction")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    install_log_redaction()
    yield log, stream
    log.removeHandler(handler)


@pytest.mark.parametrize("failure", [refresh_that_fails, chained_failure])
def test_a_token_in_an_exception_message_is_redacted_everywhere(
    failure: Callable[[], None],
    logger: tuple[logging.Logger, io.StringIO],
    caplog: pytest.LogCaptureFixture,
) -> None:
    log, stream = logger
    late = io.StringIO()
    late_handler = logging.StreamHandler(late)  # added after installation, default formatter
    log.addHandler(late_handler)
    try:
        with caplog.at_level(logging.DEBUG):
            try:
                failure()
            except Exception:
                log.exception("refresh failed")
    finally:
        log.removeHandler(late_handler)
    for output in (caplog.text, stream.getvalue(), late.getvalue()):
        assert "refresh failed" in output and "ValueError" in output
        assert TOKEN not in output and "refresh_token=[redacted]" in output
    assert json.loads(stream.getvalue())["exception"]  # still valid JSON


def test_a_token_in_the_stack_is_redacted(
    logger: tuple[logging.Logger, io.StringIO], caplog: pytest.LogCaptureFixture
) -> None:
    log, stream = logger
    with caplog.at_level(logging.DEBUG):
        log.info("about to use refresh_token=rft_Leak3dRefreshT0ken", stack_info=True)
    for output in (caplog.text, stream.getvalue()):
        assert "Stack" in output or "stack" in output
        assert TOKEN not in output


def test_the_mixin_redacts_a_json_formatter_attached_later() -> None:
    install_log_redaction()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingJsonFormatter())
    log = logging.getLogger("tests.redaction.json")
    log.addHandler(handler)
    try:
        try:
            chained_failure()
        except RuntimeError as error:
            # exc_info handed over as a tuple built by hand: no record factory rendering
            record = log.makeRecord(
                log.name, logging.ERROR, __file__, 1, "failed", (), (type(error), error, None)
            )
            record.exc_text = None
            handler.handle(record)
    finally:
        log.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert TOKEN not in line["exception"] and "[redacted]" in line["exception"]


def test_configured_secret_values_are_redacted_whatever_their_shape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client_secret = "Zq8-plain-looking-value-with-no-prefix"
    install_log_redaction(secrets=[client_secret])
    with caplog.at_level(logging.INFO):
        logging.getLogger("tests.redaction").info("posting %s to the token endpoint", client_secret)
    assert client_secret not in caplog.text and "[redacted]" in caplog.text
