"""Real-server tier for the part-B checks: Debian nginx configured per case, NSD for the zone.

One nginx runs several cases as virtual hosts (a certificate from a throwaway CA covers them all):
``real.test``/``www.real.test`` done right (301s, HTTP/2, TLS 1.2+1.3, gzip, long-lived fingerprinted
assets, private API), ``flawed.real.test`` on its own port done wrong (plain HTTP, TLS 1.2 only,
HTTP/1.1, no gzip, no-store assets, public API and account page, http:// script), ``loop.real.test``
(a loop behind a CF-Ray header: the Cloudflare "Flexible" hint), ``chain20.real.test`` (20 hops) and
``big.real.test`` (a 50 MiB page). Skipped when nginx/nsd are absent, unless
LAUNCHREADY_REQUIRE_REAL_SERVERS=1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from realservers.conftest import NsdServer
from support.realservers import serve_nginx

from launchready_tui.checks.context import NetworkOptions, check_context
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.core.project import parse_project
from launchready_tui.lab.ca import LabCA

pytestmark = pytest.mark.realservers

NAMES = ["real.test", "www.real.test", "flawed.real.test", "loop.real.test", "chain20.real.test", "big.real.test"]
BIG_BYTES = 50 * 1024 * 1024
CSS = "body{font-family:system-ui;margin:2rem}" + "/*pad*/" * 400
PAGE = ('<!doctype html><html><head><title>real</title><link rel="stylesheet" href="/static/app.3f9a1c2e.css">'
        '{extra}</head><body>' + "<p>Lorem ipsum dolor sit amet, consectetur adipiscing.</p>" * 80 + "</body></html>")

CONF = """\
    types {{ text/html html; text/css css; application/json json; }}
    default_type application/octet-stream;
    server_tokens off;
    absolute_redirect off;
    ssl_certificate {cert};
    ssl_certificate_key {key};

    server {{  # plain HTTP: every good name goes to https on the same host; flawed serves content
        listen 127.0.0.1:{http_port} default_server;
        server_name _;
        return 301 https://$host$request_uri;
    }}
    server {{
        listen 127.0.0.1:{http_port};
        server_name flawed.real.test;
        root {tmp}/flawed;
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl http2 default_server;
        ssl_protocols TLSv1.2 TLSv1.3;
        server_name real.test;
        root {tmp}/good;
        gzip on; gzip_types text/css application/json; gzip_min_length 256;
        location /static/ {{ expires 1y; add_header Cache-Control "public, immutable" always; }}
        location = /api/me {{ default_type application/json; add_header Cache-Control "private, no-store" always;
                              add_header Vary "Cookie, Authorization" always; try_files /me.json =404; }}
        location = /account {{ add_header Cache-Control "private, no-store" always;
                               add_header Set-Cookie "session=x; Secure; HttpOnly" always;
                               try_files /index.html =404; }}
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl http2;
        server_name www.real.test;
        return 301 https://real.test$request_uri;
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl http2;
        server_name loop.real.test;
        add_header CF-Ray "8a1b2c3d4e5f-AMS" always;
        location = / {{ return 302 /a; }}
        location = /a {{ return 302 /; }}
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl http2;
        server_name chain20.real.test;
        location = / {{ return 302 /h1; }}
{chain}
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl http2;
        server_name big.real.test;
        root {tmp}/big;
    }}
    server {{  # the flawed site on its own port: TLS 1.2 only, no HTTP/2, no compression
        listen 127.0.0.1:{flawed_port} ssl;
        ssl_protocols TLSv1.2;
        server_name flawed.real.test;
        root {tmp}/flawed;
        location /static/ {{ add_header Cache-Control "no-store" always; }}
        location = /api/me {{ default_type application/json; add_header Cache-Control "public, max-age=300" always;
                              try_files /me.json =404; }}
        location = /account {{ add_header Cache-Control "public, max-age=600" always; try_files /index.html =404; }}
    }}
