"""Start-up configuration: refuse to run unsafely, and say which variable is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }}.config import ConfigError, settings_from_env, validate

from tests.helpers.app import PROJECT_ROOT, new_key_ring_entry

STRONG_SECRET = "s" * 20 + "0123456789abcdefghijklmnop"


def production_env(**changes: str) -> dict[str, str]:
    env = {
        "APP_ENV": "production",
        "SECRET_KEY": STRONG_SECRET,
        "TOKEN_ENCRYPTION_KEYS": new_key_ring_entry(),
        "FSCKMSFT_CLIENT_ID": "cid",
        "FSCKMSFT_CLIENT_SECRET": "cs_9f8e7d6c5b4a3210fedcba",
        "FSCKMSFT_REDIRECT_URI": "https://app.example.com/callback",
    }
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def test_a_complete_production_environment_is_accepted() -> None:
    validate(settings_from_env(production_env()))


def test_unset_app_env_means_production() -> None:
    env = production_env()
    del env["APP_ENV"]
    assert settings_from_env(env)["APP_ENV"] == "production"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY"),
        ({"TOKEN_ENCRYPTION_KEYS": ""}, "TOKEN_ENCRYPTION_KEYS"),
        ({"TOKEN_ENCRYPTION_KEYS": "k1:dG9vLXNob3J0"}, "TOKEN_ENCRYPTION_KEYS"),
        ({"TOKEN_ENCRYPTION_KEYS": "no-separator"}, "TOKEN_ENCRYPTION_KEYS"),
        ({"TOKEN_ENCRYPTION_KEYS": "k1:@@@not-base64@@@"}, "TOKEN_ENCRYPTION_KEYS"),
        ({"FSCKMSFT_CLIENT_SECRET": ""}, "FSCKMSFT_CLIENT_SECRET"),
        ({"FSCKMSFT_AUTH_URL": "http://auth.fsckmsft.org"}, "FSCKMSFT_AUTH_URL"),
        ({"FSCKMSFT_REDIRECT_URI": "http://app.example.com/callback"}, "FSCKMSFT_REDIRECT_URI"),
        ({"CLOCK_SOURCE": "sandbox"}, "CLOCK_SOURCE"),
        ({"INSPECTOR_ENABLED": "1"}, "INSPECTOR_ENABLED"),
        ({"FSCKMSFT_AUTH_URL": "https://127.0.0.1:8001"}, "FSCKMSFT_AUTH_URL"),
        ({"FSCKMSFT_API_URL": "https://localhost:8001"}, "FSCKMSFT_API_URL"),
        ({"FSCKMSFT_API_URL": "https://[::1]:8001"}, "FSCKMSFT_API_URL"),
        ({"APP_ENV": "prod"}, "APP_ENV"),
        ({"REFRESH_LEEWAY_SECONDS": "soon"}, "REFRESH_LEEWAY_SECONDS"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"REFRESHER_SWEEP_RETENTION_DAYS": "0"}, "REFRESHER_SWEEP_RETENTION_DAYS"),
    ],
)
def test_production_refuses_to_start_naming_the_variable(
    change: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        validate(settings_from_env(production_env(**change)))


def test_a_production_refusal_is_one_sentence_naming_the_setting() -> None:
    with pytest.raises(ConfigError) as refusal:
        validate(settings_from_env(production_env(FSCKMSFT_AUTH_URL="https://127.0.0.1:8001")))
    message = str(refusal.value)
    assert message.startswith("FSCKMSFT_AUTH_URL ") and message.count(". ") == 0, message


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/oauth/fsckmsft",  # a path the app does not serve
        "https://app.example.com/callback/",  # matched exactly: the slash makes it another
        "https://app.example.com",
    ],
)
def test_production_refuses_a_redirect_uri_the_callback_route_cannot_receive(uri: str) -> None:
    with pytest.raises(ConfigError) as refusal:
        validate(settings_from_env(production_env(FSCKMSFT_REDIRECT_URI=uri)))
    message = str(refusal.value)
    assert message.startswith("FSCKMSFT_REDIRECT_URI ") and "/callback" in message, message
    assert message.count(". ") == 0, message


def test_production_accepts_a_callback_under_the_path_its_proxy_mounts_it_at() -> None:
    uri = "https://app.example.com/fsckmsft/callback"
    validate(settings_from_env(production_env(FSCKMSFT_REDIRECT_URI=uri)))


@pytest.mark.parametrize(
    ("pasted", "used"),
    [
        ("postgres://u:p@db.example:5432/app", "postgresql+psycopg://u:p@db.example:5432/app"),
        (
            "postgresql://u:p@db/app?sslmode=require",
            "postgresql+psycopg://u:p@db/app?sslmode=require",
        ),
        ("postgresql+psycopg://u:p@db/app", "postgresql+psycopg://u:p@db/app"),
        ("sqlite:////var/lib/app/app.db", "sqlite:////var/lib/app/app.db"),
        ("", "sqlite:///app.db"),
    ],
)
def test_database_urls_work_as_users_paste_them(pasted: str, used: str) -> None:
    settings = settings_from_env(production_env(DATABASE_URL=pasted))
    assert settings["SQLALCHEMY_DATABASE_URI"] == used


def test_a_relative_instance_path_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = settings_from_env(production_env(INSTANCE_PATH="data"))
    assert settings["INSTANCE_PATH"] == str(tmp_path / "data")


def test_duplicate_key_ids_are_refused() -> None:
    entry = new_key_ring_entry()
    with pytest.raises(ConfigError, match="same key id"):
        validate(settings_from_env(production_env(TOKEN_ENCRYPTION_KEYS=f"{entry},{entry}")))


def test_development_accepts_loopback_http_and_the_sandbox_clock() -> None:
    env = production_env(
        APP_ENV="development",
        SECRET_KEY="dev-but-set",
        FSCKMSFT_AUTH_URL="http://127.0.0.1:8001",
        FSCKMSFT_REDIRECT_URI="http://localhost:8000/callback",
        CLOCK_SOURCE="sandbox",
    )
    validate(settings_from_env(env))


class RecordingEnvironment(dict[str, str]):
    """An environment that remembers every variable the app asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def test_env_example_documents_every_setting_the_app_reads() -> None:
    environment = RecordingEnvironment()
    settings_from_env(environment)
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    documented = {line.lstrip("# ").split("=")[0] for line in example.splitlines() if "=" in line}
    assert environment.asked and environment.asked <= documented, environment.asked - documented
