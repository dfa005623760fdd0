"""Command-line interface: `flask --app <package> <command>`."""

from __future__ import annotations

{% if cookiecutter.include_sandbox == "yes" -%}
import importlib.util
import signal
import sys
{% endif -%}
import threading

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import is_running_from_reloader, run_simple

{% if cookiecutter.include_sandbox == "yes" -%}
from .dev.server import DevSite, SandboxProcess, refuse_busy_port, sandbox_database
{% else -%}
from .dev.server import DevSite, refuse_busy_port
{% endif -%}
from .dev.tls import local_certificate
from .marketplace.cli import marketplace_cli
from .refresher import Refresher, RefresherSettings
from .refresher.commands import refresher_cli
from .services.schema import migrations_pending
from .tokens.commands import tokens_cli


def _refuse_in_production() -> None:
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("This command is for development; APP_ENV is production.")
{%- if cookiecutter.include_sandbox == "yes" %}


def _sandbox_installed() -> bool:
    # Looked up, never imported: the app does not depend on the emulator.
    return importlib.util.find_spec("fsckmsft_sandbox") is not None


@click.command("sandbox")
@click.option("--port", default=8001, show_default=True, help="Port on 127.0.0.1.")
@click.option("--profile", type=click.Choice(["strict", "lenient"]), help="Readings to play.")
@click.option("--set", "switches", multiple=True, metavar="NAME=VALUE", help="One switch.")
@click.option("--extension", "extensions", multiple=True, help="An extension to turn on.")
def sandbox_command(
    port: int, profile: str | None, switches: tuple[str, ...], extensions: tuple[str, ...]
) -> None:
    """Run the local fsckmsft sandbox (authorization server and API) alone.

    --profile, --set and --extension are the sandbox's own (docs/sandbox.md, "Switches").
    """
    _refuse_in_production()
    if not _sandbox_installed():
        raise click.ClickException("This project has no sandbox (fsckmsft-sandbox).")
    refuse_busy_port(port, "--port")
    database = sandbox_database(current_app.instance_path, port)
    click.echo(f"fsckmsft sandbox on http://127.0.0.1:{port} (state in {database})")
    readings = (
        *(("--profile", profile) if profile else ()),
        *(option for switch in switches for option in ("--set", switch)),
        *(option for extension in extensions for option in ("--extension", extension)),
    )
    sandbox = SandboxProcess(port, database, _credentials(current_app), readings)
    _stop_on_sigterm()
    sandbox.start()
    try:
        sandbox.process.wait()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
{%- endif %}


@click.command("dev")
@click.option("--app-port", default=8000, show_default=True, help="Port of the app on localhost.")
{% if cookiecutter.include_sandbox == "yes" -%}
@click.option("--sandbox-port", default=8001, show_default=True, help="Port of the sandbox.")
@click.option(
    "--sandbox/--no-sandbox",
    "with_sandbox",
    default=True,
    show_default=True,
    help="Run the sandbox and point the app at it; --no-sandbox: the platform URLs in .env.",
)
{% endif -%}
@click.option(
    "--tls",
    is_flag=True,
    help="Serve https://localhost:<app-port> with a local certificate (fsckmsft accepts only "
    "https redirect URIs).",
)
@click.option(
    "--with-refresher/--without-refresher",
    default=True,
    show_default=True,
    help="Also run the background refresher in a thread (production runs it as its own process).",
)
@click.option("--reload/--no-reload", default=True, show_default=True, help="Restart on edits.")
def dev_command(
    app_port: int,
    tls: bool,
    with_refresher: bool,
    reload: bool,
    sandbox_port: int = 8001,
    with_sandbox: bool = False,
) -> None:
{%- if cookiecutter.include_sandbox == "yes" %}
    """Run the sandbox and the app together, the app registered in the sandbox (reloader and
    debugger on)."""
{%- else %}
    """Run the app (and its refresher) against fsckmsft itself (reloader and debugger on)."""
{%- endif %}
    _refuse_in_production()
    site = DevSite(app_port, sandbox_port if with_sandbox else None, tls)
    if is_running_from_reloader():
        # A restart after an edit: the sandbox from the first start is still running.
        _serve(site, with_refresher, reload)
        return
    refuse_busy_port(app_port, "--app-port")
{%- if cookiecutter.include_sandbox == "yes" %}
    sandbox = _start_sandbox(site) if with_sandbox else None
    _stop_on_sigterm()
    try:
        _announce(site)
        _serve(site, with_refresher, reload)
    finally:
        if sandbox is not None:
            sandbox.stop()
{%- else %}
    _announce(site)
    _serve(site, with_refresher, reload)
{%- endif %}
{%- if cookiecutter.include_sandbox == "yes" %}


