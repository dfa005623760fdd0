"""`flask dev`: the app for development, with the sandbox beside it, in one command.

The chosen ports flow into every URL the app uses (the platform URLs, the redirect URI) and
into the sandbox's registration, so the browser only ever goes where this command serves.
The sandbox runs as its own process, started once; the app runs under Werkzeug's reloader
(a fresh process after each edit) and debugger.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import requests

from ..paths import SOURCE_CHECKOUT as PROJECT_ROOT

LOOPBACK = "127.0.0.1"
APP_HOST = "localhost"  # the sandbox accepts loopback redirect URIs on localhost


@dataclass(frozen=True)
class DevSite:
    """Where this development run serves, and so where every URL must point."""

    app_port: int
    sandbox_port: int | None  # None: no sandbox; the platform URLs come from .env
    tls: bool = False

    @property
    def app_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{APP_HOST}:{self.app_port}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.app_url}/callback"

    @property
    def sandbox_url(self) -> str:
        return f"http://{LOOPBACK}:{self.sandbox_port}"

    def config_overrides(self) -> dict[str, Any]:
        """The settings that must follow the ports, whatever .env says."""
        overrides: dict[str, Any] = {"FSCKMSFT_REDIRECT_URI": self.redirect_uri, "DEBUG": True}
        if self.sandbox_port is not None:
            overrides["FSCKMSFT_AUTH_URL"] = self.sandbox_url
            overrides["FSCKMSFT_API_URL"] = self.sandbox_url
        return overrides

    def environment(self) -> dict[str, str]:
        """The same settings as environment variables, for processes this one starts."""
        return {key: str(value) for key, value in self.config_overrides().items() if key != "DEBUG"}


def sandbox_database(instance_path: str, sandbox_port: int, app_port: int | None = None) -> str:
    """One sandbox state file per port pair: two development runs never share (and
    overwrite) each other's registration, users' grants or clock."""
    name = f"sandbox-{sandbox_port}" + (f"-app-{app_port}" if app_port else "") + ".db"
    return str(Path(instance_path) / name)


def refuse_busy_port(port: int, option: str) -> None:
    """Stop before starting anything when a port is taken: whatever listens there would
    receive the browser, and with it authorization codes, or the app's client secret."""
    with socket.socket() as probe:
        # SO_REUSEADDR: connections lingering in TIME_WAIT do not count, a server does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            raise click.ClickException(
                f"Port {port} is already in use; choose another with {option}."
            ) from None


class SandboxProcess:
    """The sandbox through its own entry point (`python -m fsckmsft_sandbox`): the app
    never imports the emulator, and the reloader never restarts it."""

    def __init__(
        self,
        port: int,
        database: str,
        environment: dict[str, str],
        readings: tuple[str, ...] = (),
    ) -> None:
        self.port = port
        self.database = database
        self.environment = environment
        # Extra `python -m fsckmsft_sandbox` options: --profile, --set, --extension.
        self.readings = readings
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "fsckmsft_sandbox",
            "--port",
            str(self.port),
            "--database",
            self.database,
            # The .env names one sandbox origin for the API and the authorization server
            # (DESIGN §5); the strict profile otherwise serves the API on --port + 1.
            "--set",
            "api_origin=shared",
            *self.readings,  # after the default above, so a --set api_origin=… wins
        ]
        # cwd: the sandbox reads the manifest and .env of the project it serves.
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=PROJECT_ROOT, env={**os.environ, **self.environment}
        )

    def wait_until_serving(self, seconds: float = 30.0) -> None:
        """Return once the sandbox answers: a first click on "Connect" must never meet a
        sandbox still setting up its database."""
        url = f"http://{LOOPBACK}:{self.port}/_sandbox/clock"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise click.ClickException(
                    f"The sandbox stopped at start (exit status {self.process.returncode}); "
                    "its message is above."
                )
            try:
                requests.get(url, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise click.ClickException(f"The sandbox did not answer at {url} within {seconds:.0f} s.")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
