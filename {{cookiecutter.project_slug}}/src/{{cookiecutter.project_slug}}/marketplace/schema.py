"""The manifest's declared shape, as JSON Schema, and readable messages for what breaks it.

Which registration fields are required comes from fsckmsft/registration_rules.py (the
documentation's list). The bounds are this template's reading of what a listing needs; if
the Marketplace publishes other limits, change them here and the check follows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from ..fsckmsft.registration_rules import REQUIRED_FIELDS

_URL = {
    "type": "string",
    "minLength": 10,
    "maxLength": 2000,
    "pattern": r"^[a-z][a-z0-9+.-]*://\S+$",
}
_TEXT = {"type": "string", "pattern": r"\S"}


def _text(min_length: int, max_length: int) -> dict[str, Any]:
    return {**_TEXT, "minLength": min_length, "maxLength": max_length}


REGISTRATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": list(REQUIRED_FIELDS),  # `description` is optional, as documented
    "properties": {
        "name": _text(3, 100),  # shown on the consent screen
        "description": _text(10, 500),
        "homepage_url": _URL,
        "redirect_uris": {
            "type": "array",
            "minItems": 1,
            "maxItems": 10,
            "uniqueItems": True,
            "items": _URL,
        },
        "scopes": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": r"^[a-z]+:[a-z_]+$"},
        },
    },
}

LISTING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "short_description",
        "long_description",
        "category",
        "icon",
        "screenshots",
        "privacy_policy_url",
        "terms_url",
        "scope_justifications",
    ],
    # A user with a problem must be able to reach somebody.
    "anyOf": [{"required": ["support_email"]}, {"required": ["support_url"]}],
    "properties": {
        "short_description": _text(10, 160),
        "long_description": _text(50, 4000),
        "category": {"type": "string", "pattern": r"^[a-z][a-z0-9-]{1,39}$"},
        "icon": _text(1, 200),
        "screenshots": {
            "type": "array",
            "minItems": 1,
            "maxItems": 8,
            "uniqueItems": True,
            "items": _text(1, 200),
        },
        "privacy_policy_url": _URL,
        "terms_url": _URL,
        "support_url": _URL,
        "support_email": {"type": "string", "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"},
        "scope_justifications": {
            "type": "object",
            "propertyNames": {"pattern": r"^[a-z]+:[a-z_]+$"},
            "additionalProperties": _text(20, 300),
        },
    },
}

MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["registration", "listing"],
    "properties": {"registration": REGISTRATION_SCHEMA, "listing": LISTING_SCHEMA},
}

_VALIDATOR = Draft202012Validator(MANIFEST_SCHEMA)
TOML_TYPES = {"string": "a string", "array": "a list", "object": "a table", "integer": "a number"}
PYTHON_TYPES = {
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "true/false",
    "list": "a list",
    "dict": "a table",
    "datetime": "a date",
    "date": "a date",
    "time": "a time",
}


def _key_name(path: Sequence[str | int]) -> str:
    """`("listing", "screenshots", 0)` -> `[listing] screenshots[0]`."""
    tables = [str(part) for part in path if isinstance(part, str)]
    if not tables:
        return "the manifest"
    name = f"[{'.'.join(tables[:-1])}] {tables[-1]}" if len(tables) > 1 else f"[{tables[0]}]"
    return name + "".join(f"[{part}]" for part in path if isinstance(part, int))


_HEADER = re.compile(r"^\s*\[([^\[\]]+)\]")
_ASSIGNMENT = re.compile(r'^\s*(?:"([^"]+)"|([A-Za-z0-9_-]+))\s*=')


def _key_paths(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """(line number, key path) for every table header and key assignment in TOML text."""
    found: list[tuple[int, tuple[str, ...]]] = []
    table: tuple[str, ...] = ()
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            in_multiline = line.count('"""') % 2 == 0
            continue
        if header := _HEADER.match(line):
            table = tuple(part.strip().strip('"') for part in header.group(1).split("."))
            found.append((number, table))
        elif assignment := _ASSIGNMENT.match(line):
            found.append((number, (*table, assignment.group(1) or assignment.group(2))))
            in_multiline = line.count('"""') % 2 == 1
    return found


def line_of(text: str, path: Sequence[str | int]) -> int | None:
    """The line defining `path` (or its nearest defined parent) in the manifest's TOML."""
    keys = tuple(str(part) for part in path if isinstance(part, str))
    best, best_depth = None, 0
    for number, key_path in _key_paths(text):
        if keys[: len(key_path)] == key_path and len(key_path) > best_depth:
            best, best_depth = number, len(key_path)
    return best


def _declared_keys(error: ValidationError) -> list[str]:
    """The keys the failing (sub)schema declares."""
    schema = error.schema
    return sorted(schema.get("properties", {})) if isinstance(schema, Mapping) else []


def _unknown_keys(error: ValidationError) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    return sorted(set(error.instance) - set(_declared_keys(error)))


def _describe(error: ValidationError) -> str:
    """One sentence per schema violation, naming the key (and the fix where it is obvious)."""
    where = _key_name(error.absolute_path)
    if error.validator == "additionalProperties":
        known = _declared_keys(error)
        return (
            f"{where}: unknown key(s) {', '.join(map(repr, _unknown_keys(error)))}; "
            f"the keys are {', '.join(known)}"
        )
    if error.validator == "required":
        return f"{where}: {error.message}; add it"
    if error.validator == "anyOf" and list(error.absolute_path) == ["listing"]:
        return "[listing]: set support_email or support_url so users can reach you"
    sized = error.instance if isinstance(error.instance, (str, list)) else None
    if error.validator in ("minLength", "maxLength", "minItems", "maxItems") and sized is not None:
        bound = "at least" if error.validator.startswith("min") else "at most"
        unit = "characters" if error.validator.endswith("Length") else "entries"
        size = len(sized)
        return f"{where} must have {bound} {error.validator_value} {unit} (it has {size})"
    if error.validator == "type":
        expected = TOML_TYPES.get(str(error.validator_value), error.validator_value)
        found = PYTHON_TYPES.get(type(error.instance).__name__, type(error.instance).__name__)
        return f"{where} must be {expected}, not {found}"
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    return f"{where}: {message}"


def schema_problems(manifest: dict[str, Any], text: str) -> list[str]:
    """Every schema violation, each with the line it is on when that can be found."""
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(manifest), key=lambda e: list(map(str, e.path))):
        line = line_of(text, [*error.absolute_path, *_unknown_keys(error)[:1]])
        prefix = f"line {line}: " if line else ""
        problems.append(f"{prefix}{_describe(error)}.")
    return problems