def _start_sandbox(site: DevSite) -> SandboxProcess:
    assert site.sandbox_port is not None
    if not _sandbox_installed():
        raise click.ClickException("--sandbox: fsckmsft-sandbox is not installed.")
    refuse_busy_port(site.sandbox_port, "--sandbox-port")
    database = sandbox_database(current_app.instance_path, site.sandbox_port, site.app_port)
    # The sandbox registers the app with its callback on this run's port.
    sandbox = SandboxProcess(
        site.sandbox_port, database, {**_credentials(current_app), **site.environment()}
    )
    sandbox.start()
    try:
        sandbox.wait_until_serving()
    except BaseException:
        sandbox.stop()
        raise
    click.echo(f"Sandbox: {site.sandbox_url} (state in {database})")
    return sandbox


def _credentials(app: Flask) -> dict[str, str]:
    """The client id and secret the sandbox registers the app with (from .env)."""
    return {name: app.config[name] for name in ("FSCKMSFT_CLIENT_ID", "FSCKMSFT_CLIENT_SECRET")}
{%- endif %}


def _announce(site: DevSite) -> None:
    if site.sandbox_port is None:
        click.echo(
            f"The app talks to {current_app.config['FSCKMSFT_AUTH_URL']}; "
            f"register {site.redirect_uri} as a redirect URI of your app there."
        )
    click.echo(f"App: open {site.app_url}")


def _serve(site: DevSite, with_refresher: bool, reload: bool) -> None:
    """Serve a fresh app built with this run's URLs (the .env ones are for the defaults)."""
    from . import create_app

    app = create_app(site.config_overrides())
    _apply_pending_migrations(app)
    if with_refresher:
        services = app.extensions["fsckmsft"]
        refresher = Refresher(services, RefresherSettings.from_config(app.config))
        threading.Thread(target=refresher.run, daemon=True, name="refresher").start()
    ssl_context = local_certificate(app.instance_path) if site.tls else None
    # Not app.run(): Flask ignores that inside a `flask` command. Serve it directly.
    run_simple(
        "localhost",
        site.app_port,
        app,
        threaded=True,
        use_reloader=reload,
        use_debugger=True,  # an unexpected error shows Werkzeug's debugger (PIN protected)
        ssl_context=ssl_context,
    )


def _apply_pending_migrations(app: Flask) -> None:
    """Development applies new migrations itself: nobody meets a missing table."""
    engine = app.extensions["fsckmsft"].token_service.engine
    try:
        if not migrations_pending(engine):
            return
        with app.app_context():
            upgrade()
    except SQLAlchemyError:
        raise click.ClickException(
            "The database in DATABASE_URL does not answer; start it, or point DATABASE_URL "
            "at one that runs."
        ) from None
    click.echo("Database: applied the pending migrations.")
{%- if cookiecutter.include_sandbox == "yes" %}


def _stop_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl-C does, so the sandbox is stopped too."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
{%- endif %}


def register(app: Flask) -> None:
{%- if cookiecutter.include_sandbox == "yes" %}
    app.cli.add_command(sandbox_command)
{%- endif %}
    app.cli.add_command(dev_command)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(refresher_cli)
    app.cli.add_command(marketplace_cli)
