"""When is a secret too weak for production? One set of rules, for start-up and preflight.

`config.validate` refuses to start with a weak secret; `flask marketplace check` reports
the same findings, check by check. Each function answers None for a strong value, or one
sentence that names the variable and says how to make a good one.
"""

from __future__ import annotations

import math
from collections import Counter

# Values that look like secrets but are known to everybody.
PLACEHOLDER_SECRETS = {"", "dev", "secret", "changeme", "change-me", "replace-me", "xxx", "x"}
MIN_SECRET_KEY_LENGTH = 32
# Fewer distinct characters than this in a long SECRET_KEY means it was typed, not generated.
MIN_DISTINCT_CHARACTERS = 10
# The entropy the characters of a SECRET_KEY show (an estimate from their frequencies). A
# generated key shows more (token_hex(16): ~115, token_urlsafe(48): ~330 bits); "a"*32 shows 0.
MIN_ESTIMATED_BITS = 96
# A random 32-byte key has ~30 distinct byte values; a made-up one (all zeros, a repeated
# pattern) has few.
MIN_DISTINCT_KEY_BYTES = 16
# The platform issues client secrets; a short one was typed in by hand (a placeholder).
MIN_CLIENT_SECRET_LENGTH = 16
MIN_CLIENT_SECRET_DISTINCT = 8
HOW_TO_GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def estimated_bits(text: str) -> float:
    """Length times the Shannon entropy of the character frequencies: 0 for 'aaaa…'."""
    if not text:
        return 0.0
    counts = Counter(text).values()
    per_character = -sum(n / len(text) * math.log2(n / len(text)) for n in counts)
    return len(text) * per_character


def secret_key_problem(value: str) -> str | None:
    """SECRET_KEY signs the session cookie: a guessable one lets anyone forge sessions."""
    if (
        len(value) < MIN_SECRET_KEY_LENGTH
        or value.lower() in PLACEHOLDER_SECRETS
        or len(set(value)) < MIN_DISTINCT_CHARACTERS
        or estimated_bits(value) < MIN_ESTIMATED_BITS
    ):
        return (
            f"SECRET_KEY is too weak for production: use at least {MIN_SECRET_KEY_LENGTH} "
            f"random characters ({HOW_TO_GENERATE})."
        )
    return None


def _repeats_a_pattern(key: bytes) -> bool:
    """True for keys made of one short block repeated (b'\\x00' * 32, b'ab' * 16, ...)."""
    return any(
        key == (key[:period] * (len(key) // period + 1))[: len(key)]
        for period in range(1, len(key) // 2 + 1)
    )


def encryption_key_problem(key_id: str, key: bytes) -> str | None:
    """A made-up token key makes every stored access and refresh token readable."""
    if len(set(key)) < MIN_DISTINCT_KEY_BYTES or _repeats_a_pattern(key):
        return (
            f"TOKEN_ENCRYPTION_KEYS key {key_id!r} is not random; "
            "make one with `flask tokens new-key`."
        )
    return None


def client_secret_problem(value: str) -> str | None:
    """FSCKMSFT_CLIENT_SECRET must be the value fsckmsft issued, not a stand-in like 'x'."""
    if (
        len(value) < MIN_CLIENT_SECRET_LENGTH
        or value.lower() in PLACEHOLDER_SECRETS
        or len(set(value)) < MIN_CLIENT_SECRET_DISTINCT
    ):
        return (
            "FSCKMSFT_CLIENT_SECRET does not look like a secret fsckmsft issued; paste the "
            "value shown when you registered (or rotated) the app."
        )
    return None
