"""A self-signed certificate for 127.0.0.1 and localhost, made once per test session: the
scripted upstream serves HTTPS with it, and a client that verifies certificates refuses it
(no authority vouches for it)."""

from __future__ import annotations

import atexit
import datetime
import functools
import ipaddress
import shutil
import tempfile
from pathlib import Path


@functools.cache
def self_signed_files() -> tuple[str, str]:
    """The certificate's and its private key's PEM files (ssl's load_cert_chain reads
    only files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())  # quicker to make than an RSA key
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scripted upstream")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .sign(key, hashes.SHA256()))
    directory = tempfile.mkdtemp(prefix="parley-tls-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    cert_file = Path(directory, "upstream.crt")
    key_file = Path(directory, "upstream.key")
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)
