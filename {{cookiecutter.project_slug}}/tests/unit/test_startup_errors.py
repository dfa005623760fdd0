"""Start-up errors under the `flask` command: one sentence naming the setting and the fix,
no second error, no traceback; and the fix it names works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }}.config import parse_key_ring

from tests.helpers.app import PROJECT_ROOT, new_key_ring_entry

FLASK = str(Path(sys.executable).parent / "flask")


def run_flask(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`flask <args>` in the project, as a developer types it, with a complete development
    environment that `settings` change."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "FSCKMSFT_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env.update(
        APP_ENV="development",
        SECRET_KEY="s" * 48,
        TOKEN_ENCRYPTION_KEYS=new_key_ring_entry(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        FSCKMSFT_CLIENT_ID="cid",
        FSCKMSFT_CLIENT_SECRET="csecret",
        CLOCK_SOURCE="system",
    )
    env.update(settings)
    return subprocess.run(
        [FLASK, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("SECRET_KEY", ""),
        ("TOKEN_ENCRYPTION_KEYS", ""),
        ("TOKEN_ENCRYPTION_KEYS", "k1:c2hvcnQ="),
        ("DATABASE_URL", "not a database url"),
        ("DATABASE_URL", "oracle://user:hunter2@db.example.com/app"),  # no driver installed
        ("REFRESH_LEEWAY_SECONDS", "soon"),
    ],
)
def test_a_config_error_is_one_sentence_naming_the_setting(
    tmp_path: Path, setting: str, value: str
) -> None:
    result = run_flask(tmp_path, "db", "upgrade", **{setting: value})
    assert_one_sentence_naming(result, setting)
    assert "hunter2" not in result.stderr + result.stdout  # a URL's password is never shown


@pytest.mark.parametrize("command", [["dev"], ["tokens", "rotate-key"], ["marketplace", "check"]])
def test_every_command_reports_a_config_error_the_same_way(
    tmp_path: Path, command: list[str]
) -> None:
    result = run_flask(tmp_path, *command, SECRET_KEY="")
    assert_one_sentence_naming(result, "SECRET_KEY")


def assert_one_sentence_naming(result: subprocess.CompletedProcess[str], setting: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no second error ("No such command"), no traceback
    assert lines[0].startswith("Error: ") and setting in lines[0]


def test_flask_tokens_new_key_works_without_any_key_configured(tmp_path: Path) -> None:
    result = run_flask(tmp_path, "tokens", "new-key", TOKEN_ENCRYPTION_KEYS="")
    assert result.returncode == 0, result.stderr
    assert len(parse_key_ring(result.stdout.strip())) == 1


def test_a_missing_client_id_is_logged_once_at_start_up(tmp_path: Path) -> None:
    result = run_flask(tmp_path, "db", "current", FSCKMSFT_CLIENT_ID="")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("FSCKMSFT_CLIENT_ID not set") == 1
