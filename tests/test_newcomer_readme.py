"""A newcomer who follows only the generated README reaches the dashboard.

Bake the defaults, run the README's quickstart commands as they are written (`make setup`,
then `make dev` in the background), open the URL it names in Chromium, connect with
fsckmsft on the sandbox, see the projects, and stop `make dev` the way a person does
(Ctrl-C). Again on other ports, as the README says to when 8000 or 8001 is taken: the
browser must only ever be sent to the ports chosen. Slow: `make setup` creates a venv and
installs the project (about a minute).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Bake, BakedProject

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
DEFAULT_PORTS = (8000, 8001)
IN_CI = os.environ.get("CI", "").lower() == "true"

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def unavailable(reason: str) -> None:
    """Skip on a laptop without the tool; fail in CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


def quickstart_commands(readme: str) -> list[str]:
    """The shell commands of the README's code blocks, in order, prompts and comments off."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", readme, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ").split("  #")[0].strip()
            if line.startswith("make "):
                commands.append(line)
    return commands


def newcomer_env() -> dict[str, str]:
    """A plain shell: no active virtualenv, no test-runner or Flask variables."""
    venv_bins = {str(Path(sys.executable).parent)}
    if os.environ.get("VIRTUAL_ENV"):
        venv_bins.add(str(Path(os.environ["VIRTUAL_ENV"]) / "bin"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "FLASK_", "VIRTUAL_ENV", "FSCKMSFT_", "APP_ENV"))
        and key not in {"PYTHONPATH", "DATABASE_URL", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS"}
    }
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry not in venv_bins]
    env["PATH"] = os.pathsep.join(path)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def other_ports_command(readme: str, app_port: int, sandbox_port: int) -> list[str]:
    """The README's `make dev APP_PORT=… SANDBOX_PORT=…` line, with these ports."""
    match = re.search(r"^make dev APP_PORT=(\d+) SANDBOX_PORT=(\d+)", readme, flags=re.MULTILINE)
    assert match, "the README does not say how to choose other ports"
    return ["make", "dev", f"APP_PORT={app_port}", f"SANDBOX_PORT={sandbox_port}"]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # SO_REUSEADDR: closed connections lingering in TIME_WAIT do not count, a server does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


DEV_LOG = "make-dev.log"  # beside the project folder, never inside what the newcomer has


def wait_for_page(url: str, server: subprocess.Popen[str], log: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode("utf-8")
        if server.poll() is not None:
            output = log.read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"make dev exited with {server.returncode} before serving:\n{output}")
        time.sleep(0.25)
    pytest.fail(f"nothing answered at {url} within {seconds:.0f} s")


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def make_dev(
    project: BakedProject, env: dict[str, str], command: list[str]
) -> Iterator[subprocess.Popen[str]]:
    """`make dev …` in the background; stopped at the end with Ctrl-C (SIGINT to its group).

    Its output goes to a file, as a terminal would take it: a pipe nobody reads fills up,
    and then make dev blocks on its next log line and cannot even stop on Ctrl-C.
    """
    with (project.path.parent / DEV_LOG).open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            command,
            cwd=project.path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a terminal gives it
            # and Ctrl-C's default action, as a terminal gives it too: a test run started in
            # the background (`nohup make test &`) hands its children SIGINT ignored, and
            # Python then never raises KeyboardInterrupt.
            preexec_fn=_interruptible,
        )
    try:
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGINT)
        try:
            # Generous: under `make test` another bake's whole suite shares the CPUs, and there
            # Ctrl-C once took over 20 s to stop make, flask dev, the app and the sandbox.
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
            pytest.fail("make dev did not stop on Ctrl-C within 60 s")


def connect_in_chromium(app_url: str, sandbox_port: int) -> str:
    """Open the app, Connect, Approve on the sandbox; answers the dashboard's projects."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("playwright is not installed in the test environment")
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    # Its own TMPDIR, short: Chromium's singleton socket path must fit in 108 bytes.
    private_tmp = tempfile.mkdtemp(prefix="pw-")
    os.environ["TMPDIR"], previous = private_tmp, os.environ.get("TMPDIR")
    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=CHROMIUM)
            except Error as error:
                unavailable(f"Chromium did not start: {str(error).splitlines()[0]}")
            page = browser.new_page()
            page.goto(app_url)
            page.get_by_role("link", name="Connect with fsckmsft").click()
            page.wait_for_url(f"http://127.0.0.1:{sandbox_port}/oauth/authorize**")
            page.get_by_role("button", name="Approve").click()
            page.wait_for_url(f"{app_url}/dashboard")
            projects = page.locator("#projects").inner_text()
            browser.close()
            return projects
    finally:
        if previous is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous
        shutil.rmtree(private_tmp, ignore_errors=True)


@pytest.mark.parametrize("ports", ["the README's", "other"])
def test_newcomer_follows_the_readme_to_the_dashboard(bake: Bake, ports: str) -> None:
    project = bake()
    readme = project.read("README.md")
    assert quickstart_commands(readme)[:2] == ["make setup", "make dev"]
    if ports == "other":
        app_port, sandbox_port = free_port(), free_port()
        command = other_ports_command(readme, app_port, sandbox_port)
    else:
        app_port, sandbox_port = DEFAULT_PORTS
        command = ["make", "dev"]
    app_url = f"http://localhost:{app_port}"
    assert f"http://localhost:{DEFAULT_PORTS[0]}" in readme
    if shutil.which("make") is None:
        unavailable("make is not installed")
    if not (port_is_free(app_port) and port_is_free(sandbox_port)):
        unavailable(f"ports {app_port} and {sandbox_port} are in use on this machine")
    env = newcomer_env()
    setup = subprocess.run(
        ["make", "setup"], cwd=project.path, env=env, capture_output=True, text=True,
        timeout=900, check=False,
    )
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    with make_dev(project, env, command) as server:
        assert "Connect with fsckmsft" in wait_for_page(f"{app_url}/", server, project.path.parent / DEV_LOG)
        projects = connect_in_chromium(app_url, sandbox_port)
    assert "Difference Engine" in projects  # ada's first workspace, seeded by the sandbox
    assert server.returncode is not None
    assert port_is_free(app_port) and port_is_free(sandbox_port), "make dev left a server running"
