"""Reading the inspector page: its steps, its CSRF token, its settings."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.helpers.app import app_config


def inspector_config(database_url: str, platform_url: str, **overrides: Any) -> dict[str, Any]:
    """Development settings, as `flask dev` runs them, with the inspector on."""
    settings = {"APP_ENV": "development", "INSPECTOR_ENABLED": True, **overrides}
    return app_config(database_url, platform_url, **settings)


def steps_shown(html: str) -> list[str]:
    """The step names of the inspector page, in the order it lists them."""
    return re.findall(r'<li class="step[^"]*" data-step="([a-z_]+)"', html)


def csrf_token(web: FlaskClient, page: str = "/inspector") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', web.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)
