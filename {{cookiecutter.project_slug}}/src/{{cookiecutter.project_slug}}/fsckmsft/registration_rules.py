"""What fsckmsft accepts as an app registration, and its scopes: one source, from the docs.

The documentation ("Register an OAuth app") asks for:

- `name`: required; users see it on the consent screen.
- `description`: optional ("A brief description of what your app does").
- `homepage_url`: required.
- `redirect_uris`: required; "fully-qualified HTTPS URIs"; "Wildcards are not allowed: each
  URI must be an exact match".
- `scopes`: required; "You can only request scopes you declare here."

The documentation shows two scopes, `read:projects` and `write:tasks`. This template also
offers `write:projects` and `read:tasks`, which the documentation never names: the platform
may refuse them, so wherever they show they are labelled as not documented.

Standard library only: the bake-time hook (hooks/pre_gen_project.py) loads this file by its
path before the project exists. The marketplace preflight (marketplace/schema.py,
marketplace/checks_manifest.py) checks the manifest with it. The sandbox plays the platform and
keeps its own check (it never imports the app); tests/sandbox/test_registration_agreement.py
keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

#: The scopes the platform documentation names.
DOCUMENTED_SCOPES: Final[tuple[str, ...]] = ("read:projects", "write:tasks")
#: Offered by this template, never named by the documentation: the platform may refuse them.
UNDOCUMENTED_SCOPES: Final[tuple[str, ...]] = ("write:projects", "read:tasks")
#: Every scope a registration made from this template may declare.
SCOPE_CATALOGUE: Final[tuple[str, ...]] = DOCUMENTED_SCOPES + UNDOCUMENTED_SCOPES

REQUIRED_FIELDS: Final[tuple[str, ...]] = ("name", "homepage_url", "redirect_uris", "scopes")
OPTIONAL_FIELDS: Final[tuple[str, ...]] = ("description",)

UNDOCUMENTED_LABEL: Final[str] = "not in the fsckmsft documentation"


@dataclass(frozen=True)
class BrokenRule:
    """One rule a URL breaks: `rule` is a stable name, `message` says what is wrong."""

    rule: str
    message: str


def scope_label(scope: str) -> str:
    """The scope as it should be shown: undocumented ones say so."""
    return f"{scope} ({UNDOCUMENTED_LABEL})" if scope in UNDOCUMENTED_SCOPES else scope


def catalogue_text() -> str:
    """The catalogue in one line, the undocumented scopes labelled."""
    return ", ".join(scope_label(scope) for scope in SCOPE_CATALOGUE)


def _url_rules(url: str) -> Iterator[BrokenRule]:
    """What makes `url` not a fully-qualified https URL."""
    if any(character.isspace() for character in url):
        yield BrokenRule("whitespace", "must not contain spaces or line breaks")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        yield BrokenRule("https", "must be an absolute https:// URL")
        return
    if parts.scheme != "https" or not host:
        yield BrokenRule("https", "must be an absolute https:// URL")
    # user:password@host can make a reader (or a lax parser) see another host than the real one.
    if "@" in parts.netloc:
        yield BrokenRule("credentials", "must not contain user-info (user@host)")


def redirect_uri_problems(uri: Any) -> list[BrokenRule]:
    """Every documented rule `uri` breaks as a redirect URI; empty when it may be registered."""
    if not isinstance(uri, str) or not uri:
        return [BrokenRule("https", "must be an absolute https:// URL")]
    broken = list(_url_rules(uri))
    # Matched exactly, so a wildcard is refused: it would let one registration cover URLs an
    # attacker controls, who would then receive the authorization code.
    if "*" in uri:
        broken.append(BrokenRule("wildcard", "must not contain a wildcard (*): matched exactly"))
    # A fragment never reaches the server, and RFC 6749 §3.1.2 forbids one in a redirect URI.
    if "#" in uri:
        broken.append(BrokenRule("fragment", "must not contain a fragment (#)"))
    return broken


def redirect_uri_problem(uri: Any) -> str | None:
    """Why `uri` cannot be registered as a redirect URI (the first reason), or None."""
    broken = redirect_uri_problems(uri)
    return broken[0].message if broken else None


def scope_problems(scopes: Sequence[str]) -> list[str]:
    """Why this list of declared scopes cannot be registered; empty when it can."""
    if not scopes:
        return ["must name at least one scope, e.g. 'read:projects'"]
    problems = [
        f"{scope!r} is not a fsckmsft scope; choose from {catalogue_text()}"
        for scope in dict.fromkeys(scopes)
        if scope not in SCOPE_CATALOGUE
    ]
    duplicates = sorted({scope for scope in scopes if list(scopes).count(scope) > 1})
    if duplicates:
        problems.append(f"{', '.join(duplicates)} listed more than once")
    return problems
