"""Which reading of the documentation the sandbox plays: switches, profiles and extensions.

Where the platform documentation is ambiguous or silent, each legal reading is the value of a
named switch. A profile is a full set of switch values: `strict` (the default) takes the
strictest reading of every statement, `lenient` every other legal reading. Extensions are
behaviours the documentation never states; they are off unless asked for, in either profile.
docs/sandbox.md explains every switch and why `strict` is the default.
"""

from dataclasses import dataclass, field, replace
from typing import Any, Final

from .config import DOCUMENTED_SCOPES


@dataclass(frozen=True)
class Switch:
    """One ambiguous or silent point of the documentation and its legal readings."""

    name: str
    readings: tuple[Any, ...]  # the first is the strict reading
    question: str

    @property
    def strict(self) -> Any:
        return self.readings[0]

    @property
    def lenient(self) -> Any:
        return self.readings[1]


SWITCHES: Final[dict[str, Switch]] = {
    switch.name: switch
    for switch in (
        Switch(
            "secret_rotation",
            ("invalidate", "keep"),
            "After 'generate a new secret', do refresh tokens and pending codes issued under "
            "the old secret die ('all existing tokens ... will be invalidated') or survive? "
            "Access tokens stay valid until they expire either way.",
        ),
        Switch(
            "refresh_reuse",
            ("revoke_grant", "refuse"),
            "A refresh token presented a second time: revoke the whole grant, its newest "
            "tokens too, or only refuse that request?",
        ),
        Switch(
            "client_auth",
            ("body", "body_or_basic"),
            "Client credentials: only in the form body as documented, or also HTTP Basic "
            "(RFC 6749 §2.3.1)?",
        ),
        Switch(
            "token_type",
            ("Bearer", "bearer"),
            "The casing of token_type in token responses (RFC 6749 §5.1: case-insensitive).",
        ),
        Switch(
            "refresh_scope",
            ("echo", "omit"),
            "Does a refresh answer repeat `scope`, or leave it out (the grant is unchanged)?",
        ),
        Switch(
            "code_lifetime",
            (60, 600),
            "Seconds an authorization code lives: 'short-lived' is all the documentation says.",
        ),
        Switch(
            "pkce",
            ("enforce", "ignore"),
            "PKCE is not documented: check a code_challenge the app sends, or ignore it?",
        ),
        Switch(
            "api_origin",
            ("separate", "shared"),
            "The API on its own origin (api.… vs auth.… in the documentation), or on the "
            "authorization server's?",
        ),
    )
}

#: Behaviours the documentation never states. Off unless asked for.
EXTENSIONS: Final[dict[str, str]] = {
    "identity": "GET /v1/me answers who approved and for which workspace "
    "(the documentation has no identity endpoint).",
    "extra_scopes": "The scopes write:projects and read:tasks (the documentation names only "
    "read:projects and write:tasks).",
}

#: Choices the sandbox had to make and that are always in force, labelled wherever they show.
INVENTIONS: Final[dict[str, str]] = {
    "api_bodies": 'The JSON bodies of GET /v1/projects ({"projects": [...]}) and '
    'POST /v1/projects/<id>/tasks ({"task": {...}}): the documentation '
    "defines no response bodies; these shapes are the sandbox's choice.",
}


class SettingsError(ValueError):
    """A setting that does not exist or a reading a switch does not have."""


@dataclass(frozen=True)
class Settings:
    """One value per switch, and the extensions that are on."""

    secret_rotation: str
    refresh_reuse: str
    client_auth: str
    token_type: str
    refresh_scope: str
    code_lifetime: int
    pkce: str
    api_origin: str
    extensions: frozenset[str] = field(default_factory=frozenset)

    def changed(self, changes: dict[str, Any]) -> "Settings":
        """These settings with `changes` applied: switch names, `extensions`, `profile`.

        A `profile` is applied first, then the other changes on top of it.
        """
        if not isinstance(changes, dict):
            raise SettingsError("Settings must be a JSON object.")
        base = profile(changes["profile"]) if "profile" in changes else self
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "profile":
                continue
            if name == "extensions":
                values[name] = checked_extensions(value)
            elif name in SWITCHES:
                values[name] = checked_reading(SWITCHES[name], value)
            else:
                raise SettingsError(f"Unknown setting '{str(name)[:40]}'.")
        return replace(base, **values)

    @property
    def rotation_invalidates_grants(self) -> bool:
        """Refresh tokens and pending codes die with the old secret (the strict reading)."""
        return self.secret_rotation == SWITCHES["secret_rotation"].strict

    def switches(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SWITCHES}

    def profile_name(self) -> str:
        """`strict` or `lenient` when the switches are exactly a profile's, else `custom`."""
        for name in PROFILES:
            if PROFILES[name].switches() == self.switches():
                return name
        return "custom"


