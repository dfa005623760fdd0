"""Validate the answers before anything is written.

Each rule prints one sentence naming the answer and the rule, then exits non-zero;
cookiecutter turns that into FailedHookException and removes the half-made project.
Answers arrive as JSON data (never pasted into code), so quotes or newlines in an
answer cannot change what this script does.
"""

import json
import keyword
import sys
from urllib.parse import urlsplit

ANSWERS = json.loads(
    r"""{{ {
        "project_name": cookiecutter.project_name,
        "project_slug": cookiecutter.project_slug,
        "homepage_url": cookiecutter.homepage_url,
        "redirect_uri": cookiecutter.redirect_uri,
        "scopes": cookiecutter.scopes,
        "database": cookiecutter.database,
        "include_sandbox": cookiecutter.include_sandbox,
        "include_flow_inspector": cookiecutter.include_flow_inspector,
    } | tojson }}"""
)

# The platform's scope catalogue: an app may only request scopes from this list.
SCOPE_CATALOGUE = ("read:projects", "write:projects", "read:tasks", "write:tasks")

# Import names the generated project depends on; a package with one of these names
# would shadow the real module and break the app in confusing ways.
DEPENDENCY_MODULES = {
    "alembic", "authlib", "blinker", "click", "cryptography", "dotenv", "flask",
    "flask_migrate", "flask_sqlalchemy", "flask_wtf", "hypothesis", "itsdangerous",
    "jinja2", "jsonschema", "markupsafe", "migrations", "playwright", "psycopg",
    "pytest", "requests", "responses", "sandbox", "sqlalchemy", "tests", "urllib3",
    "werkzeug", "wtforms", "fsckmsft", "fsckmsft_sandbox",
}


class InvalidAnswer(Exception):
    """An answer broke a rule; the message is one sentence for the person baking."""


def check_slug(slug: str) -> None:
    if not slug.isidentifier() or slug != slug.lower() or not slug.isascii():
        raise InvalidAnswer(
            f"project_slug {slug!r} must be a lowercase Python identifier "
            "(letters, digits and underscores, not starting with a digit)."
        )
    if keyword.iskeyword(slug):
        raise InvalidAnswer(f"project_slug {slug!r} is a Python keyword; choose another name.")
    # `test` is CPython's own test package, left out of stdlib_module_names.
    if slug in sys.stdlib_module_names | {"test"} or slug in DEPENDENCY_MODULES:
        raise InvalidAnswer(
            f"project_slug {slug!r} would shadow the module of the same name that the "
            "project imports; choose another name."
        )


def check_https_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidAnswer(f"{name} {url!r} must be an absolute https:// URL.")
    if "*" in url:
        raise InvalidAnswer(
            f"{name} {url!r} must not contain a wildcard (*): fsckmsft matches it exactly."
        )
    if "#" in url:
        raise InvalidAnswer(f"{name} {url!r} must not contain a fragment (#).")
    if "@" in parts.netloc:
        raise InvalidAnswer(f"{name} {url!r} must not contain user-info (user@host).")
    if any(ch.isspace() for ch in url):
        raise InvalidAnswer(f"{name} {url!r} must not contain spaces or line breaks.")


def check_scopes(scopes: str) -> None:
    requested = scopes.split()
    if not requested:
        raise InvalidAnswer("scopes must name at least one scope, e.g. 'read:projects'.")
    for scope in requested:
        if scope not in SCOPE_CATALOGUE:
            raise InvalidAnswer(
                f"scopes: {scope!r} is not a fsckmsft scope; "
                f"choose from {', '.join(SCOPE_CATALOGUE)}."
            )
    duplicates = sorted({scope for scope in requested if requested.count(scope) > 1})
    if duplicates:
        raise InvalidAnswer(f"scopes: {', '.join(duplicates)} is listed more than once.")


def check_yes_no(name: str, value: str) -> None:
    if value not in ("yes", "no"):
        raise InvalidAnswer(f"{name} {value!r} must be 'yes' or 'no'.")


def main() -> None:
    if not ANSWERS["project_name"].strip():
        raise InvalidAnswer("project_name must not be empty.")
    check_slug(ANSWERS["project_slug"])
    check_https_url("homepage_url", ANSWERS["homepage_url"])
    check_https_url("redirect_uri", ANSWERS["redirect_uri"])
    check_scopes(ANSWERS["scopes"])
    check_yes_no("include_sandbox", ANSWERS["include_sandbox"])
    check_yes_no("include_flow_inspector", ANSWERS["include_flow_inspector"])


if __name__ == "__main__":
    try:
        main()
    except InvalidAnswer as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
