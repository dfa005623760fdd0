"""Production settings, as production would see them (`--env-file`), must be safe."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.listing import CheckRun, ListingProject

PRODUCTION_CHECKS = {
    "PROD_SECRET_WEAK",
    "PROD_KEYS_WEAK",
    "PROD_SECRET_IS_DEV",
    "PROD_COOKIE_INSECURE",
    "PROD_DEBUG_ON",
    "PROD_CONFIG_INVALID",
}


def key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def production_env(**changes: str) -> dict[str, str]:
    settings = {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": f"kprod:{key()}",
        "DATABASE_URL": "postgresql+psycopg://app@db/app",
        "FSCKMSFT_CLIENT_ID": "app_live_1234",
        "FSCKMSFT_CLIENT_SECRET": secrets.token_urlsafe(32),
        "FSCKMSFT_REDIRECT_URI": "https://tasks.acme-integrations.io/callback",
    }
    settings.update(changes)
    return settings


def env_file(folder: Path, settings: dict[str, str]) -> str:
    path = folder / "production.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()), encoding="utf-8")
    return str(path)


def test_development_machine_reports_production_checks_as_not_applicable(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    run = check(listing)
    assert run.exit_code == 0
    assert {run.status(check_id) for check_id in PRODUCTION_CHECKS} == {"skip"}
    assert "--env-file" in run.messages("PROD_SECRET_WEAK")[0]


def test_safe_production_settings_pass(
    check: Callable[..., CheckRun], listing: ListingProject, tmp_path: Path
) -> None:
    run = check(listing, "--env-file", env_file(tmp_path, production_env()))
    assert run.exit_code == 0, run.report
    assert {run.status(check_id) for check_id in PRODUCTION_CHECKS} == {"pass"}


ZERO_KEY = base64.urlsafe_b64encode(bytes(32)).decode()  # valid base64, 32 bytes, not random
CASES = {
    "short-secret-key": ("PROD_SECRET_WEAK", {"SECRET_KEY": "changeme"}),
    "typed-secret-key": ("PROD_SECRET_WEAK", {"SECRET_KEY": "a" * 40}),
    "malformed-key-ring": ("PROD_KEYS_WEAK", {"TOKEN_ENCRYPTION_KEYS": "k1:not-base64!"}),
    "zero-key": ("PROD_KEYS_WEAK", {"TOKEN_ENCRYPTION_KEYS": f"k1:{ZERO_KEY}"}),
    "development-app-env": ("PROD_COOKIE_INSECURE", {"APP_ENV": "development"}),
    "flask-debug": ("PROD_DEBUG_ON", {"FLASK_DEBUG": "1"}),
    "http-auth-url": ("PROD_CONFIG_INVALID", {"FSCKMSFT_AUTH_URL": "http://auth.fsckmsft.org"}),
    "no-client-secret": ("PROD_CONFIG_INVALID", {"FSCKMSFT_CLIENT_SECRET": ""}),
}


@pytest.mark.parametrize(("check_id", "changes"), CASES.values(), ids=CASES.keys())
def test_unsafe_production_setting_fails_with_its_id(
    check: Callable[..., CheckRun],
    listing: ListingProject,
    tmp_path: Path,
    check_id: str,
    changes: dict[str, str],
) -> None:
    run = check(listing, "--env-file", env_file(tmp_path, production_env(**changes)))
    assert run.exit_code == 1
    assert check_id in run.failing()


def test_development_secrets_reused_in_production_fail(
    check: Callable[..., CheckRun], listing: ListingProject, tmp_path: Path
) -> None:
    development = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": f"kdev:{key()}",
    }
    listing.write(".env", "".join(f"{k}={v}\n" for k, v in development.items()))
    run = check(listing, "--env-file", env_file(tmp_path, production_env(**development)))
    assert run.exit_code == 1 and run.failing() == {"PROD_SECRET_IS_DEV"}
    assert len(run.messages("PROD_SECRET_IS_DEV")) == 2


def test_a_production_process_environment_is_reviewed_without_env_file(
    check: Callable[..., CheckRun], listing: ListingProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "too-short")
    run = check(listing)
    assert run.exit_code == 1 and "PROD_SECRET_WEAK" in run.failing()
