"""The platform's fixed numbers and words, in one place, as the documentation states them."""

from typing import Final

#: The scopes the documentation names, with the plain words the consent page shows.
DOCUMENTED_SCOPES: Final[dict[str, str]] = {
    "read:projects": "See the projects in your workspace",
    "write:tasks": "Add tasks to your projects",
}

#: Scopes the documentation never names: the `extra_scopes` extension, off unless asked for.
EXTENSION_SCOPES: Final[dict[str, str]] = {
    "write:projects": "Create and rename projects in your workspace",
    "read:tasks": "See the tasks in your projects",
}

#: Every scope the sandbox knows of (the catalogue in force depends on the extensions).
SCOPES: Final[dict[str, str]] = {**DOCUMENTED_SCOPES, **EXTENSION_SCOPES}

#: "Access tokens expire after 60 minutes."
ACCESS_TOKEN_LIFETIME: Final[int] = 3600

#: "Refresh tokens expire after 90 days of inactivity." Each use issues a new one.
REFRESH_TOKEN_LIFETIME: Final[int] = 90 * 24 * 3600

#: Token prefixes, so a leaked value says what it is.
ACCESS_TOKEN_PREFIX: Final[str] = "act_"  # noqa: S105 (a prefix, not a secret)
REFRESH_TOKEN_PREFIX: Final[str] = "rft_"  # noqa: S105 (a prefix, not a secret)

#: The only client authentication method the documentation describes.
CLIENT_AUTH_METHOD: Final[str] = "client_secret_post"
#: HTTP Basic (RFC 6749 §2.3.1), accepted only when the `client_auth` switch allows it.
BASIC_AUTH_METHOD: Final[str] = "client_secret_basic"

#: The realm named in WWW-Authenticate headers.
REALM: Final[str] = "fsckmsft"

#: How many requests the request log keeps (oldest dropped first).
REQUEST_LOG_LIMIT: Final[int] = 5000
