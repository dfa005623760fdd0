"""A production process reads its environment and nothing else; `.env` is development's.

The `flask` command (the development command line) loads `.env` from the working folder.
gunicorn, `python -m {{ cookiecutter.project_slug }}` and the `{{ cookiecutter.project_slug | replace('_', '-') }}` command never do: a
development `.env` copied onto a server must not turn production into development.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.app import new_key_ring_entry

# Production needs FSCKMSFT_CLIENT_ID, development does not: which one ran shows in the answer.
DEVELOPMENT_DOTENV = "APP_ENV=development\nFSCKMSFT_AUTH_URL=http://127.0.0.1:8001\n"


def environment_without_app_env(tmp_path: Path) -> dict[str, str]:
    """A real environment that does not say APP_ENV (so: production) and lacks a client id."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("APP_", "FSCKMSFT_", "FLASK_", "CLOCK_", "INSPECTOR_"))
    }
    env.update(
        SECRET_KEY="p" * 48,
        TOKEN_ENCRYPTION_KEYS=new_key_ring_entry(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        INSTANCE_PATH=str(tmp_path / "instance"),
    )
    return env


def run(command: list[str], folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_production_command_ignores_a_development_dotenv_in_its_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(DEVELOPMENT_DOTENV, encoding="utf-8")
    env = environment_without_app_env(tmp_path)
    production = run([sys.executable, "-m", "{{ cookiecutter.project_slug }}", "routes"], tmp_path, env)
    assert production.returncode != 0
    assert "FSCKMSFT_CLIENT_ID is not set" in production.stderr + production.stdout
    # The same folder, through the development command line: .env is read, development runs.
    development = run(
        [sys.executable, "-m", "flask", "--app", "{{ cookiecutter.project_slug }}", "routes"],
        tmp_path,
        env,
    )
    assert development.returncode == 0, development.stderr


def test_create_app_reads_no_dotenv_in_its_folder(tmp_path: Path) -> None:
    # What gunicorn runs: the factory itself, which must read the environment only.
    (tmp_path / ".env").write_text(DEVELOPMENT_DOTENV, encoding="utf-8")
    started = run(
        [sys.executable, "-c", "import {{ cookiecutter.project_slug }} as p; p.create_app()"],
        tmp_path,
        environment_without_app_env(tmp_path),
    )
    assert started.returncode != 0
    assert "FSCKMSFT_CLIENT_ID is not set" in started.stderr
