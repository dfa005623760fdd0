"""`python -m fsckmsft_sandbox [--port 8001] [--database FILE] [--profile strict|lenient]
[--set SWITCH=READING ...] [--extension NAME ...] [--api-port N]`, from a generated project."""

import argparse

from .manifest import seed_app_from_project
from .serving import serve
from .settings import (
    EXTENSIONS,
    PROFILES,
    SWITCHES,
    SettingsError,
    settings_from_command_line,
    with_extensions_for,
)


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """The settings options, shared by every command line that starts a sandbox."""
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default="strict",
        help="strict (default): the strictest reading of the documentation; "
        "lenient: every other legal reading",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SWITCH=READING",
        help="override one switch: "
        + ", ".join(
            f"{name} ({'|'.join(map(str, switch.readings))})" for name, switch in SWITCHES.items()
        ),
    )
    parser.add_argument(
        "--extension",
        action="append",
        default=[],
        choices=list(EXTENSIONS),
        help="turn on an extension (behaviour the documentation never states)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fsckmsft sandbox on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument(
        "--api-port",
        type=int,
        default=None,
        help="the API's own origin (default: --port + 1, when api_origin is separate)",
    )
    parser.add_argument("--database", default=None, help="SQLite file (default: temporary)")
    add_settings_arguments(parser)
    args = parser.parse_args()
    try:
        settings = settings_from_command_line(args.profile, args.set, args.extension)
    except SettingsError as error:
        parser.error(str(error))
    seed_app = seed_app_from_project(".")
    settings = with_extensions_for(settings, seed_app)
    for name in sorted(settings.extensions):
        print(f"Sandbox extension on (not in the documentation): {name}", flush=True)
    serve(
        port=args.port,
        api_port=args.api_port,
        database=args.database,
        seed_app=seed_app,
        settings=settings,
    )


if __name__ == "__main__":
    main()
