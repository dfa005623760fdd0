"""The post-gen hook's secrets: fresh per bake, only in the git-ignored .env, kept on re-runs."""

from __future__ import annotations

import base64
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import Bake, BakedProject, bake_into

SECRET_NAMES = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "FSCKMSFT_CLIENT_SECRET")


def dotenv(project: BakedProject) -> dict[str, str]:
    pairs = {}
    for line in project.read(".env").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def secrets_of(project: BakedProject) -> dict[str, str]:
    values = dotenv(project)
    found = {name: values.get(name, "") for name in SECRET_NAMES}
    assert all(found.values()), f"a secret is missing or empty in .env: {found}"
    return found


def git(project: BakedProject, *args: str) -> subprocess.CompletedProcess[str]:
    git_bin = shutil.which("git")
    assert git_bin, "git is needed for this test"
    return project.run([git_bin, *args])


def tracked_files(project: BakedProject) -> list[str]:
    """What `git add -A` would commit in a fresh repository of the baked project."""
    assert git(project, "init", "-q").returncode == 0
    assert git(project, "add", "-A").returncode == 0
    return git(project, "ls-files").stdout.splitlines()


@pytest.fixture
def project(bake: Bake) -> BakedProject:
    return bake()


def test_two_bakes_never_share_a_secret(project: BakedProject, tmp_path: Path) -> None:
    other = bake_into(tmp_path / "second", {})
    first, second = secrets_of(project), secrets_of(other)
    for name in SECRET_NAMES:
        assert first[name] != second[name], f"{name} is the same in two bakes"


def test_encryption_key_is_a_32_byte_key_with_an_id(project: BakedProject) -> None:
    key_id, _, key = secrets_of(project)["TOKEN_ENCRYPTION_KEYS"].partition(":")
    assert key_id.isalnum()
    assert len(base64.urlsafe_b64decode(key)) == 32


def test_dotenv_is_ignored_by_git(project: BakedProject) -> None:
    assert git(project, "init", "-q").returncode == 0
    assert git(project, "check-ignore", "-q", ".env").returncode == 0, ".env is not git-ignored"
    assert ".env" not in tracked_files(project)


def test_dotenv_example_is_tracked(project: BakedProject) -> None:
    assert ".env.example" in tracked_files(project)


def test_no_secret_appears_in_any_file_but_dotenv(project: BakedProject) -> None:
    values = list(secrets_of(project).values())
    values.append(values[1].partition(":")[2])  # the key without its id
    values.append(dotenv(project)["FSCKMSFT_CLIENT_ID"])
    others = [path for path in project.files() if path != Path(".env")]
    assert others, "the bake wrote no files"
    for relative in others:
        content = (project.path / relative).read_bytes()
        for value in values:
            assert value.encode() not in content, f"a secret from .env leaked into {relative}"


def test_dotenv_is_readable_only_by_its_owner(project: BakedProject) -> None:
    mode = stat.S_IMODE((project.path / ".env").stat().st_mode)
    assert mode & 0o077 == 0, f".env is mode {oct(mode)}"


def test_dotenv_example_documents_every_variable(project: BakedProject) -> None:
    example = project.read(".env.example")
    undocumented = [name for name in dotenv(project) if name not in example]
    assert not undocumented, f".env.example does not document {undocumented}"


def test_baking_again_keeps_the_dotenv(bake: Bake) -> None:
    first = bake()
    before = first.read(".env")
    second = bake(overwrite_if_exists=True)
    assert second.path == first.path
    assert second.read(".env") == before


def test_baking_again_prunes_again(bake: Bake) -> None:
    answers = {"include_sandbox": "no", "include_flow_inspector": "no"}
    first = bake(**answers)
    before = first.read(".env")
    second = bake(overwrite_if_exists=True, **answers)
    assert second.read(".env") == before
    assert not second.has_file("docs/sandbox.md")
    assert not second.has_file(f"src/{second.slug}/inspector")


def test_without_sandbox_dotenv_points_at_the_real_platform(bake: Bake) -> None:
    values = dotenv(bake(include_sandbox="no"))
    assert values["FSCKMSFT_AUTH_URL"].startswith("https://")
    assert values["FSCKMSFT_REDIRECT_URI"] == "https://acme.example.com/callback"
    assert values["FSCKMSFT_CLIENT_SECRET"] == "", "no invented secret for the real platform"
