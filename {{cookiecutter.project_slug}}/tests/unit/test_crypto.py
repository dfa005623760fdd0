"""Tokens at rest: AES-GCM envelopes bound to their row and column, with a key ring."""

from __future__ import annotations

import base64
import secrets

import pytest

from {{ cookiecutter.project_slug }}.tokens.cipher import DecryptionError, TokenCipher


def ring(*key_ids: str) -> list[tuple[str, bytes]]:
    return [(key_id, secrets.token_bytes(32)) for key_id in key_ids]


def test_round_trip_and_versioned_envelope_naming_the_key() -> None:
    cipher = TokenCipher(ring("k1"))
    envelope = cipher.encrypt("act_secret", associated_data="connections/a/access_token")
    version, key_id, payload = envelope.split(":")
    assert (version, key_id) == ("v1", "k1")
    assert "act_secret" not in envelope and "act_" not in base64.urlsafe_b64decode(payload).decode(
        "latin-1"
    )
    assert cipher.decrypt(envelope, associated_data="connections/a/access_token") == "act_secret"


def test_ciphertext_swapped_between_rows_fails_to_decrypt() -> None:
    cipher = TokenCipher(ring("k1"))
    envelope = cipher.encrypt("act_victim", associated_data="connections/victim/access_token")
    with pytest.raises(DecryptionError):
        cipher.decrypt(envelope, associated_data="connections/attacker/access_token")


def test_ciphertext_swapped_between_columns_fails_to_decrypt() -> None:
    cipher = TokenCipher(ring("k1"))
    envelope = cipher.encrypt("rft_x", associated_data="connections/a/refresh_token")
    with pytest.raises(DecryptionError):
        cipher.decrypt(envelope, associated_data="connections/a/access_token")


def test_tampered_ciphertext_fails_to_decrypt() -> None:
    cipher = TokenCipher(ring("k1"))
    envelope = cipher.encrypt("act_x", associated_data="ad")
    prefix, payload = envelope.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        cipher.decrypt(
            f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", associated_data="ad"
        )


def test_first_key_encrypts_and_every_key_decrypts() -> None:
    old_ring = ring("old")
    old = TokenCipher(old_ring)
    envelope = old.encrypt("act_x", associated_data="ad")
    rotated = TokenCipher(ring("new") + old_ring)
    assert rotated.decrypt(envelope, associated_data="ad") == "act_x"
    assert not rotated.is_current(envelope)
    assert rotated.is_current(rotated.encrypt("act_x", associated_data="ad"))


def test_unknown_key_id_is_a_clear_error() -> None:
    envelope = TokenCipher(ring("gone")).encrypt("act_x", associated_data="ad")
    with pytest.raises(DecryptionError, match="gone"):
        TokenCipher(ring("k1")).decrypt(envelope, associated_data="ad")


@pytest.mark.parametrize("garbage", ["", "v1", "v2:k1:AAAA", "v1:k1:", "v1:k1:!!!", "v1:k1:QUJD"])
def test_malformed_envelopes_are_decryption_errors(garbage: str) -> None:
    with pytest.raises(DecryptionError):
        TokenCipher(ring("k1")).decrypt(garbage, associated_data="ad")


def test_same_plaintext_never_gives_the_same_ciphertext() -> None:
    cipher = TokenCipher(ring("k1"))
    assert cipher.encrypt("act_x", associated_data="ad") != cipher.encrypt(
        "act_x", associated_data="ad"
    )
