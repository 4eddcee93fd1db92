"""Part A checks against real Debian servers on loopback: nginx (headers, CORS, cookies, IPv6 listeners,
an IDN host, invalid UTF-8) and NSD (signed and bogus DNSSEC zones, CAA, AAAA), each configured per case.

The test CA calls itself "Let's Encrypt" (trusted only through --ca-file) so the CAA check can map the
live certificate's issuer to letsencrypt.org, as it does for real certificates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.dnssec
import dns.rdatatype
import dns.zone
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.realservers import TestPKI, make_pki, serve_nginx, serve_nsd

from launchready_tui.checks import dns_basics, headers, providers
from launchready_tui.checks.base import CheckOptions
from launchready_tui.checks.context import NetworkOptions, check_context
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import Impact, Status
from launchready_tui.core.project import parse_project

pytestmark = [pytest.mark.realservers, pytest.mark.asyncio]

IDN = "xn--bcher-kva.test"  # bücher.test
V4_NAMES = ["hard", "cors", "render", "badutf", "caa"]
V6_NAMES = ["v6ok", "v6dead", "v6diff"]
ALL_NAMES = [f"{n}.weba.test" for n in V4_NAMES + V6_NAMES] + [IDN, "signed.test", "bogus.test"]
WEBA_IDS = ("stack.providers", "dns.cloudflare_proxy", "edge.cdn", "edge.waf", "domain.registration",
            "dns.dnssec_caa", "dns.ipv6", "http.security_headers", "http.hsts", "http.cookies")


# --------------------------------------------------------------------------- PKI named like a public CA


def _pki(base: Path) -> TestPKI:
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Let's Encrypt"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "R11 launchready test")])
    return make_pki(base, [*ALL_NAMES, *(f"www.{n}" for n in ALL_NAMES)], ca_name=ca_name, ca_days=30, leaf_days=80)


# --------------------------------------------------------------------------- nginx, one server block per case

HARD = """
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
        add_header Content-Security-Policy "default-src 'self'; object-src 'none'; frame-ancestors 'none'" always;
        add_header X-Content-Type-Options nosniff always;
        add_header Referrer-Policy no-referrer always;
        add_header Set-Cookie "__Host-sid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax" always;"""
CORS = """
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Allow-Credentials true always;"""
RENDER = """
        add_header x-render-origin-server Render always;
        add_header cf-ray 8f1e2d3c4b5a6978-AMS always;"""

NGINX_HTTP = """\
    types {{ text/html html; }}
    default_type text/html;
    charset utf-8;
    server_tokens off;
    ssl_certificate {chain};
    ssl_certificate_key {key};
    server {{ listen 127.0.0.1:{main} ssl default_server; server_name _; root {tmp}/www; }}
    server {{ listen 127.0.0.1:{main} ssl; server_name hard.weba.test www.hard.weba.test; root {tmp}/www; {hard} }}
    server {{ listen 127.0.0.1:{main} ssl; server_name cors.weba.test www.cors.weba.test; root {tmp}/www; {cors} }}
    server {{ listen 127.0.0.1:{main} ssl; server_name render.weba.test www.render.weba.test; root {tmp}/www;
              {render} }}
    server {{ listen 127.0.0.1:{main} ssl; server_name badutf.weba.test www.badutf.weba.test; root {tmp}/badutf; }}
    server {{ listen 127.0.0.1:{both} ssl; listen [::1]:{both} ssl; server_name _; root {tmp}/www; }}
    server {{ listen 127.0.0.1:{v4only} ssl; server_name _; root {tmp}/www; }}
    server {{ listen 127.0.0.1:{diff} ssl; server_name _; root {tmp}/www; }}
    server {{ listen [::1]:{diff} ssl; server_name _; root {tmp}/old; }}
