"""`flask dev`, as a developer runs it: the one command to develop with.

One bake, installed once into an environment of its own; `flask dev` started on free (so
never the default) ports. What must hold: the browser is only ever sent to the ports chosen,
the sandbox registers the callback on the chosen app port, each port pair keeps its own
sandbox state, pending migrations are applied on start, an edit restarts the app but not the
sandbox, and `--tls` serves https with a local certificate that the whole flow works through.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from conftest import BakedProject, bake_into, project_venv, venv_env

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DevRun:
    """A running `flask dev`, its ports and everything it printed so far."""

    project: BakedProject
    process: subprocess.Popen[str]
    app_port: int
    sandbox_port: int
    log_path: Path
    scheme: str = "http"

    @property
    def app_url(self) -> str:
        return f"{self.scheme}://localhost:{self.app_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def answers(url: str, verify: bool | str = True) -> bool:
    try:
        requests.get(url, timeout=2, verify=verify)
    except requests.RequestException:
        return False
    return True


def wait_for(run: DevRun, url: str, seconds: float = 60, verify: bool | str = True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(url, verify):
            return
        if run.process.poll() is not None:
            pytest.fail(f"flask dev exited with {run.process.returncode}:\n{run.output()}")
        time.sleep(0.2)
    pytest.fail(f"nothing answered at {url} within {seconds} s:\n{run.output()}")


@contextlib.contextmanager
def flask_dev(
    project: BakedProject, bin_folder: Path, *options: str, scheme: str = "http"
) -> Iterator[DevRun]:
    app_port, sandbox_port = free_port(), free_port()
    command = [str(bin_folder / "flask"), "dev", "--app-port", str(app_port),
               "--sandbox-port", str(sandbox_port), "--without-refresher", *options]
    log_path = Path(tempfile.mkstemp(prefix="flask-dev-", suffix=".log")[1])
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=project.path, env=venv_env(bin_folder), stdout=log, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,  # its own group, as a terminal gives it
        )
    run = DevRun(project, process, app_port, sandbox_port, log_path, scheme)
    try:
        yield run
    finally:
        stop(process)
        log_path.unlink(missing_ok=True)


def stop(process: subprocess.Popen[str]) -> None:
    """Ctrl-C, as a developer stops it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class ConsentForm(HTMLParser):
    """The sandbox consent page's hidden fields (posted back as they are)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"] or ""] = attributes.get("value") or ""


def connect_as_ada(run: DevRun, verify: bool | str = True) -> requests.Response:
    """Connect with fsckmsft, approve on the sandbox, follow the redirects home."""
    browser = requests.Session()
    # verify on each call: a Session's own is overridden by REQUESTS_CA_BUNDLE if set.
    login = browser.get(f"{run.app_url}/login", allow_redirects=False, timeout=10, verify=verify)
    authorize = browser.get(login.headers["Location"], timeout=10)
    form = ConsentForm()
    form.feed(authorize.text)
    approved = browser.post(
        f"{run.sandbox_url}/oauth/authorize",
        data={**form.fields, "username": "ada", "decision": "approve"},
        allow_redirects=False,
        timeout=10,
    )
    assert approved.status_code in (302, 303), approved.text[:500]
    return browser.get(approved.headers["Location"], timeout=10, verify=verify)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> BakedProject:
    """The default bake, its database never migrated by hand."""
    return bake_into(tmp_path_factory.mktemp("dev"), {})


@pytest.fixture(scope="module")
def bin_folder(project: BakedProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of the bake's own environment, installed from its lock."""
    return project_venv(project, tmp_path_factory.mktemp("venv"))


@pytest.fixture(scope="module")
def dev(project: BakedProject, bin_folder: Path) -> Iterator[DevRun]:
    with flask_dev(project, bin_folder) as run:
        wait_for(run, f"{run.app_url}/")
        yield run


def test_login_sends_the_browser_to_the_chosen_sandbox_port_with_the_chosen_callback(
    dev: DevRun,
) -> None:
    login = requests.get(f"{dev.app_url}/login", allow_redirects=False, timeout=10)
    location = urlsplit(login.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == dev.sandbox_url
    assert parse_qs(location.query)["redirect_uri"] == [f"{dev.app_url}/callback"]


def test_the_sandbox_registers_the_callback_on_the_chosen_app_port(dev: DevRun) -> None:
    dashboard = connect_as_ada(dev)
    assert dashboard.url == f"{dev.app_url}/dashboard"
    assert "Difference Engine" in dashboard.text


def test_pending_migrations_are_applied_on_start(dev: DevRun) -> None:
    health = requests.get(f"{dev.app_url}/healthz", timeout=10)
    assert health.status_code == 200, health.text


def test_each_port_pair_keeps_its_own_sandbox_state(dev: DevRun) -> None:
    instance = dev.project.path / "instance"
    assert (instance / f"sandbox-{dev.sandbox_port}-app-{dev.app_port}.db").exists()
    assert not (instance / "sandbox.db").exists()


def test_the_debugger_is_on(dev: DevRun) -> None:
    assert "Debugger is active" in dev.output()


def test_an_edit_restarts_the_app_but_not_the_sandbox(dev: DevRun) -> None:
    requests.post(f"{dev.sandbox_url}/_sandbox/clock", json={"advance": 600}, timeout=10)
    restarts = dev.output().count("Restarting with")
    source = next((dev.project.path / "src").glob("*/clock.py"))
    source.write_text(source.read_text() + "\n# edited\n")
    deadline = time.monotonic() + 30
    while dev.output().count("Restarting with") == restarts and time.monotonic() < deadline:
        time.sleep(0.2)
    assert dev.output().count("Restarting with") > restarts, dev.output()
    wait_for(dev, f"{dev.app_url}/")
    clock = requests.get(f"{dev.sandbox_url}/_sandbox/clock", timeout=10).json()
    assert clock["offset"] >= 600  # the same sandbox process: its state survived the restart
    assert len(re.findall(r"^Sandbox: ", dev.output(), flags=re.MULTILINE)) == 1


def test_tls_serves_https_with_a_local_certificate_through_the_whole_flow(
    project: BakedProject, bin_folder: Path
) -> None:
    with flask_dev(project, bin_folder, "--tls", scheme="https") as run:
        certificate = project.path / "instance" / "localhost.crt"
        wait_for(run, f"{run.app_url}/", verify=False)
        assert certificate.exists()
        login = requests.get(
            f"{run.app_url}/login", allow_redirects=False, timeout=10, verify=str(certificate)
        )
        redirect_uri = parse_qs(urlsplit(login.headers["Location"]).query)["redirect_uri"]
        assert redirect_uri == [f"https://localhost:{run.app_port}/callback"]
        dashboard = connect_as_ada(run, verify=str(certificate))
        assert dashboard.url == f"https://localhost:{run.app_port}/dashboard"
        assert "Difference Engine" in dashboard.text
