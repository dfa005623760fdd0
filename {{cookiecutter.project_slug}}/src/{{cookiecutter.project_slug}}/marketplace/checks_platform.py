"""Checks that the app relies on the platform documentation alone.

- The production callback is one of the registered redirect URIs: fsckmsft compares them
  exactly, so any difference fails every production login.
- The code calls only the documented endpoints; an extension in use (an identity source)
  is a warning that names it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from .context import CheckContext
from .registry import NotApplicable, check

#: Every endpoint the platform documentation names, and nothing else.
DOCUMENTED_ENDPOINTS = (
    "/oauth/authorize",
    "/oauth/token",
    "/v1/projects",
    "/v1/projects/<id>/tasks",
)
#: A literal that looks like a platform path ("/v1/…" or "/oauth/…").
PLATFORM_PATH = re.compile(r"^/(v\d+|oauth)(/|$)")
PACKAGE_DIR = Path(__file__).resolve().parents[1]
SCANNED_AWAY = ("marketplace",)  # this package names paths to check them, not to call them


# fsckmsft sends the code only to a registered redirect URI, compared exactly: a callback
# that differs by a slash or a scheme fails every production login.
@check(
    "PROD_REDIRECT_NOT_REGISTERED",
    "error",
    "the production callback is a registered redirect URI",
    needs="production",
)
def prod_redirect_not_registered(context: CheckContext) -> Iterator[str]:
    if context.manifest_problems:
        raise NotApplicable("skipped until MANIFEST_INVALID is fixed")
    assert context.production_env is not None  # the registry skips this check otherwise
    redirect_uri = context.production_env.get("FSCKMSFT_REDIRECT_URI", "")
    registered = context.registration.get("redirect_uris", [])
    if redirect_uri and redirect_uri not in registered:
        yield (
            f"FSCKMSFT_REDIRECT_URI={redirect_uri} is not one of the manifest's redirect_uris "
            f"({', '.join(registered)}); fsckmsft compares them exactly: add it to the "
            "manifest (and the app's registration) or correct the setting."
        )


def _path_of(node: ast.AST) -> str | None:
    """The literal path a string or f-string spells; each placeholder becomes `<id>`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = list(node.values)
        while parts and not isinstance(parts[0], ast.Constant):
            parts.pop(0)  # a leading base URL: f"{api_url}/v1/projects"
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "<id>" for part in parts
        )
    return None


def platform_paths(package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    """Platform paths written in the app's code: path -> the first file:line naming it."""
    found: dict[str, str] = {}
    for source in sorted(package_dir.rglob("*.py")):
        relative = source.relative_to(package_dir)
        if relative.parts[0] in SCANNED_AWAY:
            continue
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        # The pieces of an f-string are read with it, not on their own.
        pieces = {
            id(part)
            for node in ast.walk(tree)
            if isinstance(node, ast.JoinedStr)
            for part in node.values
        }
        for node in ast.walk(tree):
            if id(node) in pieces or not isinstance(node, ast.expr):
                continue  # paths are spelled by expressions (strings, f-strings) only
            path = _path_of(node)
            if path and PLATFORM_PATH.match(path):
                found.setdefault(path.split("?")[0], f"{relative}:{node.lineno}")
    return found


# A call the documentation does not define may not exist on the real platform: the app
# would work against its sandbox and fail for every user in production.
@check(
    "API_UNDOCUMENTED_CALL", "error", "the code calls only documented endpoints", needs="nothing"
)
def api_undocumented_call(context: CheckContext) -> Iterator[str]:
    for path, where in platform_paths().items():
        if path not in DOCUMENTED_ENDPOINTS:
            yield (
                f"{where} calls {path}, which the platform documentation does not define; "
                f"rely only on {', '.join(DOCUMENTED_ENDPOINTS)}."
            )


# An extension works where a platform offers it; the documented platform offers none.
@check("API_EXTENSION_IN_USE", "warning", "no platform extension is switched on", needs="nothing")
def api_extension_in_use(context: CheckContext) -> Iterator[str]:
    settings = context.production_env or context.development_env
    identity_url = settings.get("FSCKMSFT_IDENTITY_URL", "").strip()
    if identity_url:
        yield (
            f"FSCKMSFT_IDENTITY_URL={identity_url} makes the app call GET "
            f"{urlsplit(identity_url).path}, an extension the platform documentation does not "
            "define; the app works without it: leave it empty unless your platform offers it."
        )
