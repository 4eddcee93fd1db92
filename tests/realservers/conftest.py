"""Real Debian servers for the second test tier: nginx (HTTPS with a throwaway CA) and NSD.

Both run as our own child processes on free unprivileged ports of 127.0.0.1, with every file
(config, zone, pid, logs, temp dirs) in a pytest tmp dir, and are stopped at teardown even when a
test fails. A missing binary skips the tests, unless LAUNCHREADY_REQUIRE_REAL_SERVERS=1 (CI), where
it is a failure with a clear message.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REQUIRE_ENV = "LAUNCHREADY_REQUIRE_REAL_SERVERS"
ZONE = "real.test"
LEAF_NAMES = ("www.real.test", "real.test")
# Names routed to nginx with --connect-to; other.real.test is NOT in the certificate (wrong-host tests).
ROUTED_HOSTS = ("www.real.test", "real.test", "other.real.test")
INDEX_MARKER = "launchready real-nginx index"
BIG_FILE_BYTES = 6 * 1024 * 1024  # above the HTTP client's default 5 MiB body cap
START_TIMEOUT_S = 15.0
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])

pytestmark = pytest.mark.realservers


def require_binary(name: str, package: str) -> str:
    path = shutil.which(name, path=_SEARCH_PATH)
    if path is not None:
        return path
    msg = f"{name} is not installed (Debian package {package!r}; `make test` installs it when run as root)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {msg}", pytrace=False)
    pytest.skip(msg)


def free_port(udp_too: bool = False) -> int:
    """A port free on 127.0.0.1 for TCP (and UDP when asked). The caller retries on a lost race."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            if not udp_too:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on 127.0.0.1")


# --------------------------------------------------------------------------- test PKI


