"""Command-line interface: `flask --app <package> <command>`."""

from __future__ import annotations

import threading
{%- if cookiecutter.include_sandbox == "yes" %}
import time
{%- endif %}

import click
{%- if cookiecutter.include_sandbox == "yes" %}
import requests
{%- endif %}
from flask import Flask, current_app
from werkzeug.serving import run_simple

from .marketplace.cli import marketplace_cli
from .refresher import Refresher, RefresherSettings
from .refresher.commands import refresher_cli
from .services import services
from .tokens.commands import tokens_cli


def _refuse_in_production() -> None:
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException(
            "This command is for development and tests; APP_ENV is production."
        )

{%- if cookiecutter.include_sandbox == "yes" %}


def sandbox_registration() -> dict:
    """The app as the sandbox should register it: the manifest plus this machine's callback."""
    config = current_app.config
    return services().manifest.sandbox_registration(
        client_id=config["FSCKMSFT_CLIENT_ID"],
        client_secret=config["FSCKMSFT_CLIENT_SECRET"],
        local_redirect_uri=config["FSCKMSFT_REDIRECT_URI"],
    )


@click.command("sandbox")
@click.option("--port", default=8001, show_default=True, help="Port on 127.0.0.1.")
def sandbox_command(port: int) -> None:
    """Run the local fsckmsft sandbox (authorization server and API) alone."""
    _refuse_in_production()
    # Imported here only: the app itself never imports the sandbox.
    from fsckmsft_sandbox import serve

    database = f"{current_app.instance_path}/sandbox.db"
    click.echo(f"fsckmsft sandbox on http://127.0.0.1:{port} (state in {database})")
    serve(host="127.0.0.1", port=port, database=database, seed_app=sandbox_registration())
{%- endif %}


@click.command("dev")
@click.option("--app-port", default=8000, show_default=True)
{%- if cookiecutter.include_sandbox == "yes" %}
@click.option("--sandbox-port", default=8001, show_default=True)
{%- endif %}
@click.option(
    "--with-refresher/--without-refresher",
    default=True,
    show_default=True,
    help="Also run the background refresher in a thread (production runs it as its own process).",
)
{%- if cookiecutter.include_sandbox == "yes" %}
def dev_command(app_port: int, sandbox_port: int, with_refresher: bool) -> None:
    """Run the sandbox and the app together, the app registered in the sandbox."""
    _refuse_in_production()
    _start_sandbox_thread(sandbox_port)
    # The app only starts once the sandbox answers: a first click on "Connect" must
    # never meet a sandbox that is still setting up its database.
    _wait_until_serving(f"http://127.0.0.1:{sandbox_port}/_sandbox/clock")
    click.echo(f"Sandbox: http://127.0.0.1:{sandbox_port}")
{%- else %}
def dev_command(app_port: int, with_refresher: bool) -> None:
    """Run the app (and its refresher) in development, against fsckmsft itself."""
    _refuse_in_production()
    # Generated without the sandbox for development: the app talks to the platform in .env.
    click.echo(f"The app talks to {current_app.config['FSCKMSFT_AUTH_URL']}")
{%- endif %}
    if with_refresher:
        refresher = Refresher(services(), RefresherSettings.from_config(current_app.config))
        threading.Thread(target=refresher.run, daemon=True, name="refresher").start()
    click.echo(f"App: open http://localhost:{app_port}")
    # Not app.run(): Flask ignores that inside a `flask` command. Serve it directly.
    run_simple("localhost", app_port, current_app._get_current_object(), threaded=True)

{%- if cookiecutter.include_sandbox == "yes" %}


def _wait_until_serving(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise click.ClickException(f"the sandbox did not start within {seconds:.0f} s ({url})")


def _start_sandbox_thread(port: int) -> None:
    # Imported here only: the app itself never imports the sandbox.
    from fsckmsft_sandbox import serve

    settings = {
        "host": "127.0.0.1",
        "port": port,
        "database": f"{current_app.instance_path}/sandbox.db",
        "seed_app": sandbox_registration(),
    }
    threading.Thread(target=serve, kwargs=settings, daemon=True, name="sandbox").start()
{%- endif %}


def register(app: Flask) -> None:
{%- if cookiecutter.include_sandbox == "yes" %}
    app.cli.add_command(sandbox_command)
{%- endif %}
    app.cli.add_command(dev_command)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(refresher_cli)
    app.cli.add_command(marketplace_cli)
