"""A local certificate for `flask dev --tls`: https://localhost without a proxy.

fsckmsft accepts only https redirect URIs, so developing against the real platform needs the
app on https. The certificate is self-signed (browsers warn once); put a trusted one made with
`mkcert localhost 127.0.0.1` at the same paths and it is used instead.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 365


def local_certificate(instance_path: str) -> tuple[str, str]:
    """Paths of the certificate and key for localhost, made on first use and then kept."""
    certificate = Path(instance_path) / "localhost.crt"
    key = Path(instance_path) / "localhost.key"
    if not (certificate.exists() and key.exists()):
        _write_self_signed(certificate, key)
    return str(certificate), str(key)


def _write_self_signed(certificate: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        # Its own issuer: a client that trusts this file (requests' verify=, a browser's
        # exception) trusts it as the root of a chain of one, which needs CA:TRUE.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate.parent.mkdir(parents=True, exist_ok=True)
    key_path.touch(mode=0o600)  # the private key is readable by this user only
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
