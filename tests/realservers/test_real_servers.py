"""The network layer and the headless audit against real Debian servers (nginx, NSD) on loopback.

The first two tests check the fixtures themselves with plain dnspython and the stdlib, so a broken
fixture is told apart from a broken network layer. The rest import launchready_tui.net inside each
test: a module that is missing or broken fails that test, never the whole file.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import BIG_FILE_BYTES, INDEX_MARKER, LEAF_NAMES, NginxServer, NsdServer

pytestmark = pytest.mark.realservers

STATUSES = {"pass", "warn", "fail", "error", "skipped", "manual"}


# --------------------------------------------------------------------------- helpers


def _resolver(nsd: NsdServer, timeout: float = 2.0) -> Any:
    from launchready_tui.net.resolver import Resolver

    return Resolver(nameservers=[nsd.nameserver], timeout=timeout)


def _overrides(nginx: NginxServer) -> Any:
    from launchready_tui.net.overrides import NetworkOverrides

    return NetworkOverrides.parse(resolve=[], connect_to=nginx.connect_to)


@pytest.fixture
def silent_udp_port() -> Iterator[int]:
    """A UDP port that receives queries and never answers: a nameserver that times out."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


# --------------------------------------------------------------------------- the fixtures themselves


def test_nsd_fixture_serves_the_zone(nsd_server: NsdServer) -> None:
    import dns.message
    import dns.query
    import dns.rcode

    def ask(name: str, rdtype: str) -> list[str]:
        q = dns.message.make_query(name, rdtype)
        r = dns.query.udp(q, "127.0.0.1", port=nsd_server.port, timeout=2)
        assert r.rcode() == dns.rcode.NOERROR
        return sorted(rd.to_text() for rrset in r.answer for rd in rrset)

    assert ask("real.test", "A") == ["127.0.0.1"]
    assert ask("www.real.test", "AAAA") == ["::1"]
    assert ask("real.test", "MX") == ["10 mail.real.test."]
    assert any("v=spf1" in t for t in ask("real.test", "TXT"))
    assert ask("real.test", "CAA") == ['0 issue "letsencrypt.org"']


def test_nginx_fixture_serves_https_with_the_test_ca(nginx_server: NginxServer) -> None:
    ctx = ssl.create_default_context(cafile=str(nginx_server.ca_file))
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", nginx_server.https_port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="www.real.test") as tls:
            cert = tls.getpeercert()
            assert tls.selected_alpn_protocol() == "h2"
    sans = sorted(v for k, v in cert["subjectAltName"] if k == "DNS")
    assert sans == sorted(LEAF_NAMES)

    plain = http.client.HTTPConnection("127.0.0.1", nginx_server.http_port, timeout=5)
    plain.request("GET", "/x?y=1", headers={"Host": "www.real.test"})
    resp = plain.getresponse()
    assert (resp.status, resp.getheader("Location")) == (301, "https://www.real.test/x?y=1")
    plain.close()


# --------------------------------------------------------------------------- resolver


@pytest.mark.parametrize(
    ("name", "rdtype", "expected"),
    [
        ("real.test", "A", ["127.0.0.1"]),
        ("real.test", "AAAA", ["::1"]),
        ("www.real.test", "A", ["127.0.0.1"]),
        ("real.test", "MX", ["10 mail.real.test."]),
        ("real.test", "CAA", ['0 issue "letsencrypt.org"']),
    ],
)
async def test_resolver_ok(nsd_server: NsdServer, name: str, rdtype: str, expected: list[str]) -> None:
    from launchready_tui.net.resolver import DnsOutcome

    ans = await _resolver(nsd_server).query(name, rdtype)
    assert ans.outcome is DnsOutcome.OK, ans.reason
    assert sorted(ans.records) == expected
    assert ans.ttl == 300
    assert ans.elapsed_ms >= 0


async def test_resolver_txt_spf(nsd_server: NsdServer) -> None:
    from launchready_tui.net.resolver import DnsOutcome

    ans = await _resolver(nsd_server).query("real.test", "TXT")
    assert ans.outcome is DnsOutcome.OK
    assert any("v=spf1 mx -all" in r for r in ans.records)


async def test_resolver_nxdomain_is_not_no_answer(nsd_server: NsdServer) -> None:
    from launchready_tui.net.resolver import DnsOutcome

    r = _resolver(nsd_server)
    missing = await r.query("nope.real.test", "A")
    assert missing.outcome is DnsOutcome.NXDOMAIN
    assert missing.records == []
    no_mx = await r.query("www.real.test", "MX")  # the name exists, the type does not
    assert no_mx.outcome is DnsOutcome.NO_ANSWER
    assert no_mx.records == []


