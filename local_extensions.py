"""Jinja filters for the template (cookiecutter loads this file via `_extensions`)."""

import json
from pathlib import Path

from cookiecutter.utils import simple_filter


@simple_filter
def toml_string(value: str) -> str:
    """Any answer as a TOML basic string: quotes, backslashes and control characters escaped.

    `tojson` is close but not enough: it writes characters beyond the Basic Multilingual
    Plane (emoji) as JSON surrogate pairs, which TOML rejects, and leaves DEL (U+007F) raw,
    which TOML forbids. Here non-ASCII text stays as it is (TOML files are UTF-8).
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


# Files of this template checkout that the hooks load. A hook runs as a copy in a temporary
# folder, from the new project's folder, so it cannot find them by itself; cookiecutter and
# cruft both load this module from the checkout.
TEMPLATE_DIR = Path(__file__).resolve().parent
HOOK_MODULES = {
    "registration_rules": TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "src"
    / "{{cookiecutter.project_slug}}" / "fsckmsft" / "registration_rules.py",
    "callback_route": TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / "src"
    / "{{cookiecutter.project_slug}}" / "auth" / "callback_route.py",
}


@simple_filter
def template_module(name: str) -> str:
    """The absolute path of one of HOOK_MODULES in this template checkout."""
    return str(HOOK_MODULES[name])
