"""A second browser holding a copy of the first one's cookies (a stolen or saved cookie)."""

from __future__ import annotations

from flask.testing import FlaskClient


def copy_of(web: FlaskClient) -> FlaskClient:
    """A new browser on the same app with exactly `web`'s cookies as they are now."""
    copy = web.application.test_client()
    for cookie in (web._cookies or {}).values():  # the jar has no public iterator
        copy.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return copy
