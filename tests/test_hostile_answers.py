"""Answers full of quotes, backslashes, markup and odd characters still bake a valid project.

Answers reach Python, TOML and HTML: each must stay data in all three (valid syntax,
same value read back, escaped on the page).
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import Bake, BakedProject, baked_env
from dotenv import dotenv_values
from markupsafe import escape

LONG_NAME = ("Very Long Integration Name " * 8)[:199] + "!"

HOSTILE: dict[str, dict[str, str]] = {
    "double-quotes": {
        "project_name": 'The "Best" Tasks',
        "description": 'Says "hello" and """triple""" quotes.',
        "author_name": 'Ann "The Dev" Lee',
    },
    "apostrophes": {
        "project_name": "O'Brien's Tasks",
        "description": "It's the team's '''favourite''' board.",
        "author_name": "D'Arcy O'Neil",
    },
    "backslashes": {
        "project_name": "Back\\slash \\n Tasks \\",
        "description": "Paths like C:\\Users\\new and a trailing backslash \\",
        "project_slug": "backslash_tasks",
    },
    "non-ascii": {
        "project_name": "Zürich Tâches 東京 ✓",
        "description": "Ŧasks für alle — naïve café, 日本語, emoji 🚀.",
        "author_name": "Zoë Ðaniel",
    },
    "newlines": {
        "project_name": "Multi Line",
        "description": "First line.\nSecond line with a \"quote\".\n",
    },
    "script-tag": {
        "project_name": "<script>alert('name')</script> & Co",
        "description": "<img src=x onerror=alert(1)>",
    },
    "200-characters": {"project_name": LONG_NAME, "description": "D" * 200},
}


@pytest.fixture(params=HOSTILE.values(), ids=HOSTILE.keys())
def hostile(request: pytest.FixtureRequest, bake: Bake) -> BakedProject:
    return bake(**request.param)


def test_every_python_file_compiles(hostile: BakedProject) -> None:
    for relative in hostile.files():
        if relative.suffix == ".py":
            compile((hostile.path / relative).read_bytes(), str(relative), "exec")


def test_pyproject_is_valid_toml_with_the_answers(hostile: BakedProject) -> None:
    project = tomllib.loads(hostile.read("pyproject.toml"))["project"]
    description = hostile.answers["description"] if "description" in hostile.answers else None
    if description is not None:
        assert project["description"] == description
    if "author_name" in hostile.answers:
        assert project["authors"][0]["name"] == hostile.answers["author_name"]


def test_manifest_is_valid_toml_with_the_answers(hostile: BakedProject) -> None:
    registration = tomllib.loads(hostile.read("marketplace/manifest.toml"))["registration"]
    assert registration["name"] == hostile.answers["project_name"]
    if "description" in hostile.answers:
        assert registration["description"] == hostile.answers["description"]


def test_yaml_files_still_parse(hostile: BakedProject) -> None:
    for relative in hostile.files():
        if relative.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all((hostile.path / relative).read_text(encoding="utf-8")))


LANDING_PAGE = """
import json, sys
from {slug} import create_app
from {slug}.extensions import db

app = create_app({{"TESTING": True}})
with app.app_context():
    db.create_all()
response = app.test_client().get("/")
json.dump({{"status": response.status_code, "body": response.get_data(as_text=True)}}, sys.stdout)
"""


def landing_page(project: BakedProject, tmp_path: Path) -> tuple[int, str]:
    """GET / on the baked app (test config, SQLite in tmp_path), in a process of its own."""
    # The app reads no file: hand it the bake's .env, as the `flask` command would.
    dotenv = {k: v for k, v in dotenv_values(project.path / ".env").items() if v is not None}
    dotenv.update(
        APP_ENV="testing",
        CLOCK_SOURCE="system",
        DATABASE_URL=f"sqlite:///{tmp_path / 'landing.db'}",
    )
    # The package from its source folder: nothing installed, so bakes never meet.
    env = baked_env(PYTHONPATH=str(project.path / "src"), **dotenv)
    result = project.run(
        [sys.executable, "-c", LANDING_PAGE.format(slug=project.slug)], env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    page = json.loads(result.stdout)
    return page["status"], page["body"]


@pytest.mark.parametrize("answers", HOSTILE.values(), ids=HOSTILE.keys())
def test_installs_and_the_landing_page_escapes_the_name(
    answers: dict[str, str], bake: Bake, tmp_path: Path
) -> None:
    status, body = landing_page(bake(**answers), tmp_path)
    assert status == 200
    assert str(escape(answers["project_name"])) in body
    assert "<script>alert" not in body
    assert "<img src=x" not in body