async def test_resolver_refused_outside_the_zone(nsd_server: NsdServer) -> None:
    from launchready_tui.net.resolver import DnsOutcome

    ans = await _resolver(nsd_server).query("example.com", "A")  # NSD is not authoritative: REFUSED
    assert ans.outcome is DnsOutcome.REFUSED
    assert ans.reason


async def test_resolver_timeout_is_not_nxdomain(silent_udp_port: int) -> None:
    from launchready_tui.net.resolver import DnsOutcome, Resolver

    r = Resolver(nameservers=[f"127.0.0.1:{silent_udp_port}"], timeout=0.5)
    ans = await r.query("real.test", "A")
    assert ans.outcome is DnsOutcome.TIMEOUT
    assert ans.records == []
    assert ans.reason


# --------------------------------------------------------------------------- HTTP client


async def test_fetch_https_through_resolver_and_connect_to(
    nsd_server: NsdServer, nginx_server: NginxServer
) -> None:
    from launchready_tui.net.http import HttpClient

    async with HttpClient(resolver=_resolver(nsd_server), overrides=_overrides(nginx_server),
                          ca_file=str(nginx_server.ca_file)) as http_client:
        resp = await http_client.fetch("https://www.real.test/")
    assert resp.status == 200
    assert INDEX_MARKER.encode() in resp.body
    assert resp.truncated is False
    assert resp.headers["strict-transport-security"] == "max-age=31536000"
    assert resp.http_version == "HTTP/2"  # SNI and ALPN h2 kept through the custom backend
    assert "127.0.0.1" in str(resp.remote_addr)
    t = resp.timings
    for phase in (t.dns_ms, t.connect_ms, t.tls_ms, t.ttfb_ms, t.total_ms):
        assert phase is not None and phase >= 0
    assert t.total_ms >= t.ttfb_ms


async def test_fetch_caps_a_huge_body(nsd_server: NsdServer, nginx_server: NginxServer) -> None:
    from launchready_tui.net.http import HttpClient

    async with HttpClient(resolver=_resolver(nsd_server), overrides=_overrides(nginx_server),
                          ca_file=str(nginx_server.ca_file)) as http_client:
        resp = await http_client.fetch("https://www.real.test/big.bin")
    assert resp.status == 200
    assert resp.truncated is True
    assert 0 < len(resp.body) < BIG_FILE_BYTES
    assert len(resp.body) <= 5 * 1024 * 1024


async def test_walk_http_to_https(nsd_server: NsdServer, nginx_server: NginxServer) -> None:
    from launchready_tui.net.http import HttpClient

    async with HttpClient(resolver=_resolver(nsd_server), overrides=_overrides(nginx_server),
                          ca_file=str(nginx_server.ca_file)) as http_client:
        walk = await http_client.walk("http://www.real.test/")
    assert [(h.url, h.status, h.location) for h in walk.hops] == [
        ("http://www.real.test/", 301, "https://www.real.test/"),
        ("https://www.real.test/", 200, None),
    ]
    assert walk.loop is False
    assert walk.final.status == 200


async def test_walk_apex_to_www_over_two_redirects(nsd_server: NsdServer, nginx_server: NginxServer) -> None:
    from launchready_tui.net.http import HttpClient

    async with HttpClient(resolver=_resolver(nsd_server), overrides=_overrides(nginx_server),
                          ca_file=str(nginx_server.ca_file)) as http_client:
        walk = await http_client.walk("http://real.test/app.js")
    assert [(h.url, h.status) for h in walk.hops] == [
        ("http://real.test/app.js", 301),
        ("https://real.test/app.js", 301),
        ("https://www.real.test/app.js", 200),
    ]
    assert walk.loop is False


async def test_walk_detects_a_redirect_loop(nsd_server: NsdServer, nginx_server: NginxServer) -> None:
    from launchready_tui.net.http import HttpClient

    async with HttpClient(resolver=_resolver(nsd_server), overrides=_overrides(nginx_server),
                          ca_file=str(nginx_server.ca_file)) as http_client:
        walk = await http_client.walk("https://www.real.test/loop-a")
    assert walk.loop is True
    urls = [h.url for h in walk.hops]
    assert urls[:2] == ["https://www.real.test/loop-a", "https://www.real.test/loop-b"]  # relative Location
    assert len(urls) <= 12


