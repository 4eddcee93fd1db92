"""Real Debian servers for the real-server test tier: nginx and NSD as our own child processes.

One place for what every real-server test needs: finding the binary (a missing one skips the test, or
fails it when LAUNCHREADY_REQUIRE_REAL_SERVERS=1, as in CI), free loopback ports, a throwaway PKI,
starting a server and waiting until it answers, and stopping it (and its process group) by pid even
when a test fails. ``serve_nginx`` and ``serve_nsd`` retry on a lost port race. Every file (config,
zones, pid, logs, temp dirs) lives in the caller's tmp dir; the servers listen on 127.0.0.1 only.

Import as ``from support.realservers import ...`` (tests/conftest.py puts tests/ on sys.path).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REQUIRE_ENV = "LAUNCHREADY_REQUIRE_REAL_SERVERS"
START_TIMEOUT_S = 15.0
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def require_binary(name: str, package: str) -> str:
    """The path of ``name``; skips the test when it is missing (fails under LAUNCHREADY_REQUIRE_REAL_SERVERS=1)."""
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


def tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------- test PKI


@dataclass(frozen=True)
class TestPKI:
    __test__ = False  # not a pytest test class

    ca_cert: x509.Certificate
    leaf_cert: x509.Certificate
    ca_file: Path  # PEM of the CA: pass as --ca-file / ca_file=
    leaf_cert_file: Path  # leaf + CA chain, for nginx
    leaf_key_file: Path


def make_pki(
    directory: Path,
    names: Sequence[str] = ("www.real.test", "real.test"),
    *,
    ca_name: x509.Name | None = None,
    ca_days: int = 3650,
    leaf_days: int = 30,
) -> TestPKI:
    """A throwaway CA and one leaf for ``names`` (the first is the subject CN), written under ``directory``."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = ca_name or _name("launchready throwaway test CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=ca_days))
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
        .subject_name(_name(names[0])).issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after((now + dt.timedelta(days=leaf_days)).replace(microsecond=0))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
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


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "launchready tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


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
    """Start ``argv`` in its own session, wait until ``ready()``, stop it on exit (console output to logs[0])."""
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


# --------------------------------------------------------------------------- nginx

_NGINX_MAIN = """\
{user}worker_processes 1;
error_log {tmp}/error.log {log_level};
events {{ worker_connections {connections}; }}
http {{
    access_log {access_log};
    client_body_temp_path {tmp}/temp/client_body; proxy_temp_path {tmp}/temp/proxy;
    fastcgi_temp_path {tmp}/temp/fastcgi; uwsgi_temp_path {tmp}/temp/uwsgi; scgi_temp_path {tmp}/temp/scgi;
"""


@contextmanager
def serve_nginx(base: Path, http_body: str, ports: Sequence[str], *, connections: int = 256,
                access_log: bool = True, log_level: str = "info", **values: object) -> Iterator[dict[str, int]]:
    """Run nginx until the block exits; yields {port name: free port}.

    ``http_body`` is what goes inside ``http { }`` (types, TLS files, ``server`` blocks), a ``str.format``
    template given ``tmp`` (= ``base``), one port per name in ``ports`` and ``values``. The rest is ours:
    one worker (run as root when we are root: the workers must read the 0700 tmp dir), logs and temp files
    under ``base``, ``daemon off`` and the pid file from the command line.
    """
    binary = require_binary("nginx", "nginx")
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (base / "temp" / sub).mkdir(parents=True, exist_ok=True)
    main = _NGINX_MAIN.format(user="user root;\n" if os.geteuid() == 0 else "", tmp=base, log_level=log_level,
                              connections=connections, access_log=f"{base}/access.log" if access_log else "off")
    last: Exception | None = None
    for _attempt in range(3):
        chosen = {name: free_port() for name in ports}
        conf = base / "nginx.conf"
        conf.write_text(main + http_body.format(tmp=base, **chosen, **values) + "}\n")
        argv = [binary, "-p", f"{base}/", "-c", str(conf), "-e", str(base / "error.log"),
                "-g", f"daemon off; pid {base}/nginx.pid;"]
        try:
            with run_server(argv, [base / "console.log", base / "error.log"],
                            lambda c=chosen: all(tcp_open(p) for p in c.values()), "nginx"):
                yield chosen
                return
        except ServerStartError as exc:
            if "Address already in use" not in str(exc):
                raise
            last = exc
    raise ServerStartError(f"nginx could not get free ports: {last}")


# --------------------------------------------------------------------------- NSD

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
{zones}"""


def nsd_answers(port: int, origin: str) -> bool:
    """Whether NSD on ``port`` answers the SOA of ``origin`` (it loads every zone before answering)."""
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode

    try:
        resp = dns.query.udp(dns.message.make_query(origin, "SOA"), "127.0.0.1", port=port, timeout=0.3)
    except (dns.exception.DNSException, OSError):
        return False
    return resp.rcode() == dns.rcode.NOERROR and bool(resp.answer)


@contextmanager
def serve_nsd(base: Path, zones: Mapping[str, str]) -> Iterator[int]:
    """Run Debian's NSD serving ``zones`` (origin -> zone-file text) until the block exits; yields the port."""
    binary = require_binary("nsd", "nsd")
    base.mkdir(parents=True, exist_ok=True)
    blocks = []
    for i, (origin, text) in enumerate(zones.items()):
        (base / f"z{i}.zone").write_text(text)  # by index: an origin may be "." (the root)
        blocks.append(f'zone:\n    name: "{origin}"\n    zonefile: "z{i}.zone"\n')
    first = next(iter(zones))
    last: Exception | None = None
    for _attempt in range(3):
        port = free_port(udp_too=True)
        conf = base / "nsd.conf"
        conf.write_text(NSD_CONF.format(port=port, tmp=base, zones="".join(blocks)))
        try:
            with run_server([binary, "-d", "-c", str(conf)], [base / "console.log", base / "nsd.log"],
                            lambda p=port: nsd_answers(p, first), "nsd"):
                yield port
                return
        except ServerStartError as exc:
            if "in use" not in str(exc):
                raise
            last = exc
    raise ServerStartError(f"nsd could not get a free port: {last}")
