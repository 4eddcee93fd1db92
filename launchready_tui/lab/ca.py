"""A throwaway certificate authority for the lab: one CA, leaves issued per host set.

Everything is generated at start with `cryptography` (nothing on disk but the PEMs we write), so a
fresh lab never trusts a key that another lab run created.
"""

from __future__ import annotations

import datetime as dt
import ssl
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KeyType = Literal["ec", "rsa"]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())  # fast handshakes for the 200-connection test


def _pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True, slots=True)
class Leaf:
    """An issued leaf: the certificate, its key and where both were written."""

    cert: x509.Certificate
    cert_file: Path
    key_file: Path

    @property
    def sans(self) -> list[str]:
        ext = self.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        return ext.value.get_values_for_type(x509.DNSName)

    def server_context(
        self,
        minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
        ciphers: str | None = None,
    ) -> ssl.SSLContext:
        """A server-side context presenting this leaf (and the CA, as a real chain would)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if ciphers:
            ctx.set_ciphers(ciphers)  # before the version floor: SECLEVEL=0 is what re-enables TLS 1.0
        with warnings.catch_warnings():  # TLS 1.0 is deprecated in ssl: the legacy listener wants it anyway
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = minimum
        ctx.load_cert_chain(self.cert_file, self.key_file)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx


class LabCA:
    """A self-signed root that issues leaves for lab host names."""

    def __init__(self, directory: Path, name: str = "launchready lab CA") -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "launchready lab (test only)"),
        ])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.ca_file = directory / "lab-ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        name: str,
        sans: list[str],
        *,
        key_type: KeyType = "ec",
        valid_days: float = 90,
        expired: bool = False,
    ) -> Leaf:
        """Issue a leaf for ``sans``; ``valid_days`` left from now (5 = "expiring soon"), or already expired."""
        now = dt.datetime.now(dt.UTC)
        if expired:
            not_before, not_after = now - dt.timedelta(days=100), now - dt.timedelta(days=10)
        else:
            # notBefore a little in the past: lifetime ratios (remaining / total) look like a real 90-day cert
            lifetime = max(90.0, valid_days + 1)
            not_before = now - dt.timedelta(days=lifetime - valid_days)
            not_after = now + dt.timedelta(days=valid_days)
        key = _new_key(key_type)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, sans[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        cert_file = self.directory / f"{name}.crt"
        key_file = self.directory / f"{name}.key"
        # leaf then CA: the full chain a correctly configured server sends
        cert_file.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM) + self.cert.public_bytes(serialization.Encoding.PEM)
        )
        key_file.write_bytes(_pem_key(key))
        key_file.chmod(0o600)
        return Leaf(cert, cert_file, key_file)

    def client_context(self) -> ssl.SSLContext:
        """A client context trusting only this CA (for tests and the lab's own self-checks)."""
        return ssl.create_default_context(cafile=str(self.ca_file))
