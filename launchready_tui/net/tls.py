"""TLS probe: one handshake to capture what the server presents, one to judge trust.

The capture handshake uses pyOpenSSL because Python 3.11's ``ssl`` cannot return the chain the
server sent (``get_unverified_chain`` arrived in 3.13), and a missing intermediate is one of the
most common real-world certificate faults. It runs in a thread on a socket we connect ourselves, to
the address our resolver chose. The verdict handshake uses stdlib ``ssl`` with the same trust store
as the HTTP client, so "trusted" means the same thing everywhere. ``cryptography`` parses the
certificates. Connections honour ``--connect-to`` / ``--resolve`` like HTTP.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtensionOID, NameOID
from OpenSSL import SSL

from launchready_tui.net.http import verifying_context
from launchready_tui.net.overrides import NetworkOverrides
from launchready_tui.net.resolver import Resolver

TLS_VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}


class TlsError(Exception):
    """No handshake at all; ``kind`` is dns, connect, timeout or tls."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(slots=True)
class TlsInfo:
    host: str
    port: int
    verified: bool
    verify_error: str | None
    protocol: str | None
    cipher: str | None
    alpn: str | None
    subject: str
    issuer: str
    sans: list[str]
    not_before: datetime
    not_after: datetime
    serial: str
    sha256: str
    key: str  # "RSA 2048", "EC secp256r1", …
    remote_addr: str | None = None
    elapsed_ms: float = 0.0
    self_signed: bool = False
    chain: list[dict[str, str]] = field(default_factory=list)  # as sent: leaf first
    extra: dict[str, Any] = field(default_factory=dict)

    def days_left(self, now: datetime | None = None) -> float:
        now = now or datetime.now(UTC)
        return (self.not_after - now).total_seconds() / 86400

    @property
    def lifetime_days(self) -> float:
        return (self.not_after - self.not_before).total_seconds() / 86400

    def to_evidence(self) -> dict[str, Any]:
        return {
            "host": self.host, "port": self.port, "verified": self.verified, "verify_error": self.verify_error,
            "protocol": self.protocol, "alpn": self.alpn, "cipher": self.cipher, "subject": self.subject,
            "issuer": self.issuer, "sans": self.sans, "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(), "days_left": round(self.days_left(), 1),
            "key": self.key, "sha256": self.sha256, "remote_addr": self.remote_addr, "chain": self.chain,
        }


def _name(name: x509.Name) -> str:
    cn = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    org = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    parts = [str(a.value) for a in cn] + [str(a.value) for a in org]
    return ", ".join(parts) or name.rfc4514_string()


def _key_desc(cert: x509.Certificate) -> str:
    key = cert.public_key()
    size = getattr(key, "key_size", None)
    curve = getattr(getattr(key, "curve", None), "name", None)
    kind = type(key).__name__.removeprefix("_").replace("PublicKey", "")
    return f"{kind} {curve or size or ''}".strip()


async def _open(
    host: str, port: int, sni: str, ctx: ssl.SSLContext, resolver: Resolver,
    overrides: NetworkOverrides, timeout: float,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, str]:
    to_host, to_port = overrides.route(host, port)
    lookup = await resolver.addresses(to_host, to_port)
    if not lookup.addresses:
        raise TlsError("dns", lookup.reason)
    last: Exception | None = None
    for address in lookup.addresses:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    address, to_port, ssl=ctx, server_hostname=sni, ssl_handshake_timeout=timeout
                )
            return reader, writer, f"{address}:{to_port}"
        except ssl.SSLError:
            raise
        except (TimeoutError, OSError) as exc:
            last = exc
    if isinstance(last, TimeoutError):
        raise TlsError("timeout", f"{host}:{port} did not complete a TLS handshake within {timeout:g} s")
    text = str(last)
    if "Connection refused" in text or "Errno 111" in text:
        raise TlsError("connect", f"{host}:{port} refused the connection (nothing listening?)")
    raise TlsError("connect", f"could not connect to {host}:{port}: {text}")


def _plain_tls_error(host: str, port: int, exc: ssl.SSLError) -> TlsError:
    text = str(exc)
    low = text.lower()
    if "wrong_version_number" in low or "wrong version number" in low or "record layer failure" in low \
            or "packet length" in low or "http request" in low:
        return TlsError("tls", f"{host}:{port} does not speak TLS (is it plain HTTP?)")
    if "unsupported_protocol" in low or "no_protocols_available" in low or "unsupported protocol" in low \
            or "version" in low:
        return TlsError("tls", f"{host}:{port} refused this TLS version: {exc.reason or text}")
    return TlsError("tls", f"TLS handshake with {host}:{port} failed: {exc.reason or text}")


