"""Production refuses weak secrets at start-up, by the same rules as the preflight."""

from __future__ import annotations

import base64
import secrets
from types import SimpleNamespace

import pytest

from {{ cookiecutter.project_slug }}.config import ConfigError, settings_from_env, validate
from {{ cookiecutter.project_slug }}.marketplace.checks_production import (
    prod_keys_weak,
    prod_secret_weak,
)
from {{ cookiecutter.project_slug }}.secret_strength import estimated_bits

from tests.helpers.app import new_key_ring_entry


def key_entry(key: bytes) -> str:
    return f"k1:{base64.urlsafe_b64encode(key).decode()}"


def production_env(**changes: str) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": new_key_ring_entry(),
        "FSCKMSFT_CLIENT_ID": "app_live_1234",
        "FSCKMSFT_CLIENT_SECRET": secrets.token_urlsafe(32),
        "FSCKMSFT_REDIRECT_URI": "https://tasks.example.org/callback",
        **changes,
    }


WEAK = {
    "secret-key-one-letter": {"SECRET_KEY": "a" * 32},
    "secret-key-low-entropy": {"SECRET_KEY": "abcdefghij" + "a" * 40},
    "secret-key-repeated-word": {"SECRET_KEY": "password" * 8},
    "aes-key-all-zero": {"TOKEN_ENCRYPTION_KEYS": key_entry(bytes(32))},
    "aes-key-repeated-block": {"TOKEN_ENCRYPTION_KEYS": key_entry(secrets.token_bytes(8) * 4)},
    "second-aes-key-zero": {
        "TOKEN_ENCRYPTION_KEYS": f"{new_key_ring_entry()},{key_entry(bytes(32))}"
    },
    "client-secret-x": {"FSCKMSFT_CLIENT_SECRET": "x"},
    "client-secret-typed": {"FSCKMSFT_CLIENT_SECRET": "secretsecretsecret"},
}


@pytest.mark.parametrize("changes", WEAK.values(), ids=WEAK.keys())
def test_production_refuses_to_start_with_a_weak_secret(changes: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=next(iter(changes))):
        validate(settings_from_env(production_env(**changes)))


@pytest.mark.parametrize("changes", WEAK.values(), ids=WEAK.keys())
def test_the_preflight_reports_the_same_sentence(changes: dict[str, str]) -> None:
    environment = production_env(**changes)
    context = SimpleNamespace(production_env=environment)
    findings = [*prod_secret_weak(context), *prod_keys_weak(context)]  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as refused:
        validate(settings_from_env(environment))
    assert findings == [str(refused.value)]


def test_generated_secrets_are_accepted() -> None:
    for _ in range(200):
        validate(settings_from_env(production_env()))


def test_the_entropy_estimate_separates_typed_from_generated() -> None:
    assert estimated_bits("a" * 64) == 0
    assert estimated_bits(secrets.token_hex(16)) > 96
