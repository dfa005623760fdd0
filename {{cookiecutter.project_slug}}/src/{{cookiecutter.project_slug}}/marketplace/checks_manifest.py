"""Checks of the manifest itself: its shape, its URLs, and its scopes against the code.

The platform's own rules (redirect URIs, the scope catalogue) come from
fsckmsft/registration_rules.py; the app's own rule for its callback route from
auth/callback_route.py; the checks here add what a Marketplace reviewer looks for.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from ..auth.callback_route import callback_route_problem
from ..fsckmsft.registration_rules import (
    SCOPE_CATALOGUE,
    UNDOCUMENTED_SCOPES,
    catalogue_text,
    redirect_uri_problems,
)
from .context import CheckContext
from .registry import check

# Hosts that only exist on a developer's machine or for as long as a tunnel runs.
TUNNEL_SUFFIXES = (
    "ngrok.io",
    "ngrok.app",
    "ngrok.dev",
    "ngrok-free.app",
    "ngrok-free.dev",
    "loca.lt",
    "localtunnel.me",
    "trycloudflare.com",
    "serveo.net",
    "localhost.run",
    "lhr.life",
    "pagekite.me",
    "devtunnels.ms",
    "tunnelmole.net",
)
# Names reserved for documentation and testing (RFC 2606, RFC 6761): nobody can reach them.
PLACEHOLDER_SUFFIXES = (
    "example.com",
    "example.org",
    "example.net",
    ".example",
    ".test",
    ".invalid",
)
# What the template writes when it does not know why a scope is needed.
PLACEHOLDER_JUSTIFICATION = "Explain why the app needs this scope."


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def _under(host: str, suffixes: tuple[str, ...]) -> bool:
    return any(host == s.lstrip(".") or host.endswith("." + s.lstrip(".")) for s in suffixes)


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def _shown(path: Path, project: Path) -> str:
    """`path` as the person typed it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(project.resolve()))
    except ValueError:
        return str(path)


def _listing_urls(context: CheckContext) -> Iterator[tuple[str, str]]:
    yield "[registration] homepage_url", context.registration["homepage_url"]
    for key in ("privacy_policy_url", "terms_url", "support_url"):
        if key in context.listing:
            yield f"[listing] {key}", context.listing[key]


# A reviewer cannot list an app whose manifest the platform would refuse.
@check("MANIFEST_INVALID", "error", "the manifest matches the declared schema", needs="nothing")
def manifest_invalid(context: CheckContext) -> Iterator[str]:
    for problem in context.manifest_problems:
        yield f"{_shown(context.manifest_path, context.project_dir)}: {problem}"


def _broken_redirect_rules(context: CheckContext, rules: set[str]) -> Iterator[tuple[str, str]]:
    """(redirect URI, what is wrong) for each of the platform's `rules` a redirect URI breaks."""
    for uri in context.registration["redirect_uris"]:
        for broken in redirect_uri_problems(uri):
            if broken.rule in rules:
                yield uri, broken.message


# The platform only accepts https callbacks: http would send the authorization code in clear.
@check("REDIRECT_NOT_HTTPS", "error", "every redirect URI is a fully-qualified https URL")
def redirect_not_https(context: CheckContext) -> Iterator[str]:
    for uri, problem in _broken_redirect_rules(context, {"https", "credentials", "whitespace"}):
        yield f"{uri} {problem}; register https://<your host>/callback."


# Redirect URIs are matched exactly; a wildcard is refused (and would let any path catch codes).
@check("REDIRECT_WILDCARD", "error", "no redirect URI contains a wildcard")
def redirect_wildcard(context: CheckContext) -> Iterator[str]:
    for uri, _ in _broken_redirect_rules(context, {"wildcard"}):
        yield f"{uri} contains '*'; list every callback URL exactly instead."


# A fragment never reaches the server and is forbidden for redirect URIs (RFC 6749 §3.1.2).
@check("REDIRECT_FRAGMENT", "error", "no redirect URI has a fragment")
def redirect_fragment(context: CheckContext) -> Iterator[str]:
    for uri, _ in _broken_redirect_rules(context, {"fragment"}):
        yield f"{uri} has a '#' fragment; remove everything from '#'."


# The app's rule, not the platform's: fsckmsft sends the browser back to the registered URI
# as written, and the app serves only /callback there; any other path fails every login.
@check("REDIRECT_NOT_CALLBACK", "error", "every redirect URI reaches the app's /callback route")
def redirect_not_callback(context: CheckContext) -> Iterator[str]:
    for uri in context.registration["redirect_uris"]:
        problem = callback_route_problem(uri)
        if problem:
            yield f"{uri} {problem}."


