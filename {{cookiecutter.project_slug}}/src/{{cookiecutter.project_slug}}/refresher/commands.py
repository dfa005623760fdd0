"""`flask refresher run [--once]`."""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..services import services
from .worker import Refresher, RefresherSettings

refresher_cli = AppGroup("refresher", help="The background token refresher.")


@refresher_cli.command("run")
@click.option(
    "--once", is_flag=True, help="One sweep, then exit (for cron). Exit 1 if anything failed."
)
def run_command(once: bool) -> None:
    """Refresh due connections until SIGTERM/SIGINT (or once)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    refresher = Refresher(services(), RefresherSettings.from_config(current_app.config))
    sys.exit(refresher.run(once=once))
