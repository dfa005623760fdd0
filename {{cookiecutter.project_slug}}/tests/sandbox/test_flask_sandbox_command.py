"""`flask sandbox` passes the sandbox's readings on: --profile, --set, --extension."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import requests
from flask import Flask

from tests.helpers.app import app_config
from tests.helpers.refresher import start_flask


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_when_serving(url: str, seconds: float = 30.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return requests.get(f"{url}/_sandbox/settings", timeout=2).json()
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"the sandbox did not answer at {url}")


def assert_nothing_answers(url: str) -> None:
    try:
        requests.get(f"{url}/_sandbox/settings", timeout=2)
    except requests.ConnectionError:
        return
    raise AssertionError(f"the sandbox still answers at {url} after `flask sandbox` stopped")


def test_flask_sandbox_plays_the_readings_it_is_given(tmp_path: Path) -> None:
    port = free_port()
    app = Flask(__name__)
    app.config.update(app_config(f"sqlite:///{tmp_path / 'app.db'}", "http://127.0.0.1:1"))
    app.config["APP_ENV"] = "development"
    command = [
        "sandbox", "--port", str(port), "--profile", "lenient",
        "--set", "code_lifetime=60", "--extension", "identity",
    ]  # fmt: skip
    process = start_flask(app, *command, INSTANCE_PATH=str(tmp_path / "instance"))
    try:
        settings = settings_when_serving(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()  # SIGTERM: `flask sandbox` stops its sandbox process too
        process.wait(timeout=20)
    time.sleep(1)
    assert_nothing_answers(f"http://127.0.0.1:{port}")
    assert settings["switches"]["client_auth"] == "body_or_basic"  # the lenient profile's
    assert settings["switches"]["code_lifetime"] == 60  # the --set wins over the profile's 600
    assert "identity" in settings["extensions"]