def checked_reading(switch: Switch, value: Any) -> Any:
    if switch.name == "token_type":
        # Any casing of "Bearer" is a legal token_type (RFC 6749 §5.1, RFC 6750 §4).
        if isinstance(value, str) and value.lower() == "bearer":
            return value
        raise SettingsError("'token_type' must be a casing of 'Bearer'.")
    if switch.name == "code_lifetime":
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 600:
            return value
        raise SettingsError("'code_lifetime' must be a whole number of seconds, 1 to 600.")
    if value not in switch.readings:
        choices = ", ".join(str(reading) for reading in switch.readings)
        raise SettingsError(f"'{switch.name}' must be one of: {choices}.")
    return value


def checked_extensions(value: Any) -> frozenset[str]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise SettingsError("'extensions' must be a list of extension names.")
    unknown = [name for name in value if name not in EXTENSIONS]
    if unknown:
        raise SettingsError(
            f"Unknown extension '{str(unknown[0])[:40]}'; known: {', '.join(EXTENSIONS)}."
        )
    return frozenset(value)


#: strict: the strictest reading of every statement (the default). lenient: every other one.
PROFILES: Final[dict[str, Settings]] = {
    "strict": Settings(**{name: switch.strict for name, switch in SWITCHES.items()}),
    "lenient": Settings(**{name: switch.lenient for name, switch in SWITCHES.items()}),
}


def profile(name: Any) -> Settings:
    if name not in PROFILES:
        raise SettingsError(f"'profile' must be one of: {', '.join(PROFILES)}.")
    return PROFILES[name]


def settings_from(value: "Settings | dict[str, Any] | None") -> Settings:
    """Settings from what a caller passed: Settings, a dict of changes to `strict`, or None."""
    if value is None:
        return PROFILES["strict"]
    if isinstance(value, Settings):
        return value
    return PROFILES["strict"].changed(value)


def settings_from_command_line(
    profile_name: str, assignments: list[str], extensions: list[str]
) -> Settings:
    """`--profile NAME --set SWITCH=READING ... --extension NAME ...` as Settings."""
    changes: dict[str, Any] = {"profile": profile_name}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise SettingsError(f"'--set {assignment}': write SWITCH=READING.")
        changes[name.strip()] = value.strip()
    if extensions:
        changes["extensions"] = list(extensions)
    return settings_from(changes)


def settings_view(settings: Settings) -> dict[str, Any]:
    """The settings as /_sandbox/settings shows them, every extension labelled as one."""
    return {
        "profile": settings.profile_name(),
        "switches": settings.switches(),
        "extensions": {
            name: {"enabled": name in settings.extensions, "extension": True, "what": words}
            for name, words in EXTENSIONS.items()
        },
        "inventions": {
            name: {"enabled": True, "invention": True, "what": words}
            for name, words in INVENTIONS.items()
        },
        "readings": {
            name: {"strict": switch.strict, "lenient": switch.lenient, "question": switch.question}
            for name, switch in SWITCHES.items()
        },
    }


def extensions_needed_by(registration: dict[str, Any] | None) -> list[str]:
    """The extensions a registration needs to be accepted (undocumented scopes need
    `extra_scopes`)."""
    scopes = (registration or {}).get("scopes", [])
    return ["extra_scopes"] if any(scope not in DOCUMENTED_SCOPES for scope in scopes) else []


def with_extensions_for(settings: Settings, registration: dict[str, Any] | None) -> Settings:
    """`settings` plus the extensions the seed registration needs (a manifest that declares
    undocumented scopes turns on `extra_scopes`; the sandbox labels it as an extension)."""
    needed = extensions_needed_by(registration)
    return replace(settings, extensions=settings.extensions | frozenset(needed))
