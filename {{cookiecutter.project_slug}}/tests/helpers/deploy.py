"""The deploy kit driven for real: a built wheel in a clean venv, TLS, a proxy, honcho.

Production refuses http and loopback platform URLs, and no test weakens that. So the
sandbox is served the way the platform is: over TLS, under a name of its own
(`auth.fsckmsft.test`), with a throwaway certificate authority the processes are told
to trust (REQUESTS_CA_BUNDLE). The names lead to this machine through an HTTPS proxy
(HTTPS_PROXY), the way many production networks reach the internet: a CONNECT tunnel
the proxy opens only to the names the test lists.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import select
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import venv
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# -- a throwaway certificate authority ---------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca_file: Path  # what clients trust (REQUESTS_CA_BUNDLE)
    cert_file: Path  # the servers' certificate, for every name the test uses
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


# A CA signs certificates (and revocation lists), nothing else.
CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(folder: Path, hostnames: list[str]) -> Certificates:
    """A CA made for this test run, and one server certificate it signed for `hostnames`."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("throwaway test CA"))
        .issuer_name(_name("throwaway test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in hostnames]
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hostnames[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


# -- an HTTPS (CONNECT) proxy that knows a few names -------------------------------


class _TunnelHandler(socketserver.BaseRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        client = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target, _version = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        port = self.server.routes.get(target)
        if method != "CONNECT" or port is None:
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", port))
        except OSError:  # nothing listens there (yet): what a real proxy answers
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            self._pipe(client, upstream)

    @staticmethod
    def _pipe(left: socket.socket, right: socket.socket) -> None:
        peers = {left: right, right: left}
        while True:
            readable, _, _ = select.select(list(peers), [], [], 30)
            if not readable:
                return
            for sock in readable:
                try:
                    data = sock.recv(65536)
                    if data:
                        peers[sock].sendall(data)
                except OSError:  # one side went away (a reset): the tunnel is over
                    return
                if not data:
                    return


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    routes: dict[str, int]


class TunnelProxy:
    """`with TunnelProxy({"auth.fsckmsft.test:443": 8443}) as proxy:` → proxy.url."""

    def __init__(self, routes: dict[str, int]) -> None:
        self._server = _ProxyServer(("127.0.0.1", 0), _TunnelHandler)
        self._server.routes = dict(routes)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def route(self, target: str, port: int) -> None:
        self._server.routes[target] = port

    def __enter__(self) -> TunnelProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the wheel, built and installed as an operator would -----------------------------

# What the build needs from the project: nothing else is copied, so the build proves it.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "src", "migrations", "marketplace")


def build_wheel(project_root: Path, folder: Path) -> Path:
    """`pip wheel .` on a copy of the project's build inputs; answers the wheel's path."""
    source = folder / "source"
    source.mkdir(parents=True)
    for name in BUILD_INPUTS:
        path = project_root / name
        if path.is_dir():
            skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(path, source / name, ignore=skip)
        else:
            shutil.copy2(path, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(folder / "dist"), str(source)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return next((folder / "dist").glob("*.whl"))


def locked_requirements(project_root: Path, also: tuple[str, ...] = ()) -> str:
    """requirements.txt (what production installs, pinned with hashes), plus the entries of
    requirements-dev.txt named in `also` (an extra's packages, locked there)."""
    production = (project_root / "requirements.txt").read_text(encoding="utf-8")
    development = (project_root / "requirements-dev.txt").read_text(encoding="utf-8")
    # One entry per block: `name==version [; marker] \` and its `--hash=` lines.
    entries = re.split(r"\n(?=[A-Za-z0-9])", development)
    extra = [entry for entry in entries if re.split(r"[=;\s\[]", entry, maxsplit=1)[0] in also]
    assert len(extra) == len(also), f"not all of {also} are in requirements-dev.txt"
    return "\n".join([production.rstrip("\n"), *(entry.rstrip("\n") for entry in extra), ""])


def install_in_clean_venv(wheel: Path, folder: Path, requirements: str) -> Path:
    """A new virtual environment with the locked requirements and then the wheel installed,
    as an operator deploys; answers its bin/ folder. Nothing of the test's own environment
    is visible inside it.

    Every requirement is pinned and hash-checked (`--require-hashes`): nothing is resolved,
    the same set installs every time, and from the cache once it is warm. The wheel goes
    in with `--no-deps`, and `pip check` then proves the lock covers what the wheel needs.
    The installer is uv (the project's locking tool, a development dependency): pip takes
    15 to 25 s here to read the index pages of 47 pinned packages, uv about 2 s.
    """
    venv.create(folder, with_pip=False, clear=True)  # production needs no pip of its own
    locked = folder / "requirements.txt"
    locked.write_text(requirements, encoding="utf-8")
    uv_pip = [str(Path(sys.executable).parent / "uv"), "pip"]
    target = ["--quiet", "--python", str(folder / "bin" / "python")]
    for command in (
        [*uv_pip, "install", *target, "--require-hashes", "--requirement", str(locked)],
        [*uv_pip, "install", *target, "--no-deps", str(wheel)],
        [*uv_pip, "check", *target],
    ):
        done = subprocess.run(
            command, cwd=folder, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}{done.stderr}"
    return folder / "bin"
