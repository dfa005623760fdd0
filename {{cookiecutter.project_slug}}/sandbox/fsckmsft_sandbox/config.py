"""The platform's fixed numbers and words, in one place, as the documentation states them."""

from typing import Final

#: The scope catalogue, with the plain words the consent page shows for each scope.
SCOPES: Final[dict[str, str]] = {
    "read:projects": "See the projects in your workspace",
    "write:projects": "Create and rename projects in your workspace",
    "read:tasks": "See the tasks in your projects",
    "write:tasks": "Add tasks to your projects",
}

#: "Access tokens expire after 60 minutes."
ACCESS_TOKEN_LIFETIME: Final[int] = 3600

#: "Refresh tokens expire after 90 days of inactivity." Each use issues a new one.
REFRESH_TOKEN_LIFETIME: Final[int] = 90 * 24 * 3600

#: Authorization codes are short-lived: RFC 6749 §4.1.2 recommends at most 10 minutes.
AUTHORIZATION_CODE_LIFETIME: Final[int] = 600

#: Token prefixes, so a leaked value says what it is.
ACCESS_TOKEN_PREFIX: Final[str] = "act_"  # noqa: S105 (a prefix, not a secret)
REFRESH_TOKEN_PREFIX: Final[str] = "rft_"  # noqa: S105 (a prefix, not a secret)

#: The only client authentication method the documentation describes.
CLIENT_AUTH_METHOD: Final[str] = "client_secret_post"

#: The realm named in WWW-Authenticate headers.
REALM: Final[str] = "fsckmsft"

#: How many requests the request log keeps (oldest dropped first).
REQUEST_LOG_LIMIT: Final[int] = 5000
