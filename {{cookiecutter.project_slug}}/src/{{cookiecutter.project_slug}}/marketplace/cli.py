"""`flask marketplace check`: the preflight a Marketplace reviewer would run.

`python -m <package>.marketplace check` runs the same check without starting the app,
for when the app itself refuses to start (for example on a broken manifest).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from dotenv import load_dotenv
from flask import current_app
from flask.cli import AppGroup

from ..fsckmsft.api import SCOPES_USED
from ..paths import SOURCE_CHECKOUT
from .context import build_context
from .registry import run_checks

HELP = "The Marketplace listing: preflight checks."
EPILOG = (
    "Exit status 0 when no error-level check fails (warnings never block), 1 otherwise. "
    "Production settings are reviewed from --env-file, or from the process environment when "
    "it is production (APP_ENV=production or unset); otherwise they are not applicable."
)


def check_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for CI)."),
        click.option("--live", is_flag=True, help="Also run the whole flow against a sandbox."),
        click.option(
            "--env-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A file with the production environment variables to review (KEY=value).",
        ),
        click.option(
            "--manifest",
            type=click.Path(dir_okay=False, path_type=Path),
            help="The manifest to review [default: the app's MARKETPLACE_MANIFEST].",
        ),
        click.option(
            "--project-dir",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="The project whose files are reviewed [default: this project].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def run_check(
    configured_manifest: Path,
    *,
    as_json: bool,
    live: bool,
    env_file: Path | None,
    manifest: Path | None,
    project_dir: Path | None,
) -> None:
    """Print the report and exit 0 (nothing blocks the listing) or 1."""
    project = (project_dir or SOURCE_CHECKOUT).resolve()
    if manifest is None:
        manifest = project / "marketplace" / "manifest.toml" if project_dir else configured_manifest
    report = run_checks(build_context(project, manifest, dict(SCOPES_USED), env_file=env_file))
    if live:
        from .live import run_live  # the sandbox is development-only: import it on demand

        report.outcomes.extend(run_live(manifest))
    click.echo(report.to_json() if as_json else report.to_text())
    raise SystemExit(0 if report.ok else 1)


marketplace_cli = AppGroup("marketplace", help=HELP)


@marketplace_cli.command("check", epilog=EPILOG)
@check_options
def check_command(**options: Any) -> None:
    """Say, check by check, what a Marketplace reviewer would reject."""
    run_check(Path(current_app.config["MARKETPLACE_MANIFEST"]), **options)


@click.group("marketplace", help=HELP)
def standalone_cli() -> None:
    load_dotenv(SOURCE_CHECKOUT / ".env")  # as the app does; real environment variables win


@standalone_cli.command("check", epilog=EPILOG)
@check_options
def standalone_check(**options: Any) -> None:
    """The same check, without starting the app."""
    default = SOURCE_CHECKOUT / "marketplace" / "manifest.toml"
    run_check(Path(os.environ.get("MARKETPLACE_MANIFEST", default)), **options)
