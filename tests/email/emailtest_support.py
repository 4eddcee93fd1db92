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
import yaml
from support.realservers import serve_nsd

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


@contextmanager
def nsd_serving(zones: dict[str, dns.zone.Zone], workdir: Path) -> Iterator[int]:
    """Run Debian's NSD on a free loopback port serving ``zones`` (origin -> zone); yields the port.

    Skipped when nsd is missing (failed under LAUNCHREADY_REQUIRE_REAL_SERVERS=1); tests/support/realservers.py
    runs it as our own child process and stops it by pid.
    """
    texts = {origin: zone.to_text(relativize=False) for origin, zone in zones.items()}
    with serve_nsd(workdir, texts) as port:
        yield port
