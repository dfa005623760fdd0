"""Jinja filters for the template (cookiecutter loads this file via `_extensions`)."""

import json

from cookiecutter.utils import simple_filter


@simple_filter
def toml_string(value: str) -> str:
    """Any answer as a TOML basic string: quotes, backslashes and control characters escaped.

    `tojson` is close but not enough: it writes characters beyond the Basic Multilingual
    Plane (emoji) as JSON surrogate pairs, which TOML rejects, and leaves DEL (U+007F) raw,
    which TOML forbids. Here non-ASCII text stays as it is (TOML files are UTF-8).
    """
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
