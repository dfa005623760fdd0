"""What `make demo` promises: the default bake serves its landing page with `flask dev`."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Bake, BakedProject, baked_env, installed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, server: subprocess.Popen[str], seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = fetch(url)
        if page is not None:
            return page
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            pytest.fail(f"flask dev exited with {server.returncode} before serving:\n{output}")
        time.sleep(0.2)
    pytest.fail(f"nothing answered at {url} within {seconds} s")


@pytest.fixture
def demo(bake: Bake) -> Iterator[BakedProject]:
    with installed(bake()) as project:
        flask = str(Path(sys.executable).parent / "flask")
        upgrade = project.run([flask, "db", "upgrade"], env=baked_env())
        assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
        yield project


@pytest.mark.slow
def test_flask_dev_serves_the_landing_page_and_the_sandbox(demo: BakedProject) -> None:
    app_port, sandbox_port = free_port(), free_port()
    flask = str(Path(sys.executable).parent / "flask")
    command = [flask, "dev", "--app-port", str(app_port), "--sandbox-port", str(sandbox_port)]
    server = subprocess.Popen(
        command,
        cwd=demo.path,
        env=baked_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # so the sandbox and refresher threads stop with it
    )
    try:
        page = wait_for(f"http://localhost:{app_port}/", server)
        assert "Connect with fsckmsft" in page
        assert fetch(f"http://127.0.0.1:{sandbox_port}/_sandbox/users") is not None
    finally:
        stop(server)


def stop(server: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
