"""No secret may sit in a file that is (or would be) committed; .env must stay ignored."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.listing import CheckRun, ListingProject

# Built at run time so this file itself never holds a token-shaped string.
ACCESS_TOKEN = "act_" + "Q7xk2" * 8
REFRESH_TOKEN = "rft_" + "m4Zp9" * 8
PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----\n"


def test_access_token_in_a_source_file_fails(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write("src/settings.py", f'DEBUG_TOKEN = "{ACCESS_TOKEN}"\n')
    run = check(listing)
    assert run.exit_code == 1 and run.failing() == {"SECRET_COMMITTED"}
    (message,) = run.messages("SECRET_COMMITTED")
    assert message.startswith("src/settings.py:1 holds an fsckmsft act_")


def test_refresh_token_in_a_note_fails(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write("docs/debugging.md", f"Line one\n\nrefresh with {REFRESH_TOKEN}\n")
    run = check(listing)
    assert "docs/debugging.md:3" in run.messages("SECRET_COMMITTED")[0]


def test_private_key_block_fails(check: Callable[..., CheckRun], listing: ListingProject) -> None:
    listing.write("deploy/server.pem", PRIVATE_KEY)
    assert "a private key" in check(listing).messages("SECRET_COMMITTED")[0]


def test_the_client_secret_from_dotenv_in_a_file_fails(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    secret = "s3cr3t-" + "Vb8n" * 8
    listing.write(".env", f"FSCKMSFT_CLIENT_SECRET={secret}\n")
    listing.write("scripts/try.sh", f"curl -d client_secret={secret} https://auth.fsckmsft.org\n")
    messages = check(listing).messages("SECRET_COMMITTED")
    assert messages == [messages[0]] and "FSCKMSFT_CLIENT_SECRET" in messages[0]
    assert messages[0].startswith("scripts/try.sh:1")  # .env itself is ignored, not reported


def test_placeholders_and_words_are_not_tokens(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write("README.md", "Tokens look like act_xxxxxxxxxxxxxxxxxxxx.\n")
    listing.write("src/errors.py", "REASON = 'act_unknown_token_value_for_tests'\n")
    assert check(listing).status("SECRET_COMMITTED") == "pass"


def test_ignored_and_tool_folders_are_not_scanned(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write(".venv/lib/site.py", f"X = '{ACCESS_TOKEN}'\n")
    listing.write("instance/notes.txt", ACCESS_TOKEN)
    assert check(listing).status("SECRET_COMMITTED") == "pass"


def test_dotenv_not_in_gitignore_fails(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    listing.write(".gitignore", "__pycache__/\n")
    run = check(listing)
    assert run.exit_code == 1 and "ENV_NOT_IGNORED" in run.failing()


def git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


@pytest.fixture
def repository(listing: ListingProject) -> ListingProject:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(listing.path, "init", "-q")
    git(listing.path, "add", "-A")
    return listing


def test_in_a_repository_a_tracked_dotenv_fails(
    check: Callable[..., CheckRun], repository: ListingProject
) -> None:
    repository.write(".env", "SECRET_KEY=" + "Kq3" * 16 + "\n")
    git(repository.path, "add", "-f", ".env")
    run = check(repository)
    assert run.exit_code == 1
    assert "tracked by git" in run.messages("ENV_NOT_IGNORED")[0]
    assert any(m.startswith(".env:1") for m in run.messages("SECRET_COMMITTED"))


def test_in_a_repository_an_ignored_dotenv_passes(
    check: Callable[..., CheckRun], repository: ListingProject
) -> None:
    repository.write(".env", "SECRET_KEY=" + "Kq3" * 16 + "\n")
    run = check(repository)
    assert run.exit_code == 0, run.report
    assert run.status("ENV_NOT_IGNORED") == run.status("SECRET_COMMITTED") == "pass"


def test_in_a_repository_an_untracked_file_with_a_token_fails(
    check: Callable[..., CheckRun], repository: ListingProject
) -> None:
    """Untracked but not ignored: the next `git add -A` would commit it."""
    repository.write("notes.txt", ACCESS_TOKEN)
    assert "notes.txt:1" in check(repository).messages("SECRET_COMMITTED")[0]
