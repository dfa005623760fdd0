"""Tokens at rest: AES-256-GCM with a key ring and associated data.

Envelope: ``v1:<key id>:<urlsafe base64 of nonce + ciphertext + tag>``.

- The key id names the key that encrypted the value, so keys can be rotated: the first
  key of TOKEN_ENCRYPTION_KEYS encrypts, every key in the ring decrypts.
- The associated data binds a ciphertext to its row and column. Someone who can write
  to the database cannot copy another connection's (or another column's) ciphertext
  into their row: decryption fails. Fernet cannot do this, which is why it is not used.
- Keys never live in the database.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENVELOPE_VERSION = "v1"
NONCE_BYTES = 12  # the size AES-GCM is designed for; random per encryption


class DecryptionError(ValueError):
    """A stored token cannot be decrypted: unknown key, tampered, or moved between rows."""


class TokenCipher:
    def __init__(self, key_ring: list[tuple[str, bytes]]) -> None:
        if not key_ring:
            raise ValueError("the key ring needs at least one key")
        self.primary_key_id = key_ring[0][0]
        self._keys = {key_id: AESGCM(key) for key_id, key in key_ring}

    def encrypt(self, plaintext: str, *, associated_data: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.primary_key_id].encrypt(
            nonce, plaintext.encode(), associated_data.encode()
        )
        payload = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{ENVELOPE_VERSION}:{self.primary_key_id}:{payload}"

    def decrypt(self, envelope: str, *, associated_data: str) -> str:
        version, _, rest = envelope.partition(":")
        key_id, _, payload = rest.partition(":")
        if version != ENVELOPE_VERSION or not payload:
            raise DecryptionError("not a v1 token envelope")
        aesgcm = self._keys.get(key_id)
        if aesgcm is None:
            raise DecryptionError(f"key {key_id!r} is not in TOKEN_ENCRYPTION_KEYS")
        try:
            raw = base64.urlsafe_b64decode(payload.encode())
            plaintext = aesgcm.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data.encode()
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionError("ciphertext does not belong to this row and column") from None
        return plaintext.decode()

    def key_id_of(self, envelope: str) -> str:
        return envelope.split(":", 2)[1] if envelope.count(":") >= 2 else ""

    def is_current(self, envelope: str) -> bool:
        """True when the envelope is already under the key that encrypts new values."""
        return self.key_id_of(envelope) == self.primary_key_id


def token_associated_data(connection_id: str, column: str) -> str:
    """Binds a ciphertext to one row and one column of the connections table."""
    return f"connections/{connection_id}/{column}"
