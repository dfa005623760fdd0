"""A PostgreSQL bake starts from nothing: one sentence when no server answers, a way to get one."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest
from conftest import Bake, BakedProject, baked_env

PGBIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def project(bake: Bake) -> BakedProject:
    return bake(database="postgresql")


def check_database(project: BakedProject, database_url: str) -> tuple[int, str, str]:
    result = project.run(
        [sys.executable, "scripts/check_database.py"], env=baked_env(DATABASE_URL=database_url)
    )
    return result.returncode, result.stdout, result.stderr


def test_setup_says_in_one_sentence_that_no_server_answers(project: BakedProject) -> None:
    url = f"postgresql+psycopg://app:secret-pw@127.0.0.1:{closed_port()}/app"
    status, out, err = check_database(project, url)
    assert status == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert "No PostgreSQL database answers at 127.0.0.1" in err
    assert "scripts/with-postgres make setup dev" in err  # the way to get one
    assert "secret-pw" not in err  # the password stays out of the message


def test_setup_checks_the_database_before_migrating(project: BakedProject) -> None:
    setup = project.read("Makefile").split("\nsetup:", 1)[1].split("\n\n", 1)[0]
    assert setup.index("scripts/check_database.py") < setup.index("flask db upgrade")


def test_readme_gives_the_command_that_provides_a_server(project: BakedProject) -> None:
    assert project.file_contains("README.md", "scripts/with-postgres make setup dev")
    assert os.access(project.path / "scripts" / "with-postgres", os.X_OK)


def test_sqlite_bake_needs_no_server(bake: Bake) -> None:
    project = bake(database="sqlite")
    assert not project.file_contains("README.md", "scripts/with-postgres make setup dev")
    assert check_database(project, "sqlite:///app.db")[0] == 0


def test_with_postgres_provides_a_server_that_setup_accepts(project: BakedProject) -> None:
    if not PGBIN_CANDIDATES and shutil.which("initdb") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL's server programs are missing (CI=true: this test must run)")
        pytest.skip("PostgreSQL's server programs are not installed")
    env = baked_env()
    env.pop("TEST_POSTGRES_URL", None)  # start its own server, do not reuse one
    result = project.run(
        ["scripts/with-postgres", sys.executable, "scripts/check_database.py"], env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