"""


@dataclass(frozen=True)
class Nginx:
    http_port: int
    https_port: int
    flawed_port: int
    ca_file: Path

    def connect_to(self) -> list[str]:
        out = [f"flawed.real.test:443:127.0.0.1:{self.flawed_port}"]
        out += [f"{n}:443:127.0.0.1:{self.https_port}" for n in NAMES if n != "flawed.real.test"]
        out += [f"{n}:80:127.0.0.1:{self.http_port}" for n in NAMES]
        return out


def _site(root: Path, extra: str = "") -> None:
    (root / "static").mkdir(parents=True)
    (root / "index.html").write_text(PAGE.format(extra=extra))
    (root / "static" / "app.3f9a1c2e.css").write_text(CSS)
    (root / "me.json").write_text('{"id": 42, "email": "demo@real.test", "plan": "pro", "pad": "' + "x" * 2000 + '"}')


@pytest.fixture(scope="module")
def nginx_cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    base = tmp_path_factory.mktemp("webb-nginx")
    leaf = LabCA(base / "ca").issue("webb", NAMES, valid_days=60)
    _site(base / "good")
    _site(base / "flawed", '<script src="http://flawed.real.test/static/analytics.js"></script>')
    (base / "big").mkdir()
    with (base / "big" / "index.html").open("wb") as fh:  # 50 MiB of HTML, written in chunks
        fh.write(b"<!doctype html><html><body>")
        chunk = b"<p>" + b"x" * 1020 + b"</p>\n"
        for _ in range(BIG_BYTES // len(chunk)):
            fh.write(chunk)
    chain = "\n".join(f"        location = /h{i} {{ return 302 /h{i + 1}; }}" for i in range(1, 21))
    with serve_nginx(base, CONF, ("http_port", "https_port", "flawed_port"), cert=leaf.cert_file,
                     key=leaf.key_file, chain=chain) as ports:
        yield Nginx(ports["http_port"], ports["https_port"], ports["flawed_port"], ca_file=base / "ca" / "lab-ca.pem")


OWNED = ("routing.http_to_https", "routing.canonical_host", "routing.redirect_chain", "tls.cert_expiry",
         "tls.protocols", "http.mixed_content", "edge.static_cache", "edge.compression", "edge.api_not_cached",
         "edge.auth_pages_not_cached", "edge.http2")


async def _audit(nginx: Nginx, nsd: NsdServer, domain: str, tmp_path: Path, ids: tuple[str, ...] = OWNED,
                 **opts: Any) -> dict[str, CheckResult]:
    pins = [f"{n}:{p}:127.0.0.1" for n in NAMES if n not in ("real.test", "www.real.test") for p in (80, 443)]
    data = {"version": 1, "domain": domain, "subdomains": [],
            "network": {"nameservers": [nsd.nameserver], "resolve": pins, "connect_to": nginx.connect_to(),
                        "ca_file": str(nginx.ca_file)}}
    project, _ = parse_project(yaml.safe_dump(data))
    async with check_context(project, tmp_path, NetworkOptions(**opts)) as ctx:
        results = await run_checks([catalogue.get(i) for i in ids], ctx)
    return {r.id: r for r in results}


async def test_nginx_done_right_passes(nginx_cases: Nginx, nsd_server: NsdServer, tmp_path: Path) -> None:
    results = await _audit(nginx_cases, nsd_server, "real.test", tmp_path)
    bad = {i: (r.status.value, r.summary) for i, r in results.items() if r.status is not Status.PASS}
    assert not bad, bad
    assert results["edge.http2"].evidence["hosts"][0]["alpn"] == "h2"
    versions = results["tls.protocols"].evidence["hosts"][0]["versions"]
    assert versions["TLSv1.2"] == versions["TLSv1.3"] == "yes"
    assert versions["TLSv1.1"] == "no" or versions["TLSv1.1"].startswith("unknown")
    api = results["edge.api_not_cached"].evidence["responses"]
    assert any(r["url"] == "https://real.test/api/me" and r["verdict"] == "pass" for r in api)


async def test_nginx_done_wrong_fails(nginx_cases: Nginx, nsd_server: NsdServer, tmp_path: Path) -> None:
    results = await _audit(nginx_cases, nsd_server, "flawed.real.test", tmp_path)
    expected = {"routing.http_to_https": Status.FAIL, "tls.protocols": Status.WARN, "http.mixed_content": Status.FAIL,
                "edge.static_cache": Status.FAIL, "edge.compression": Status.FAIL, "edge.api_not_cached": Status.FAIL,
                "edge.auth_pages_not_cached": Status.FAIL, "edge.http2": Status.WARN}
    assert {i: results[i].status for i in expected} == expected, {i: results[i].summary for i in expected}
    assert "does not offer TLS 1.3" in results["tls.protocols"].summary
    assert "without Vary" in results["edge.api_not_cached"].summary


async def test_loop_behind_cloudflare_gets_the_flexible_hint(nginx_cases: Nginx, nsd_server: NsdServer,
                                                            tmp_path: Path) -> None:
    result = (await _audit(nginx_cases, nsd_server, "loop.real.test", tmp_path,
                           ("routing.redirect_chain",)))["routing.redirect_chain"]
    assert result.status is Status.FAIL and result.blocker
    assert "loop" in result.summary and "Flexible" in result.summary and "Full (strict)" in result.summary
    assert result.evidence["cloudflare_seen"] is True


async def test_twenty_hop_chain_is_cut_at_the_cap(nginx_cases: Nginx, nsd_server: NsdServer, tmp_path: Path) -> None:
    result = (await _audit(nginx_cases, nsd_server, "chain20.real.test", tmp_path,
                           ("routing.redirect_chain",)))["routing.redirect_chain"]
    assert result.status is Status.FAIL
    assert "more than 10 redirects" in result.summary
    assert len(result.evidence["hops"]) == 11  # the cap bounds the requests too


async def test_fifty_mib_page_is_read_up_to_the_cap(nginx_cases: Nginx, nsd_server: NsdServer,
                                                     tmp_path: Path) -> None:
    results = await _audit(nginx_cases, nsd_server, "big.real.test", tmp_path,
                           ("http.mixed_content", "edge.static_cache", "edge.compression", "routing.canonical_host"))
    for r in results.values():
        assert r.status in (Status.PASS, Status.WARN, Status.FAIL, Status.ERROR, Status.SKIPPED), r
        assert "Traceback" not in r.summary
    page = results["http.mixed_content"].evidence["pages"][0]
    assert "judged on its start" in page["note"]
    assert results["http.mixed_content"].status is Status.PASS
    assert results["edge.static_cache"].status is Status.SKIPPED  # no assets on that page
