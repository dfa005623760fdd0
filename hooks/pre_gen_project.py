"""Validate the answers before anything is written.

Each rule prints one sentence naming the answer and the rule, then exits non-zero;
cookiecutter turns that into FailedHookException and removes the half-made project.
Answers arrive as JSON data (never pasted into code), so quotes or newlines in an
answer cannot change what this script does.

The registration rules and the scope catalogue are the generated project's own
(`fsckmsft/registration_rules.py`), loaded here from the template checkout by file path:
one source for the bake, the manifest preflight and the app. So is the app's own rule for
its callback route (`auth/callback_route.py`), which is not the platform's.
"""

import importlib.util
import json
import keyword
import sys
from types import ModuleType

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

# Where the rules live in this template checkout (found by local_extensions.py at bake time).
REGISTRATION_RULES_FILE = json.loads(r'''{{ "registration_rules" | template_module | tojson }}''')
CALLBACK_ROUTE_FILE = json.loads(r'''{{ "callback_route" | template_module | tojson }}''')

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


def load_module(name: str, path: str) -> ModuleType:
    """One of the project's rule modules, straight from its file (stdlib only)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered before running: dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


RULES = load_module("registration_rules", REGISTRATION_RULES_FILE)  # the platform's
CALLBACK_ROUTE = load_module("callback_route", CALLBACK_ROUTE_FILE)  # the app's own


def check_url(name: str, url: str) -> None:
    """A redirect URI must follow the platform's rules; the homepage the same (the template
    lists it on the Marketplace, whose reviewers open it)."""
    broken = RULES.redirect_uri_problems(url)
    if broken:
        raise InvalidAnswer(f"{name} {url!r} {broken[0].message}.")


def check_callback_route(url: str) -> None:
    """The app serves its callback at /callback: another path would fail every login."""
    problem = CALLBACK_ROUTE.callback_route_problem(url)
    if problem:
        raise InvalidAnswer(f"redirect_uri {url!r} {problem}.")


def check_scopes(scopes: str) -> None:
    problems = RULES.scope_problems(scopes.split())
    if problems:
        raise InvalidAnswer(f"scopes: {problems[0]}.")


def check_yes_no(name: str, value: str) -> None:
    if value not in ("yes", "no"):
        raise InvalidAnswer(f"{name} {value!r} must be 'yes' or 'no'.")


def main() -> None:
    if not ANSWERS["project_name"].strip():
        raise InvalidAnswer("project_name must not be empty.")
    check_slug(ANSWERS["project_slug"])
    check_url("homepage_url", ANSWERS["homepage_url"])
    check_url("redirect_uri", ANSWERS["redirect_uri"])
    check_callback_route(ANSWERS["redirect_uri"])
    check_scopes(ANSWERS["scopes"])
    check_yes_no("include_sandbox", ANSWERS["include_sandbox"])
    check_yes_no("include_flow_inspector", ANSWERS["include_flow_inspector"])


if __name__ == "__main__":
    try:
        main()
    except InvalidAnswer as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
