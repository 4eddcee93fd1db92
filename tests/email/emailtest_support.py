"""Helpers for the email tests: real DNS servers on loopback serving test zones (imported by conftest and tests).

* ``serve_zones(texts)`` starts the lab's own ``DNSServer`` with zones written in zone-file syntax.
* ``SuiteDNSServer`` serves one OpenSPF-suite scenario as a root zone, with the suite's TIMEOUT semantics
  (pyspf's test driver: a query times out when the name lists TIMEOUT before any record of the asked type).
* The Debian NSD tier for the same scenarios lives in ``test_email_spf_suite_nsd.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.zone
import pytest
import yaml

from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.lab.dns_server import DNSServer
from launchready_tui.net.resolver import Resolver

DATA = Path(__file__).parent / "data"
SOA = "ns.test. hostmaster.test. 1 3600 600 86400 60"


def zone_from_text(origin: str, body: str) -> dns.zone.Zone:
    text = f"$TTL 60\n@ SOA {SOA}\n@ NS ns.test.\n{body}\n"
    return dns.zone.from_text(text, origin=origin.rstrip(".") + ".", relativize=False)


@asynccontextmanager
async def serve_zones(zones: dict[str, str], server_cls: type[DNSServer] = DNSServer) -> AsyncIterator[DNSServer]:
    server = server_cls({o: zone_from_text(o, body) for o, body in zones.items()})
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def email_dns(server: DNSServer, timeout: float = 1.0) -> EmailDns:
    return EmailDns(Resolver([f"127.0.0.1:{server.port}"], timeout=timeout))


# ------------------------------------------------------------------------------------ the OpenSPF suite


def load_suite() -> list[dict[str, Any]]:
    with (DATA / "spf" / "rfc7208-tests.yml").open("rb") as fh:
        return list(yaml.safe_load_all(fh))


def load_index() -> dict[str, dict[str, Any]]:
    rows = json.loads((DATA / "spf" / "rfc7208-tests.index.json").read_text())["tests"]
    return {row["test"]: row for row in rows}


def _labels(name: str) -> dns.name.Name:
    # Built from labels, not text: suite names contain spaces, colons and slashes.
    return dns.name.Name([label.encode() for label in name.rstrip(".").split(".")] + [b""])


def _rdata(rtype: str, value: Any) -> dns.rdata.Rdata | None:
    if rtype in ("TXT", "SPF"):
        strings = [value] if isinstance(value, str) else list(value)
        if not strings:
            return None  # the suite's "null-text": a TXT with no strings cannot exist on the wire
        return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT,
                                       [s.encode("utf-8") for s in strings])
    if rtype == "MX":
        pref, host = value
        target = _labels(host) if host else dns.name.root
        return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.MX, f"{pref} {target.to_text()}")
    if rtype in ("PTR", "CNAME"):
        return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), _labels(value).to_text())
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), str(value))


def suite_zone(zonedata: dict[str, list[Any]]) -> tuple[dns.zone.Zone, dict[str, set[str]]]:
    """One root zone with every name of a scenario, and {name: types answered before TIMEOUT}.

    pyspf's driver rule: ``SPF`` entries are served as TXT when the name has no explicit TXT entry.
    """
    zone = zone_from_text(".", "")
    timeouts: dict[str, set[str]] = {}
    for name, entries in zonedata.items():
        explicit_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        seen: set[str] = set()
        node = zone.find_node(_labels(name), create=True)
        for entry in entries:
            if entry == "TIMEOUT":
                timeouts[name.lower().rstrip(".")] = set(seen)
                break
            ((rtype, value),) = entry.items()
            if rtype == "SPF":
                if explicit_txt:
                    continue
                rtype = "TXT"
            if value == "NONE":
                continue  # pyspf's driver drops these before answering, so they do not stop a TIMEOUT
            seen.add(rtype)
            rdata = _rdata(rtype, value)
            if rdata is None:
                continue
            rdataset = node.find_rdataset(dns.rdataclass.IN, rdata.rdtype, create=True)
            rdataset.add(rdata, ttl=60)
    return zone, timeouts


class SuiteDNSServer(DNSServer):
    """The lab DNS server with per-(name, type) silence, for the suite's TIMEOUT entries."""

    def __init__(self, zones: dict[str, dns.zone.Zone], timeouts: dict[str, set[str]]) -> None:
        super().__init__(zones)
        self.timeouts = timeouts

    async def _answer_wire(self, wire: bytes, max_size: int) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
            q = query.question[0]
            name = q.name.to_text(omit_final_dot=True).lower()
            if name in self.timeouts and dns.rdatatype.to_text(q.rdtype) not in self.timeouts[name]:
                self.queries += 1
                return None  # never answer: the client times out
        except Exception:  # noqa: BLE001 - malformed queries are the base class's business
            pass
        return await super()._answer_wire(wire, max_size)