@dataclass(frozen=True)
class TestPKI:
    ca_cert: x509.Certificate
    leaf_cert: x509.Certificate
    ca_file: Path  # PEM of the CA: pass as --ca-file / ca_file=
    leaf_cert_file: Path  # leaf + CA chain, for nginx
    leaf_key_file: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "launchready tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(directory: Path) -> TestPKI:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("launchready throwaway test CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(LEAF_NAMES[0])).issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after((now + dt.timedelta(days=30)).replace(microsecond=0))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in LEAF_NAMES]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_file = directory / "test-ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(pem))
    leaf_cert_file = directory / "leaf-chain.pem"
    leaf_cert_file.write_bytes(leaf_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    leaf_key_file = directory / "leaf.key"
    leaf_key_file.write_bytes(leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    leaf_key_file.chmod(0o600)
    return TestPKI(ca_cert, leaf_cert, ca_file, leaf_cert_file, leaf_key_file)


# --------------------------------------------------------------------------- processes


class ServerStartError(RuntimeError):
    pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop our own child and the process group it leads (nginx workers, nsd children), by id only."""
    pgid = proc.pid  # start_new_session=True: the child leads its own group
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    deadline = time.monotonic() + 3
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _log_tail(*paths: Path, lines: int = 30) -> str:
    out = []
    for p in paths:
        if p.exists():
            text = p.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {p.name}\n" + "\n".join(text))
    return "\n".join(out) or "(no log output)"


@contextmanager
def run_server(argv: list[str], logs: list[Path], ready: Callable[[], bool],
               name: str) -> Iterator[subprocess.Popen[bytes]]:
    console = logs[0]
    with console.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise ServerStartError(f"{name} exited with code {proc.returncode} at start:\n"
                                       f"{' '.join(argv)}\n{_log_tail(*logs)}")
            if ready():
                break
            if time.monotonic() > deadline:
                raise ServerStartError(f"{name} did not answer within {START_TIMEOUT_S:.0f} s:\n"
                                       f"{_log_tail(*logs)}")
            time.sleep(0.05)
        yield proc
    finally:
        _stop(proc)


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


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


NGINX_CONF = """\
{user}worker_processes 1;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/temp/client_body;
    proxy_temp_path {tmp}/temp/proxy;
    fastcgi_temp_path {tmp}/temp/fastcgi;
    uwsgi_temp_path {tmp}/temp/uwsgi;
    scgi_temp_path {tmp}/temp/scgi;
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
}}
"""


@pytest.fixture(scope="session")
def nginx_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NginxServer]:
    binary = require_binary("nginx", "nginx")
    base = tmp_path_factory.mktemp("nginx")
    pki = make_pki(base)
    docroot = base / "www"
    docroot.mkdir()
    (docroot / "index.html").write_text(f"<!doctype html><title>real</title><p>{INDEX_MARKER}</p>\n")
    (docroot / "app.js").write_text("console.log('hello from nginx');\n")
    (docroot / "big.bin").write_bytes(b"x" * BIG_FILE_BYTES)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (base / "temp" / sub).mkdir(parents=True)
    # As root the master would hand the workers to www-data, who cannot read the 0700 tmp dir.
    user = "user root;\n" if os.geteuid() == 0 else ""
    last_error: Exception | None = None
    for _attempt in range(3):
        http_port, https_port = free_port(), free_port()
        conf = base / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            user=user, tmp=base, cert=pki.leaf_cert_file, key=pki.leaf_key_file, docroot=docroot,
            http_port=http_port, https_port=https_port))
        argv = [binary, "-p", f"{base}/", "-c", str(conf), "-e", str(base / "error.log"),
                "-g", f"daemon off; pid {base}/nginx.pid;"]
        try:
            with run_server(argv, [base / "console.log", base / "error.log"],
                            lambda h=http_port, s=https_port: _tcp_open(h) and _tcp_open(s), "nginx"):
                yield NginxServer(http_port, https_port, pki, docroot, base / "error.log")
                return
        except ServerStartError as exc:
            if "Address already in use" not in str(exc):
                raise
            last_error = exc
    raise ServerStartError(f"nginx could not get free ports: {last_error}")


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

NSD_CONF = """\
server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    do-ip6: no
    server-count: 1
    reuseport: no
    verbosity: 1
    hide-version: yes
    username: ""
    chroot: ""
    database: ""
    zonesdir: "{tmp}"
    zonelistfile: "{tmp}/zone.list"
    pidfile: "{tmp}/nsd.pid"
    xfrdfile: "{tmp}/xfrd.state"
    xfrdir: "{tmp}"
    logfile: "{tmp}/nsd.log"
remote-control:
    control-enable: no
zone:
    name: "{zone}"
    zonefile: "{zone}.zone"
"""


def _nsd_answers(port: int) -> bool:
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode

    try:
        resp = dns.query.udp(dns.message.make_query(ZONE, "SOA"), "127.0.0.1", port=port, timeout=0.3)
    except (dns.exception.DNSException, OSError):
        return False
    return resp.rcode() == dns.rcode.NOERROR and bool(resp.answer)


@pytest.fixture(scope="session")
def nsd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NsdServer]:
    binary = require_binary("nsd", "nsd")
    base = tmp_path_factory.mktemp("nsd")
    (base / f"{ZONE}.zone").write_text(ZONE_FILE)
    last_error: Exception | None = None
    for _attempt in range(3):
        port = free_port(udp_too=True)
        conf = base / "nsd.conf"
        conf.write_text(NSD_CONF.format(port=port, tmp=base, zone=ZONE))
        argv = [binary, "-d", "-c", str(conf)]
        try:
            with run_server(argv, [base / "console.log", base / "nsd.log"],
                            lambda p=port: _nsd_answers(p), "nsd"):
                yield NsdServer(port, ZONE, base / "nsd.log")
                return
        except ServerStartError as exc:
            if "in use" not in str(exc):
                raise
            last_error = exc
    raise ServerStartError(f"nsd could not get a free port: {last_error}")
