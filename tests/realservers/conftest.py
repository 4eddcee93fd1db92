"""Real Debian servers for the second test tier: nginx (HTTPS with a throwaway CA) and NSD.

Both run as our own child processes on free unprivileged ports of 127.0.0.1, with every file
(config, zone, pid, logs, temp dirs) in a pytest tmp dir, and are stopped at teardown even when a
test fails. A missing binary skips the tests, unless LAUNCHREADY_REQUIRE_REAL_SERVERS=1 (CI), where
it is a failure with a clear message. The process, port and PKI helpers are tests/support/realservers.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.realservers import TestPKI, make_pki, serve_nginx, serve_nsd

ZONE = "real.test"
LEAF_NAMES = ("www.real.test", "real.test")
# Names routed to nginx with --connect-to; other.real.test is NOT in the certificate (wrong-host tests).
ROUTED_HOSTS = ("www.real.test", "real.test", "other.real.test")
INDEX_MARKER = "launchready real-nginx index"
BIG_FILE_BYTES = 6 * 1024 * 1024  # above the HTTP client's default 5 MiB body cap

pytestmark = pytest.mark.realservers


# --------------------------------------------------------------------------- nginx


@dataclass(frozen=True)
class NginxServer:
    http_port: int
    https_port: int
    pki: TestPKI
    docroot: Path
    error_log: Path

    @property
    def ca_file(self) -> Path:
        return self.pki.ca_file

    @property
    def connect_to(self) -> list[str]:
        """curl-style --connect-to entries routing the test names' ports 443 and 80 to this nginx."""
        rules = [f"{h}:443:127.0.0.1:{self.https_port}" for h in ROUTED_HOSTS]
        rules += [f"{h}:80:127.0.0.1:{self.http_port}" for h in ROUTED_HOSTS]
        return rules


NGINX_HTTP = """\
    types {{ text/html html; application/javascript js; application/octet-stream bin; }}
    default_type application/octet-stream;
    server_tokens off;
    absolute_redirect off;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;

    # plain HTTP: everything goes to HTTPS on the same host
    server {{
        listen 127.0.0.1:{http_port} default_server;
        server_name _;
        return 301 https://$host$request_uri;
    }}
    # www is canonical and serves the static site (default server: other names get this cert too)
    server {{
        listen 127.0.0.1:{https_port} ssl http2 default_server;
        server_name www.real.test;
        root {docroot};
        add_header Strict-Transport-Security "max-age=31536000" always;
        add_header X-Content-Type-Options "nosniff" always;
        location = /loop-a {{ return 302 /loop-b; }}
        location = /loop-b {{ return 302 /loop-a; }}
    }}
    # the apex redirects to www
    server {{
        listen 127.0.0.1:{https_port} ssl http2;
        server_name real.test;
        return 301 https://www.real.test$request_uri;
    }}
"""


@pytest.fixture(scope="session")
def nginx_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NginxServer]:
    base = tmp_path_factory.mktemp("nginx")
    pki = make_pki(base, LEAF_NAMES)
    docroot = base / "www"
    docroot.mkdir()
    (docroot / "index.html").write_text(f"<!doctype html><title>real</title><p>{INDEX_MARKER}</p>\n")
    (docroot / "app.js").write_text("console.log('hello from nginx');\n")
    (docroot / "big.bin").write_bytes(b"x" * BIG_FILE_BYTES)
    with serve_nginx(base, NGINX_HTTP, ("http_port", "https_port"), cert=pki.leaf_cert_file,
                     key=pki.leaf_key_file, docroot=docroot) as ports:
        yield NginxServer(ports["http_port"], ports["https_port"], pki, docroot, base / "error.log")


# --------------------------------------------------------------------------- NSD


@dataclass(frozen=True)
class NsdServer:
    port: int
    zone: str
    log: Path

    @property
    def nameserver(self) -> str:
        """The --nameserver / Resolver(nameservers=[...]) form."""
        return f"127.0.0.1:{self.port}"


ZONE_FILE = """\
$ORIGIN real.test.
$TTL 300
@       IN SOA  ns1.real.test. hostmaster.real.test. 2024010101 3600 600 86400 300
@       IN NS   ns1.real.test.
ns1     IN A    127.0.0.1
@       IN A    127.0.0.1
@       IN AAAA ::1
www     IN A    127.0.0.1
www     IN AAAA ::1
mail    IN A    127.0.0.1
@       IN MX   10 mail.real.test.
@       IN TXT  "v=spf1 mx -all"
@       IN CAA  0 issue "letsencrypt.org"
_dmarc  IN TXT  "v=DMARC1; p=reject; rua=mailto:dmarc@real.test"
"""

@pytest.fixture(scope="session")
def nsd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NsdServer]:
    base = tmp_path_factory.mktemp("nsd")
    with serve_nsd(base, {ZONE: ZONE_FILE}) as port:
        yield NsdServer(port, ZONE, base / "nsd.log")
