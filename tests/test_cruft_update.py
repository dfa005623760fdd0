"""The upgrade path the README promises: `cruft update` brings a template change into a project.

A copy of the template becomes a git repository; cruft creates a project from its first
commit; the template then changes its generated README (a second commit); `cruft update`
in the project must apply that change with no reject file left behind and without printing
the project's secrets (cruft renders both template versions in temporary folders, where
the post-gen hook writes fresh .env files: `[tool.cruft] skip` keeps .env out of it).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEMPLATE, BakedProject, baked_env

TEMPLATE_CHANGE = "Upgraded through cruft: this line came with a template update."
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".test-venv", "build", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"
)


def run(cwd: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = baked_env(
        GIT_AUTHOR_NAME="Template Test",
        GIT_AUTHOR_EMAIL="template-test@example.com",
        GIT_COMMITTER_NAME="Template Test",
        GIT_COMMITTER_EMAIL="template-test@example.com",
    )
    result = subprocess.run(
        list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result


def commit_all(repository: Path, message: str) -> None:
    run(repository, "git", "add", "-A")
    run(repository, "git", "commit", "-q", "-m", message)


def cruft(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "cruft"), *args]


def secrets_in(project: Path) -> list[str]:
    values = []
    for line in (project / ".env").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        if name in {"SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "FSCKMSFT_CLIENT_SECRET"} and value:
            values.append(value)
    assert values, "the project's .env holds no secret to look for"
    return values


@pytest.fixture
def template_repository(tmp_path: Path) -> Path:
    copy = tmp_path / "template"
    shutil.copytree(TEMPLATE, copy, ignore=NOT_COPIED)
    run(copy, "git", "init", "-q", "-b", "main")
    commit_all(copy, "the template as it is")
    return copy


@pytest.fixture
def project(template_repository: Path, tmp_path: Path) -> BakedProject:
    out = tmp_path / "projects"
    out.mkdir()
    run(out, *cruft("create", "--no-input", str(template_repository)))
    (path,) = out.iterdir()
    run(path, "git", "init", "-q", "-b", "main")
    commit_all(path, "generated")
    return BakedProject(path)


def test_cruft_update_applies_a_template_change_cleanly(
    template_repository: Path, project: BakedProject
) -> None:
    env_before = project.read(".env")
    readme = template_repository / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + f"\n{TEMPLATE_CHANGE}\n", encoding="utf-8")
    commit_all(template_repository, "README: one more line")

    update = run(project.path, *cruft("update", "--skip-apply-ask", "--allow-untracked-files"))

    assert TEMPLATE_CHANGE in project.read("README.md")
    assert not list(project.path.rglob("*.rej")), "cruft left a reject file"
    assert project.read(".env") == env_before, "the update touched the project's secrets"
    printed = update.stdout + update.stderr
    assert not [value for value in secrets_in(project.path) if value in printed]


def test_cruft_diff_never_prints_the_projects_secrets(project: BakedProject) -> None:
    diff = run(project.path, *cruft("diff"))
    printed = diff.stdout + diff.stderr
    assert not [value for value in secrets_in(project.path) if value in printed]


def test_reject_files_are_ignored_by_git(project: BakedProject) -> None:
    (project.path / "README.md.rej").write_text("a hunk to merge by hand\n", encoding="utf-8")
    run(project.path, "git", "check-ignore", "-q", "README.md.rej")
