"""Tokens at rest: encrypted with a key ring, re-encrypted when the key rotates.

- cipher: AES-256-GCM envelopes bound to their row and column (`TokenCipher`).
- rotation: re-encrypts every stored token under the first key.
- commands: `flask tokens new-key | rotate-key | status | refresh`.
"""
