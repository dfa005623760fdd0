"""The preflight holds the app to the platform documentation: the production callback is
registered, the code calls only documented endpoints, an extension in use is named."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from pathlib import Path

from {{ cookiecutter.project_slug }}.marketplace.checks_platform import platform_paths

from tests.helpers.listing import HOST, CheckRun, ListingProject


def production_env(**changes: str) -> dict[str, str]:
    """Safe production settings, with `changes`."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": f"kprod:{key}",
        "FSCKMSFT_CLIENT_ID": "app_live_1234",
        "FSCKMSFT_CLIENT_SECRET": secrets.token_urlsafe(32),
        "FSCKMSFT_REDIRECT_URI": f"{HOST}/callback",
        **changes,
    }


def env_file(folder: Path, settings: dict[str, str]) -> str:
    path = folder / "production.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()), encoding="utf-8")
    return str(path)


def test_a_registered_production_callback_passes(
    check: Callable[..., CheckRun], listing: ListingProject, tmp_path: Path
) -> None:
    run = check(listing, "--env-file", env_file(tmp_path, production_env()))
    assert run.status("PROD_REDIRECT_NOT_REGISTERED") == "pass"


def test_a_production_callback_missing_from_the_manifest_fails(
    check: Callable[..., CheckRun], listing: ListingProject, tmp_path: Path
) -> None:
    settings = production_env(FSCKMSFT_REDIRECT_URI=f"{HOST}/oauth/callback")
    run = check(listing, "--env-file", env_file(tmp_path, settings))
    assert run.status("PROD_REDIRECT_NOT_REGISTERED") == "fail" and run.exit_code == 1
    assert f"{HOST}/oauth/callback" in run.messages("PROD_REDIRECT_NOT_REGISTERED")[0]


def test_this_project_calls_only_documented_endpoints(
    check: Callable[..., CheckRun], listing: ListingProject
) -> None:
    run = check(listing)
    assert run.status("API_UNDOCUMENTED_CALL") == "pass"
    assert set(platform_paths()) == {
        "/oauth/authorize", "/oauth/token", "/v1/projects", "/v1/projects/<id>/tasks",
    }  # fmt: skip


def test_a_call_to_an_undocumented_endpoint_is_found(tmp_path: Path) -> None:
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "views.py").write_text(
        'def who(api, token):\n    return api.send("GET", "/v1/me", token)\n'
        'def tasks(api, project_id):\n    return api.send("GET", f"/v1/projects/{project_id}")\n',
        encoding="utf-8",
    )
    assert platform_paths(tmp_path) == {
        "/v1/me": "auth/views.py:2", "/v1/projects/<id>": "auth/views.py:4",
    }  # fmt: skip


def test_an_identity_extension_in_use_is_a_warning_that_names_it(
    check: Callable[..., CheckRun], listing: ListingProject, tmp_path: Path
) -> None:
    settings = production_env(FSCKMSFT_IDENTITY_URL="https://api.fsckmsft.org/v1/me")
    run = check(listing, "--env-file", env_file(tmp_path, settings))
    assert run.status("API_EXTENSION_IN_USE") == "fail" and run.exit_code == 0  # a warning
    message = run.messages("API_EXTENSION_IN_USE")[0]
    assert "FSCKMSFT_IDENTITY_URL" in message and "GET /v1/me" in message


def test_no_extension_in_use_passes(
    check: Callable[..., CheckRun], listing: ListingProject, tmp_path: Path
) -> None:
    run = check(listing, "--env-file", env_file(tmp_path, production_env()))
    assert run.status("API_EXTENSION_IN_USE") == "pass"
