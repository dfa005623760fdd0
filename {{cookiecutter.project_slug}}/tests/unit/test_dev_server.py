"""`flask dev`'s parts: the ports decide every URL, each port pair has its own sandbox
state, a taken port stops the run, the local certificate is for localhost."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import click
import pytest
from cryptography import x509

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.dev.server import DevSite, refuse_busy_port, sandbox_database
from {{ cookiecutter.project_slug }}.dev.tls import local_certificate

from tests.helpers.app import app_config


def test_the_ports_decide_the_platform_urls_and_the_redirect_uri() -> None:
    overrides = DevSite(app_port=18000, sandbox_port=18001).config_overrides()
    assert overrides["FSCKMSFT_AUTH_URL"] == "http://127.0.0.1:18001"
    assert overrides["FSCKMSFT_API_URL"] == "http://127.0.0.1:18001"
    assert overrides["FSCKMSFT_REDIRECT_URI"] == "http://localhost:18000/callback"


def test_without_the_sandbox_the_platform_urls_stay_those_of_the_settings() -> None:
    overrides = DevSite(app_port=8443, sandbox_port=None, tls=True).config_overrides()
    assert "FSCKMSFT_AUTH_URL" not in overrides and "FSCKMSFT_API_URL" not in overrides
    assert overrides["FSCKMSFT_REDIRECT_URI"] == "https://localhost:8443/callback"


def test_each_port_pair_has_its_own_sandbox_state(tmp_path: Path) -> None:
    files = {
        sandbox_database(str(tmp_path), sandbox_port, app_port)
        for sandbox_port, app_port in [(8001, 8000), (8001, 9000), (9001, 8000)]
    }
    assert len(files) == 3


def test_a_port_in_use_stops_the_run_naming_the_option() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(click.ClickException, match="--sandbox-port"):
            refuse_busy_port(port, "--sandbox-port")


def test_the_local_certificate_is_for_localhost_and_its_key_private(tmp_path: Path) -> None:
    certificate_path, key_path = local_certificate(str(tmp_path))
    certificate = x509.load_pem_x509_certificate(Path(certificate_path).read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert stat.S_IMODE(Path(key_path).stat().st_mode) == 0o600
    local_certificate(str(tmp_path))
    reused = x509.load_pem_x509_certificate(Path(certificate_path).read_bytes())
    assert reused.serial_number == certificate.serial_number  # kept: a browser's trust holds


def test_in_development_an_unexpected_error_reaches_the_debugger(sqlite_url: str) -> None:
    app = create_app(app_config(sqlite_url, "https://fsckmsft.test", DEBUG=True, TESTING=False))

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):  # Werkzeug's debugger catches it there
        app.test_client().get("/boom")
