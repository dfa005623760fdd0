"""Baked projects ship as wheels that install side by side in one environment.

Two integrations baked from this template (different slugs, different databases) are
built with `pip wheel`, installed into one fresh virtual environment, and each runs from
its own installed files: its own package, migrations and manifest, no file shared.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import BakedProject, bake_into, baked_env

PROJECTS = {
    "acme_tasks": {"project_name": "Acme Tasks"},
    "team_planner": {"project_name": "Team Planner", "database": "postgresql"},
}


def build_wheel(project: BakedProject, dist: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(dist / project.slug), str(project.path)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return next((dist / project.slug).glob("*.whl"))


def installed_files(wheel: Path) -> set[str]:
    """What the wheel puts into site-packages, metadata aside."""
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


@pytest.mark.slow
def test_two_baked_projects_install_side_by_side_from_their_wheels(tmp_path: Path) -> None:
    projects = [bake_into(tmp_path / slug, answers) for slug, answers in PROJECTS.items()]
    wheels = [build_wheel(project, tmp_path / "dist") for project in projects]
    first, second = (installed_files(wheel) for wheel in wheels)
    assert first and second and not first & second  # nothing one install would overwrite
    for wheel, project in zip(wheels, projects, strict=True):
        files = installed_files(wheel)
        assert not any(name.startswith("fsckmsft_sandbox/") for name in files)
        for inside in ("project_files/marketplace/manifest.toml", "templates/base.html",
                       "project_files/migrations/versions/0001_initial.py", "static/style.css"):
            assert f"{project.slug}/{inside}" in files, inside

    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = str(environment / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *map(str, wheels)],
        check=True, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    for project, answers in zip(projects, PROJECTS.values(), strict=True):
        # Each migrates its own database and names itself from its own manifest, in
        # production (no APP_ENV), from a folder that holds neither project.
        database = tmp_path / f"{project.slug}.db"
        env = baked_env(
            # Generated the way the README tells a newcomer to: production refuses weak ones.
            SECRET_KEY=secrets.token_urlsafe(48),
            TOKEN_ENCRYPTION_KEYS="k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
            DATABASE_URL=f"sqlite:///{database}",
            FSCKMSFT_CLIENT_ID="client",
            FSCKMSFT_CLIENT_SECRET=secrets.token_urlsafe(32),
            FSCKMSFT_REDIRECT_URI="https://example.com/callback",
        )
        env.pop("APP_ENV", None)
        command = str(environment / "bin" / project.slug.replace("_", "-"))
        upgrade = subprocess.run(
            [command, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        assert upgrade.returncode == 0, upgrade.stderr
        assert database.exists()
        script = (
            f"import {project.slug} as p; "
            "print(p.create_app().extensions['fsckmsft'].manifest.registration.name)"
        )
        name = subprocess.run(
            [python, "-c", script],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert name.stdout.strip() == answers["project_name"], name.stderr
