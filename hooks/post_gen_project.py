"""Finish the generated project: write the git-ignored .env, prune unchosen options.

Idempotent and offline, so `cruft update` can run it again: an existing .env is kept
(re-running never rotates your secrets), and pruning a path that is gone is a no-op.
"""

import base64
import json
import secrets
import shutil
from pathlib import Path

OPTIONS = json.loads(
    r"""{{ {
        "project_slug": cookiecutter.project_slug,
        "redirect_uri": cookiecutter.redirect_uri,
        "database": cookiecutter.database,
        "include_sandbox": cookiecutter.include_sandbox,
        "include_flow_inspector": cookiecutter.include_flow_inspector,
    } | tojson }}"""
)

PROJECT = Path.cwd()
PACKAGE = PROJECT / "src" / OPTIONS["project_slug"]


def remove(*relative_paths: str) -> None:
    for relative in relative_paths:
        path = PROJECT / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def remove_sandbox_development_files() -> None:
    # Without the sandbox, development talks to fsckmsft itself. The emulator (sandbox/)
    # stays: every bake's tests drive the whole flow against it. Only what teaches
    # developing against it goes: the curl walk-through and the workshop built on it.
    remove("docs/sandbox.md", "docs/workshop.md")
    remove("tests/sandbox/test_sandbox_walkthrough.py")  # runs docs/sandbox.md's commands
    remove("tests/sandbox/test_flask_sandbox_command.py")  # `flask sandbox` is not there


def remove_inspector_files() -> None:
    # The workshop is taught with the inspector open.
    remove(f"src/{OPTIONS['project_slug']}/inspector", "tests/inspector", "docs/workshop.md")
    remove("tests/helpers/inspector.py")
    remove("docs/screenshots/06-inspector.png", "docs/screenshots/07-sequence-diagram.png")


def new_encryption_key() -> str:
    """One key-ring entry: '<key id>:<urlsafe base64 of 32 random bytes>' (AES-256)."""
    key_id = "k" + secrets.token_hex(4)
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return f"{key_id}:{key}"


def database_url() -> str:
    if OPTIONS["database"] == "postgresql":
        return f"postgresql+psycopg://localhost/{OPTIONS['project_slug']}"
    # Relative SQLite paths are resolved inside the Flask instance folder.
    return f"sqlite:///{OPTIONS['project_slug']}.db"


def write_dotenv() -> None:
    """Fresh development secrets, only in the git-ignored .env; kept if already there."""
    dotenv = PROJECT / ".env"
    if dotenv.exists():
        return
    sandbox = OPTIONS["include_sandbox"] == "yes"
    platform_url = "http://127.0.0.1:8001" if sandbox else "https://auth.fsckmsft.org"
    api_url = "http://127.0.0.1:8001" if sandbox else "https://api.fsckmsft.org"
    lines = [
        "# Development settings, written at bake time. Never commit this file.",
        "APP_ENV=development",
        f"SECRET_KEY={secrets.token_urlsafe(48)}",
        f"TOKEN_ENCRYPTION_KEYS={new_encryption_key()}",
        f"DATABASE_URL={database_url()}",
        f"FSCKMSFT_AUTH_URL={platform_url}",
        f"FSCKMSFT_API_URL={api_url}",
    ]
    if sandbox:
        # The sandbox registers the app with exactly these credentials at start.
        lines += [
            f"FSCKMSFT_CLIENT_ID=sbx_{secrets.token_hex(12)}",
            f"FSCKMSFT_CLIENT_SECRET={secrets.token_urlsafe(32)}",
            # Loopback http redirect URIs are a sandbox-only allowance.
            "FSCKMSFT_REDIRECT_URI=http://localhost:8000/callback",
            "CLOCK_SOURCE=sandbox",
        ]
    else:
        lines += [
            "# Paste the credentials fsckmsft showed you when you registered the app:",
            "FSCKMSFT_CLIENT_ID=",
            "FSCKMSFT_CLIENT_SECRET=",
            f"FSCKMSFT_REDIRECT_URI={OPTIONS['redirect_uri']}",
            "CLOCK_SOURCE=system",
        ]
    dotenv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    dotenv.chmod(0o600)


def main() -> None:
    if OPTIONS["include_sandbox"] != "yes":
        remove_sandbox_development_files()
    if OPTIONS["include_flow_inspector"] != "yes":
        remove_inspector_files()
    write_dotenv()


if __name__ == "__main__":
    main()
