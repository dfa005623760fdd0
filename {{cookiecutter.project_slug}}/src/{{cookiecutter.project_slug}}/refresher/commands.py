"""`flask refresher run [--once]` and `flask refresher health --max-age N`."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..services import services
from .records import last_completed_sweep
from .worker import Refresher, RefresherSettings

refresher_cli = AppGroup("refresher", help="The background token refresher.")


@refresher_cli.command("run")
@click.option(
    "--once", is_flag=True, help="One sweep, then exit (for cron). Exit 1 if anything failed."
)
def run_command(once: bool) -> None:
    """Refresh due connections until SIGTERM/SIGINT (or once)."""
    if current_app.config["METRICS_PORT"]:
        serve_metrics(current_app.config["METRICS_PORT"])
    refresher = Refresher(services(), RefresherSettings.from_config(current_app.config))
    sys.exit(refresher.run(once=once))


def serve_metrics(port: int) -> None:
    """Prometheus metrics on `port`, fed from the flow's signals (METRICS_PORT)."""
    try:
        from .metrics import connect_metrics, start_metrics_server
    except ImportError:
        raise click.ClickException(
            "METRICS_PORT is set but prometheus-client is not installed; install the "
            "project with its [metrics] extra."
        ) from None
    connect_metrics()
    start_metrics_server(port, services().token_service.engine)
    click.echo(f"metrics on port {port} (/metrics)", err=True)


@refresher_cli.command("health")
@click.option(
    "--max-age",
    type=click.IntRange(min=1),
    required=True,
    help="Seconds: healthy only if a sweep finished at most this long ago.",
)
def health_command(max_age: int) -> None:
    """Exit 0 only if a refresher completed a sweep in the last --max-age seconds.

    For liveness probes and cron monitors. Sweeps pause while fsckmsft fails (backing off
    up to 15 minutes), so a probe's --max-age should allow for that: e.g. 1200.
    """
    finished = last_completed_sweep(services().token_service.engine)
    if finished is None:
        click.echo("unhealthy: no refresher has completed a sweep yet", err=True)
        sys.exit(1)
    age = (services().clock.now() - finished).total_seconds()
    if age > max_age:
        click.echo(
            f"unhealthy: the last sweep finished {age:.0f} s ago (allowed: {max_age} s)", err=True
        )
        sys.exit(1)
    click.echo(f"healthy: the last sweep finished {age:.0f} s ago")