@asynccontextmanager
async def serve_scenario(zonedata: dict[str, list[Any]]) -> AsyncIterator[SuiteDNSServer]:
    zone, timeouts = suite_zone(zonedata)
    server = SuiteDNSServer({".": zone}, timeouts)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()




# ------------------------------------------------------------------------------------ Debian NSD tier

REQUIRE_REAL_SERVERS = "LAUNCHREADY_REQUIRE_REAL_SERVERS"
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


def nsd_binary() -> str:
    """The nsd binary, or skip (fail when LAUNCHREADY_REQUIRE_REAL_SERVERS=1, as tests/realservers does)."""
    import os
    import shutil

    path = shutil.which("nsd", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if path is None:
        message = "nsd is not installed (Debian package 'nsd'; `make test` installs it when run as root)"
        if os.environ.get(REQUIRE_REAL_SERVERS) == "1":
            pytest.fail(f"{REQUIRE_REAL_SERVERS}=1 but {message}", pytrace=False)
        pytest.skip(message)
    return path


def _free_udp_tcp_port() -> int:
    import socket

    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port: int = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port on 127.0.0.1")


def _nsd_answers(port: int, origin: str) -> bool:
    import dns.exception
    import dns.query

    try:
        resp = dns.query.udp(dns.message.make_query(origin, "SOA"), "127.0.0.1", port=port, timeout=0.3)
    except (dns.exception.DNSException, OSError):
        return False
    return bool(resp.answer)


@contextmanager
def nsd_serving(zones: dict[str, dns.zone.Zone], workdir: Path) -> Iterator[int]:
    """Run Debian's NSD on a free loopback port serving ``zones`` (origin -> zone); yields the port.

    Our own child process, in its own session, stopped by its pid at the end (and killed if it lingers).
    """
    import os
    import signal
    import subprocess
    import time

    binary = nsd_binary()
    workdir.mkdir(parents=True, exist_ok=True)
    blocks = []
    for i, (origin, zone) in enumerate(zones.items()):
        name = f"z{i}.zone"
        (workdir / name).write_text(zone.to_text(relativize=False))
        blocks.append(f'zone:\n    name: "{origin}"\n    zonefile: "{name}"\n')
    last = ""
    for _attempt in range(3):
        port = _free_udp_tcp_port()
        (workdir / "nsd.conf").write_text(NSD_CONF.format(port=port, tmp=workdir, zones="".join(blocks)))
        proc = subprocess.Popen([binary, "-d", "-c", str(workdir / "nsd.conf")], stdout=subprocess.DEVNULL,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            first = next(iter(zones))
            deadline = time.monotonic() + 10
            while proc.poll() is None and not _nsd_answers(port, first) and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc.poll() is not None or time.monotonic() >= deadline:
                log = workdir / "nsd.log"
                last = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                continue
            yield port
            return
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(5)
    raise RuntimeError(f"nsd did not start:\n{last}")