# Loopback is a sandbox-only allowance: a listed app's users cannot reach the developer's laptop.
@check("REDIRECT_LOOPBACK", "error", "no redirect URI points at loopback or a private address")
def redirect_loopback(context: CheckContext) -> Iterator[str]:
    for uri in context.registration["redirect_uris"]:
        if _is_local(_host(uri)):
            yield (
                f"{uri} points at this machine or a private network; keep the development "
                "callback in FSCKMSFT_REDIRECT_URI (.env) and register only production URLs."
            )


# A tunnel host changes or disappears when the tunnel stops, and anyone can claim it next.
@check("REDIRECT_TUNNEL", "error", "no redirect URI points at a tunnel host")
def redirect_tunnel(context: CheckContext) -> Iterator[str]:
    for uri in context.registration["redirect_uris"]:
        if _under(_host(uri), TUNNEL_SUFFIXES):
            yield f"{uri} is a development tunnel; register your production domain instead."


# Reviewers open these pages; over http they could be altered on the way to the user.
@check("URL_NOT_HTTPS", "error", "homepage, privacy, terms and support URLs are https")
def url_not_https(context: CheckContext) -> Iterator[str]:
    for key, url in _listing_urls(context):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or _is_local(_host(url)):
            yield f"{key} {url} must be a public https:// URL."


# Reserved example domains reach nobody: fine for a first bake, never for a submission.
@check("URL_PLACEHOLDER", "warning", "no URL or email uses a reserved example domain")
def url_placeholder(context: CheckContext) -> Iterator[str]:
    urls = [*_listing_urls(context)]
    urls += [("[registration] redirect_uris", uri) for uri in context.registration["redirect_uris"]]
    for key, url in urls:
        if _under(_host(url), PLACEHOLDER_SUFFIXES):
            yield f"{key} {url} uses a reserved example domain; put your real domain there."
    email = str(context.listing.get("support_email", ""))
    if _under(email.rpartition("@")[2].lower(), PLACEHOLDER_SUFFIXES):
        yield f"[listing] support_email {email} reaches nobody; use a monitored address."


# "Request only the scopes your app actively uses": reviewers reject unused permissions.
@check("SCOPE_UNUSED", "error", "every declared scope is used by the code")
def scope_unused(context: CheckContext) -> Iterator[str]:
    used = set(context.used_scopes.values())
    for scope in context.registration["scopes"]:
        if scope not in used:
            yield (
                f"{scope} is declared but no API call needs it (no @needs_scope({scope!r})); "
                "remove it from [registration] scopes."
            )


# A call needing an undeclared scope can never be authorized: users would meet a 403.
@check("SCOPE_UNDECLARED", "error", "every scope the code uses is declared")
def scope_undeclared(context: CheckContext) -> Iterator[str]:
    declared = set(context.registration["scopes"])
    for call, scope in sorted(context.used_scopes.items()):
        if scope not in declared:
            yield f"{call} needs {scope}, which is not declared; add it to [registration] scopes."


# Reviewers read one sentence per scope to judge whether the app needs it.
@check("SCOPE_UNJUSTIFIED", "error", "every declared scope has a justification")
def scope_unjustified(context: CheckContext) -> Iterator[str]:
    justifications = context.listing.get("scope_justifications", {})
    for scope in context.registration["scopes"]:
        reason = str(justifications.get(scope, "")).strip()
        if not reason or reason == PLACEHOLDER_JUSTIFICATION:
            yield (
                f"{scope} has no justification; add one sentence for it under "
                "[listing.scope_justifications] saying what the user gets from it."
            )


# The platform grants only scopes from its catalogue; anything else makes registration fail.
@check("SCOPE_UNKNOWN", "error", "every declared scope exists on the platform")
def scope_unknown(context: CheckContext) -> Iterator[str]:
    for scope in context.registration["scopes"]:
        if scope not in SCOPE_CATALOGUE:
            yield f"{scope} is not a fsckmsft scope; use one of {catalogue_text()}."


# The documentation names only read:projects and write:tasks: the platform may refuse others.
@check("SCOPE_UNDOCUMENTED", "warning", "every declared scope is in the platform documentation")
def scope_undocumented(context: CheckContext) -> Iterator[str]:
    for scope in context.registration["scopes"]:
        if scope in UNDOCUMENTED_SCOPES:
            yield (
                f"{scope} is not in the fsckmsft documentation (the template offers it); "
                "the platform may refuse the registration: confirm it exists before you submit."
            )


# A justification for a scope that is not requested confuses the reviewer reading the list.
@check("SCOPE_JUSTIFICATION_STRAY", "warning", "justifications only name declared scopes")
def scope_justification_stray(context: CheckContext) -> Iterator[str]:
    declared = set(context.registration["scopes"])
    for scope in context.listing.get("scope_justifications", {}):
        if scope not in declared:
            yield f"a justification is given for {scope}, which is not declared; remove it."
