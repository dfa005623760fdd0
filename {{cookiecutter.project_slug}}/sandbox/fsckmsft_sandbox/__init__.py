"""The fsckmsft sandbox: a strict, offline emulator of the platform's OAuth server and API.

For development and tests only; the app never imports it. Built on Authlib's server
components, with the platform's own rules where they differ from Authlib's defaults.
"""

from .factory import create_sandbox
from .serving import serve
from .settings import SettingsError, settings_from_command_line, with_extensions_for

__all__ = [
    "SettingsError",
    "create_sandbox",
    "serve",
    "settings_from_command_line",
    "with_extensions_for",
]