"""


@dataclass(frozen=True)
class Nginx:
    ports: dict[str, int]
    ca_file: Path

    def connect_to(self) -> list[str]:
        port_of = {"v6ok": "both", "v6dead": "v4only", "v6diff": "diff"}
        out = []
        for name in ALL_NAMES:
            label = name.split(".")[0]
            port = self.ports[port_of.get(label, "main")]
            # route by port only: the name still resolves through NSD, so both address families are real
            out += [f"{name}:443:{name}:{port}", f"www.{name}:443:{name}:{port}"]
        return out


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    base = tmp_path_factory.mktemp("weba-nginx")
    pki = _pki(base)
    for sub in ("www", "old", "badutf"):
        (base / sub).mkdir(parents=True)
    (base / "www" / "index.html").write_text("<!doctype html><title>current</title><p>" + "current site " * 200)
    (base / "old" / "index.html").write_text("<!doctype html><title>old</title><p>" + "an old server " * 10)
    (base / "badutf" / "index.html").write_bytes(
        b"<!doctype html><title>\xff\xfe broken \xc3</title><script src=\"https://cdn.example.org/x.js\"></script>")
    with serve_nginx(base, NGINX_HTTP, ("main", "both", "v4only", "diff"), connections=128, chain=pki.leaf_cert_file,
                     key=pki.leaf_key_file, hard=HARD, cors=CORS, render=RENDER) as ports:
        yield Nginx(ports, pki.ca_file)


# --------------------------------------------------------------------------- NSD: parent, signed and bogus zones


def _signed_zone(origin: str, key: ec.EllipticCurvePrivateKey) -> tuple[str, Any]:
    text = ("$TTL 300\n@ SOA ns1.test. host.test. 1 3600 600 86400 300\n@ NS ns1.test.\n"
            "@ A 127.0.0.1\nwww A 127.0.0.1\n")
    zone = dns.zone.from_text(text, origin=origin + ".", relativize=False)
    dnskey = dns.dnssec.make_dnskey(key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257)
    with zone.writer() as txn:
        dns.dnssec.sign_zone(zone, txn=txn, keys=[(key, dnskey)], lifetime=86400)
    return zone.to_text(), dnskey


def _zones() -> dict[str, str]:
    good_key, bogus_key, other_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    signed_text, signed_dnskey = _signed_zone("signed.test", good_key)
    bogus_text, _ = _signed_zone("bogus.test", bogus_key)
    other_dnskey = dns.dnssec.make_dnskey(other_key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257)
    ds_good = dns.dnssec.make_ds("signed.test.", signed_dnskey, "SHA256")
    ds_bogus = dns.dnssec.make_ds("bogus.test.", other_dnskey, "SHA256")  # matches no key of bogus.test
    head = "$TTL 300\n@ SOA ns1.test. host.test. 1 3600 600 86400 300\n@ NS ns1.test.\n"
    parent = head + "ns1 A 127.0.0.1\n" + "".join(
        f"{c} NS ns1.test.\n" for c in ("signed", "bogus", "weba", "xn--bcher-kva")) + \
        f"signed DS {ds_good.to_text()}\nbogus DS {ds_bogus.to_text()}\n"
    weba = head
    for label in V4_NAMES + V6_NAMES:
        weba += f"{label} A 127.0.0.1\nwww.{label} A 127.0.0.1\n"
    for label in V6_NAMES:
        weba += f"{label} AAAA ::1\n"
    weba += 'caa CAA 0 issue "pki.goog"\nhard CAA 0 issue "letsencrypt.org"\n'
    idn = head + "@ A 127.0.0.1\nwww A 127.0.0.1\n"
    return {"test": parent, "signed.test": signed_text, "bogus.test": bogus_text, "weba.test": weba, IDN: idn}


@pytest.fixture(scope="module")
def nsd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_nsd(tmp_path_factory.mktemp("weba-nsd"), _zones()) as port:
        yield f"127.0.0.1:{port}"


def _ctx(domain: str, nginx: Nginx, nsd: str, **extra: Any) -> Any:
    data = {"version": 1, "domain": domain, "subdomains": [],
            "endpoints": [{"name": "home", "url": f"https://{domain}/"}], "rdap": {"refresh": False},
            "network": {"nameservers": [nsd], "connect_to": nginx.connect_to(), "ca_file": str(nginx.ca_file)}}
    project, _ = parse_project(yaml.safe_dump(data))
    return check_context(project, Path.cwd(), NetworkOptions(http_timeout=5), CheckOptions(extra=extra))


# --------------------------------------------------------------------------- tests


async def test_hardened_nginx_passes_headers_hsts_and_cookies(nginx: Nginx, nsd: str) -> None:
    async with _ctx("hard.weba.test", nginx, nsd) as ctx:
        sec, hsts, cookies = (await headers.http_security_headers(ctx), await headers.http_hsts(ctx),
                              await headers.http_cookies(ctx))
    assert sec.status is Status.PASS and sec.evidence["score"] >= 90, sec.summary
    assert hsts.status is Status.PASS, hsts.summary
    assert cookies.status is Status.PASS and "__Host-sid" in cookies.summary
    assert "abc123" not in str(cookies.evidence)


async def test_reflected_origin_with_credentials_fails_as_data_leak(nginx: Nginx, nsd: str) -> None:
    async with _ctx("cors.weba.test", nginx, nsd) as ctx:
        out = await headers.http_security_headers(ctx)
    assert out.status is Status.FAIL and out.impact is Impact.DATA_LEAK
    results = [m["result"] for m in out.evidence["pages"][0]["modifiers"]]
    assert "cors-implemented-with-universal-access" in results


async def test_cf_ray_on_a_render_app_is_renders_cloudflare(nginx: Nginx, nsd: str) -> None:
    async with _ctx("render.weba.test", nginx, nsd) as ctx:
        out = await providers.stack_providers(ctx)
        web = await fix_provider(ctx, "web")
    ev = out.evidence
    assert ev["hosting"] == "render" and ev["cdn"] == "cloudflare"
    assert ev["operated_by"] == {"cloudflare": "render"}
    assert any("Render's own Cloudflare edge" in c for c in ev["caveats"])
    assert web == "render"  # fixes go to Render's dashboard, not a Cloudflare account the founder lacks


async def test_invalid_utf8_html_is_scored_without_a_traceback(nginx: Nginx, nsd: str) -> None:
    async with _ctx("badutf.weba.test", nginx, nsd) as ctx:
        out = await headers.http_security_headers(ctx)
    assert out.status in (Status.FAIL, Status.WARN), out.summary
    sri = next(m for m in out.evidence["pages"][0]["modifiers"] if m["test"] == "subresource-integrity")
    assert sri["result"] == "sri-not-implemented-but-external-scripts-loaded-securely" and sri["points"] == -5


async def test_ipv6_dialled_per_family_pass_dead_and_different(nginx: Nginx, nsd: str) -> None:
    expected = {"v6ok": Status.PASS, "v6dead": Status.FAIL, "v6diff": Status.WARN}
    for label, status in expected.items():
        async with _ctx(f"{label}.weba.test", nginx, nsd) as ctx:
            out = await dns_basics.dns_ipv6(ctx)
        assert out.status is status, (label, out.summary)
        if status is Status.FAIL:
            assert out.blocker and out.impact is Impact.DOWNTIME and "refused" in out.summary
        row = out.evidence["hosts"][f"{label}.weba.test"]
        assert row["aaaa"] == ["::1"]
        if label != "v6dead":
            assert row["ipv6"]["remote_addr"].startswith("::1")


async def test_dnssec_signed_passes_and_bogus_ds_fails_as_blocker(nginx: Nginx, nsd: str) -> None:
    async with _ctx("signed.test", nginx, nsd) as ctx:
        good = await dns_basics.dns_dnssec_caa(ctx)
    assert good.status is Status.PASS and good.evidence["dnssec"]["state"] == "signed", good.summary
    async with _ctx("bogus.test", nginx, nsd) as ctx:
        bad = await dns_basics.dns_dnssec_caa(ctx)
    assert bad.status is Status.FAIL and bad.blocker and bad.impact is Impact.DOWNTIME
    assert "matches none" in bad.summary


async def test_caa_that_excludes_the_current_ca_warns_before_renewal_breaks(nginx: Nginx, nsd: str) -> None:
    async with _ctx("caa.weba.test", nginx, nsd) as ctx:
        bad = await dns_basics.dns_dnssec_caa(ctx)
    assert bad.status is Status.WARN and bad.impact is Impact.DOWNTIME, bad.summary
    assert "Let's Encrypt" in bad.summary and "pki.goog" in bad.summary
    assert bad.fix and 'issue "letsencrypt.org"' in bad.fix
    async with _ctx("hard.weba.test", nginx, nsd) as ctx:
        ok = await dns_basics.dns_dnssec_caa(ctx)
    assert ok.status is Status.PASS and any("covers your current CA" in n for n in ok.evidence["notes"])


async def test_idn_domain_runs_every_check_in_punycode(nginx: Nginx, nsd: str) -> None:
    async with _ctx("bücher.test", nginx, nsd) as ctx:
        assert ctx.project.domain == IDN
        results = await run_checks([catalogue.get(i) for i in WEBA_IDS], ctx)
    for r in results:
        assert "could not run this check" not in r.summary, (r.id, r.summary)
    by_id = {r.id: r for r in results}
    assert by_id["http.security_headers"].status is Status.FAIL  # plain nginx: no headers at all
    assert IDN in by_id["http.security_headers"].summary
    assert by_id["domain.registration"].status is Status.SKIPPED  # no RDAP for .test in the bundled bootstrap
