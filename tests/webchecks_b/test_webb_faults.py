"""Faults: every part-B check ends in ``error`` or a measured status with a plain reason, never a traceback,
and the rest of the audit completes.

The faulty servers are real sockets on loopback started by the tests: one that sends its response
headers one byte per second, one that answers plain text on the TLS port (handshake failure), one
presenting a self-signed certificate, and a closed port (connection refused). The expired and
wrong-host certificates and the redirect loop are the lab's. Names are pinned with --resolve and
routed with --connect-to, so the checks' own network code is exercised unchanged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.lab import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")

OWNED = ("routing.http_to_https", "routing.canonical_host", "routing.redirect_chain", "routing.subdomains",
         "tls.cert_expiry", "tls.protocols", "http.mixed_content", "edge.static_cache", "edge.compression",
         "edge.api_not_cached", "edge.auth_pages_not_cached", "edge.http2")
TRICKLE_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"


class FaultServer:
    """A loopback TCP server (optionally TLS) running ``handler`` per connection; stops its own tasks."""

    def __init__(self, handler: Any, tls: ssl.SSLContext | None = None) -> None:
        self.handler, self.tls = handler, tls
        self.server: asyncio.Server | None = None
        self.port = 0
        self.connections = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> FaultServer:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                await self.handler(reader, writer)
            except (ConnectionError, asyncio.CancelledError, ssl.SSLError):
                pass
            finally:
                self._tasks.discard(task)
                writer.close()

        self.server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.sleep(0)


async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    for i in range(len(TRICKLE_HEAD)):  # one byte per second: at most ~60 s, cancelled at teardown
        writer.write(TRICKLE_HEAD[i:i + 1])
        await writer.drain()
        await asyncio.sleep(1)


async def not_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(100)
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()


def self_signed_context(directory: Path, name: str) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name), x509.DNSName(f"www.{name}")]), False)
            .sign(key, hashes.SHA256()))
    (directory / "ss.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "ss.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(directory / "ss.pem", directory / "ss.key")
    return ctx


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def routes(domain: str, https_port: int, http_port: int) -> dict[str, list[str]]:
    names = [domain, f"www.{domain}"]
    return {"resolve": [f"{n}:{p}:127.0.0.1" for n in names for p in (80, 443)],
            "connect_to": [f"{n}:443:127.0.0.1:{https_port}" for n in names]
            + [f"{n}:80:127.0.0.1:{http_port}" for n in names]}


async def audit(webb_context: Any, domain: str, https_port: int, http_port: int, timeout: float = 1.0,
                base: str = "good.test") -> dict[str, CheckResult]:
    r = routes(domain, https_port, http_port)
    async with webb_context(base=base, domain=domain, subdomains=[], app_url=None, api_url=None, endpoints=[],
                            health_url=None, http_timeout=timeout, extra_connect_to=r["connect_to"]) as ctx:
        ctx.resolver.overrides.resolve.update({(h.split(":")[0], int(h.split(":")[1])): ["127.0.0.1"]
                                               for h in r["resolve"]})
        results = await run_checks([catalogue.get(i) for i in OWNED], ctx)
    return {r.id: r for r in results}


def assert_plain(results: dict[str, CheckResult]) -> None:
    assert set(results) == set(OWNED)  # the whole audit completed
    for r in results.values():
        assert r.summary and "Traceback" not in r.summary and "could not run this check" not in r.summary, r
        assert "did not finish within" not in r.summary, f"{r.id} hit the runner's timeout: {r.summary}"


@pytest_asyncio.fixture(loop_scope="package")
async def trickle_servers() -> AsyncIterator[tuple[FaultServer, FaultServer]]:
    async with FaultServer(trickle) as plain, FaultServer(not_tls) as other:
        yield plain, other


async def test_headers_one_byte_per_second_is_an_error_not_a_fail(webb_context: Any,
                                                                  trickle_servers: tuple[Any, Any]) -> None:
    plain, _ = trickle_servers
    started = time.monotonic()
    results = await audit(webb_context, "trickle.test", closed_port(), plain.port, timeout=2.0)
    assert_plain(results)
    assert time.monotonic() - started < 20  # bounded by our timeouts (2 s per read, 6 s per response)
    http = results["routing.http_to_https"]
    assert http.status is Status.ERROR and "did not finish the response" in http.summary
    assert results["routing.redirect_chain"].status is not Status.FAIL or "refused" in \
        results["routing.redirect_chain"].summary
    assert plain.connections >= 1


async def test_connection_refused_everywhere(webb_context: Any) -> None:
    results = await audit(webb_context, "refused.test", closed_port(), closed_port())
    assert_plain(results)
    assert results["routing.http_to_https"].status is Status.PASS  # nothing on :80 = nothing to redirect
    for cid in ("tls.cert_expiry", "tls.protocols", "edge.http2", "http.mixed_content", "edge.compression"):
        assert results[cid].status is Status.ERROR, (cid, results[cid].summary)
    assert "refused" in results["http.mixed_content"].summary


async def test_tls_handshake_failure(webb_context: Any, trickle_servers: tuple[Any, Any]) -> None:
    _, other = trickle_servers
    results = await audit(webb_context, "nottls.test", other.port, closed_port())
    assert_plain(results)
    assert results["tls.cert_expiry"].status is Status.ERROR
    assert "does not speak TLS" in results["http.mixed_content"].summary
    assert results["routing.canonical_host"].status is Status.FAIL  # measured: no entry reaches a page


async def test_self_signed_certificate(webb_context: Any, tmp_path: Path) -> None:
    async def page(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async with FaultServer(page, self_signed_context(tmp_path, "selfsigned.test")) as server:
        results = await audit(webb_context, "selfsigned.test", server.port, closed_port())
    assert_plain(results)
    # the certificate is still read (and dated): expiry is judged on it, trust is tls.cert_valid's job
    assert results["tls.cert_expiry"].status is Status.PASS
    assert "not trusted" in results["http.mixed_content"].summary
    assert results["routing.canonical_host"].status is Status.FAIL


@pytest.mark.parametrize(("domain", "words"), [("expired.flawed.test", "expired"),
                                              ("wronghost.flawed.test", "not trusted")])
async def test_expired_and_wrong_host_certificates(webb_context: Any, domain: str, words: str) -> None:
    async with webb_context(base="flawed.test", domain=domain, subdomains=[], app_url=None, api_url=None,
                            endpoints=[], health_url=None) as ctx:
        results = {r.id: r for r in await run_checks([catalogue.get(i) for i in OWNED], ctx)}
    assert_plain(results)
    if domain.startswith("expired"):
        assert results["tls.cert_expiry"].status is Status.FAIL and "expired" in results["tls.cert_expiry"].summary
    else:  # a current certificate for another name: its dates are fine, trust is tls.cert_valid's finding
        assert results["tls.cert_expiry"].status is Status.PASS
    assert words in results["http.mixed_content"].summary or results["http.mixed_content"].status is Status.ERROR


async def test_dns_timeout_is_never_reported_as_missing(webb_lab: Lab, webb_context: Any) -> None:
    assert webb_lab.dns is not None
    webb_lab.dns.set_fault("flawed.test", mode="timeout")
    try:
        async with webb_context(base="flawed.test") as ctx:
            ctx.resolver.timeout = 0.3
            results = {r.id: r for r in await run_checks([catalogue.get(i) for i in OWNED], ctx)}
    finally:
        webb_lab.dns.set_fault("flawed.test")
    assert_plain(results)
    # pages still load (--connect-to needs no DNS); what depends on DNS answers is "could not check"
    for cid in ("routing.http_to_https", "routing.canonical_host", "routing.redirect_chain", "routing.subdomains",
                "tls.cert_expiry", "tls.protocols", "edge.http2"):
        assert results[cid].status is Status.ERROR, (cid, results[cid].summary)
    for r in results.values():
        assert "does not exist" not in r.summary and "not in DNS" not in r.summary, (r.id, r.summary)