async def probe_tls(
    host: str,
    port: int = 443,
    resolver: Resolver | None = None,
    overrides: NetworkOverrides | None = None,
    ca_file: str | None = None,
    sni: str | None = None,
    timeout: float = 8.0,
) -> TlsInfo:
    """Handshake with host:port and describe the certificate and connection. Raises TlsError."""
    resolver = resolver or Resolver()
    overrides = overrides or resolver.overrides
    sni = sni or host
    started = time.perf_counter()
    to_host, to_port = overrides.route(host, port)
    lookup = await resolver.addresses(to_host, to_port)
    if not lookup.addresses:
        raise TlsError("dns", lookup.reason)
    captured = await asyncio.to_thread(_capture, host, port, lookup.addresses, to_port, sni, timeout)
    remote, chain_der, protocol, cipher, alpn = captured
    chain = [x509.load_der_x509_certificate(der) for der in chain_der]
    cert = chain[0]

    verified, verify_error = True, None
    try:
        _r, w2, _ = await _open(host, port, sni, verifying_context(ca_file), resolver, overrides, timeout)
        w2.close()
    except ssl.SSLCertVerificationError as exc:
        verified, verify_error = False, exc.verify_message or str(exc)
    except ssl.SSLError as exc:
        verified, verify_error = False, exc.reason or str(exc)
    except TlsError as exc:
        verified, verify_error = False, exc.message

    try:
        san_ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        sans = [str(v) for v in san_ext.value.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        sans = []
    return TlsInfo(
        host=host, port=port, verified=verified, verify_error=verify_error, protocol=protocol, cipher=cipher,
        alpn=alpn, subject=_name(cert.subject), issuer=_name(cert.issuer), sans=sans,
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"), sha256=cert.fingerprint(hashes.SHA256()).hex(),
        key=_key_desc(cert), remote_addr=remote, elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        self_signed=cert.issuer == cert.subject,
        chain=[{"subject": _name(c.subject), "issuer": _name(c.issuer),
                "not_after": c.not_valid_after_utc.isoformat()} for c in chain],
    )


def _capture(
    host: str, port: int, addresses: list[str], to_port: int, sni: str, timeout: float
) -> tuple[str, list[bytes], str | None, str | None, str | None]:
    """Blocking: connect, handshake without verification, return (remote, chain DER, protocol, cipher, alpn)."""
    deadline = time.monotonic() + timeout
    last: OSError | None = None
    for address in addresses:
        try:
            sock = socket.create_connection((address, to_port), timeout=max(deadline - time.monotonic(), 0.1))
        except OSError as exc:
            last = exc
            continue
        try:
            return (f"{address}:{to_port}", *_handshake(sock, host, port, sni, deadline))
        finally:
            sock.close()
    if isinstance(last, TimeoutError | socket.timeout):
        raise TlsError("timeout", f"{host}:{port} did not accept a connection within {timeout:g} s")
    if isinstance(last, ConnectionRefusedError):
        raise TlsError("connect", f"{host}:{port} refused the connection (nothing listening?)")
    raise TlsError("connect", f"could not connect to {host}:{port}: {last}")


def _handshake(
    sock: socket.socket, host: str, port: int, sni: str, deadline: float
) -> tuple[list[bytes], str | None, str | None, str | None]:
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE, lambda *_: True)  # capture only; the verdict is the stdlib handshake
    ctx.set_alpn_protos([b"h2", b"http/1.1"])
    sock.setblocking(False)
    conn = SSL.Connection(ctx, sock)
    conn.set_tlsext_host_name(sni.encode("idna"))
    conn.set_connect_state()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TlsError("timeout", f"{host}:{port} did not complete a TLS handshake in time")
        try:
            conn.do_handshake()
            break
        except SSL.WantReadError:
            select.select([sock], [], [], remaining)
        except SSL.WantWriteError:
            select.select([], [sock], [], remaining)
        except SSL.Error as exc:
            raise _plain_tls_error(host, port, ssl.SSLError(str(exc))) from None
        except OSError as exc:
            raise TlsError("tls", f"{host}:{port} closed the connection during the TLS handshake ({exc})") from None
    chain = conn.get_peer_cert_chain(as_cryptography=True) or []
    ders = [c.public_bytes(serialization.Encoding.DER) for c in chain]
    if not ders:
        raise TlsError("tls", f"{host}:{port} presented no certificate")
    alpn = conn.get_alpn_proto_negotiated()
    return ders, conn.get_protocol_version_name(), conn.get_cipher_name(), alpn.decode() if alpn else None