@pytest.mark.parametrize(
    ("url", "trust_test_ca"),
    [
        ("https://other.real.test/", True),  # certificate does not name this host
        ("https://www.real.test/", False),  # issuer not trusted without --ca-file
    ],
)
async def test_fetch_refuses_an_unverifiable_certificate(
    nsd_server: NsdServer, nginx_server: NginxServer, url: str, trust_test_ca: bool
) -> None:
    from launchready_tui.net.http import FetchError, HttpClient

    ca_file = str(nginx_server.ca_file) if trust_test_ca else None
    async with HttpClient(resolver=_resolver(nsd_server), overrides=_overrides(nginx_server),
                          ca_file=ca_file) as http_client:
        with pytest.raises(FetchError):
            await http_client.fetch(url)


# --------------------------------------------------------------------------- TLS probe


async def test_probe_tls_reads_the_real_certificate(nsd_server: NsdServer, nginx_server: NginxServer) -> None:
    from launchready_tui.net.tls import probe_tls

    info = await probe_tls("www.real.test", 443, resolver=_resolver(nsd_server),
                           overrides=_overrides(nginx_server), ca_file=str(nginx_server.ca_file))
    assert info.verified is True, info.verify_error
    assert not info.verify_error
    assert sorted(info.sans) == sorted(LEAF_NAMES)
    assert info.not_after.tzinfo is not None
    assert info.not_after == nginx_server.pki.leaf_cert.not_valid_after_utc
    assert info.not_after > dt.datetime.now(dt.UTC)
    assert info.protocol in ("TLSv1.3", "TLSv1.2")
    assert info.alpn in ("h2", "http/1.1")
    assert "launchready throwaway test CA" in str(info.issuer)


async def test_probe_tls_reports_an_untrusted_issuer(nsd_server: NsdServer, nginx_server: NginxServer) -> None:
    from launchready_tui.net.tls import probe_tls

    info = await probe_tls("www.real.test", 443, resolver=_resolver(nsd_server),
                           overrides=_overrides(nginx_server), ca_file=None)
    assert info.verified is False
    assert info.verify_error
    assert sorted(info.sans) == sorted(LEAF_NAMES)  # the certificate is still read and reported


# --------------------------------------------------------------------------- CLI end to end


def _audit(launchready_bin: Path, nsd: NsdServer, nginx: NginxServer, *extra: str,
           trust_test_ca: bool = True) -> subprocess.CompletedProcess[str]:
    argv = [str(launchready_bin), "audit", "--domain", "real.test", "--nameserver", nsd.nameserver,
            "--format", "json", *extra]
    if trust_test_ca:
        argv += ["--ca-file", str(nginx.ca_file)]
    for rule in nginx.connect_to:
        argv += ["--connect-to", rule]
    return subprocess.run(argv, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def _checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for s in report["stages"] for c in s["checks"]}


def test_cli_audit_against_real_servers(
    launchready_bin: Path, nsd_server: NsdServer, nginx_server: NginxServer
) -> None:
    proc = _audit(launchready_bin, nsd_server, nginx_server)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["schema"] == "launchready.report/1"
    assert report["project"]["domain"] == "real.test"
    assert [s["number"] for s in report["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    checks = _checks(report)
    assert all(c["status"] in STATUSES for c in checks.values())
    assert sum(report["counts"].values()) == len(checks)
    for check_id in ("dns.resolves", "http.https_works", "tls.cert_valid"):
        assert checks[check_id]["status"] == "pass", checks[check_id]
    statuses = {c["status"] for c in checks.values()}
    assert proc.returncode == (1 if "fail" in statuses else 0)  # default --fail-on fail


def test_cli_audit_without_the_test_ca_fails_tls(
    launchready_bin: Path, nsd_server: NsdServer, nginx_server: NginxServer
) -> None:
    trusted = _audit(launchready_bin, nsd_server, nginx_server, "--check", "tls.cert_valid")
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert _checks(json.loads(trusted.stdout))["tls.cert_valid"]["status"] == "pass"
    # the same audit trusting only the system store: the certificate is now a finding (exit 1)
    untrusted = _audit(launchready_bin, nsd_server, nginx_server, "--check", "tls.cert_valid",
                       trust_test_ca=False)
    assert untrusted.returncode == 1, untrusted.stdout + untrusted.stderr
    assert _checks(json.loads(untrusted.stdout))["tls.cert_valid"]["status"] == "fail"
