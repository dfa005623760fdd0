"""Log lines for operators: a level, a text or JSON shape, secrets redacted in both."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.logs.configuration import configure_logging

from tests.helpers.app import app_config

SECRET = "rft_" + "S3cr3tRefreshToken" * 2
log = logging.getLogger("{{ cookiecutter.project_slug }}.test")


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    """capsys' stream closes after each test: leave no handler writing to it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def log_a_failure() -> None:
    try:
        raise ValueError(f"token endpoint said no to refresh_token={SECRET}")
    except ValueError:
        log.exception("refresh failed")


def test_text_lines_redact_secrets_in_the_traceback_too(capsys: pytest.CaptureFixture) -> None:
    configure_logging("INFO", "text")
    log_a_failure()
    written = capsys.readouterr().err
    assert "refresh failed" in written and "Traceback" in written
    assert "S3cr3t" not in written


def test_json_lines_are_one_object_each_with_the_exception_redacted(
    capsys: pytest.CaptureFixture,
) -> None:
    configure_logging("INFO", "json")
    log.info("sweep claimed=%d", 3)
    log_a_failure()
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["level"] == "INFO" and first["message"] == "sweep claimed=3"
    assert first["logger"] == "{{ cookiecutter.project_slug }}.test" and "time" in first
    assert second["level"] == "ERROR" and "ValueError" in second["exception"]
    assert "S3cr3t" not in json.dumps(second) and "[redacted]" in second["exception"]


def test_log_level_drops_the_lines_below_it(capsys: pytest.CaptureFixture) -> None:
    configure_logging("WARNING", "text")
    log.info("routine")
    log.warning("worth a look")
    written = capsys.readouterr().err
    assert "worth a look" in written and "routine" not in written


def test_create_app_configures_logging_from_its_settings(
    sqlite_url: str, capsys: pytest.CaptureFixture
) -> None:
    settings = app_config(sqlite_url, "https://fsckmsft.test", LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    create_app(settings)
    log.debug("from the factory's configuration")
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "from the factory's configuration"
