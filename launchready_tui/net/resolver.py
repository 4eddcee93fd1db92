"""The one DNS resolver: dnspython wire queries to chosen nameservers, with typed outcomes.

We send queries ourselves (``dns.asyncquery``) instead of using ``dns.asyncresolver.Resolver``
because the checks must tell apart NXDOMAIN, an empty answer, SERVFAIL, REFUSED and a timeout for
each nameserver: a timeout is "we could not measure", never "the record is missing".
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from dataclasses import dataclass, field
from enum import StrEnum

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.resolver

from launchready_tui.net.overrides import NetworkOverrides, parse_nameserver


class DnsOutcome(StrEnum):
    OK = "ok"
    NXDOMAIN = "nxdomain"  # the name does not exist
    NO_ANSWER = "no-answer"  # the name exists, but has no record of this type
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"  # malformed reply, network error, bad name

    @property
    def measured(self) -> bool:
        """True when the outcome is a real answer about the name (not a failure to ask)."""
        return self in (DnsOutcome.OK, DnsOutcome.NXDOMAIN, DnsOutcome.NO_ANSWER)


@dataclass(slots=True)
class DnsAnswer:
    name: str
    rdtype: str
    outcome: DnsOutcome
    records: list[str] = field(default_factory=list)
    cnames: list[str] = field(default_factory=list)  # the CNAME chain followed, in order
    ttl: int | None = None
    nameserver: str | None = None
    elapsed_ms: float = 0.0
    reason: str = ""
    authenticated: bool = False  # AD flag from a validating resolver

    @property
    def ok(self) -> bool:
        return self.outcome is DnsOutcome.OK

    def to_evidence(self) -> dict[str, object]:
        out: dict[str, object] = {"outcome": self.outcome.value, "records": self.records}
        if self.cnames:
            out["cnames"] = self.cnames
        if self.nameserver:
            out["nameserver"] = self.nameserver
        if self.reason and not self.ok:
            out["reason"] = self.reason
        return out


@dataclass(slots=True)
class AddressLookup:
    host: str
    addresses: list[str]
    source: str  # "literal", "--resolve", "dns"
    answers: list[DnsAnswer] = field(default_factory=list)
    elapsed_ms: float = 0.0

    @property
    def reason(self) -> str:
        failed = [a for a in self.answers if not a.outcome.measured]
        if failed:
            return failed[0].reason
        if any(a.outcome is DnsOutcome.NXDOMAIN for a in self.answers):
            return f"{self.host} does not exist in DNS (NXDOMAIN)"
        return f"{self.host} has no A or AAAA record"


def _system_nameservers() -> list[tuple[str, int]]:
    try:
        return [(ns, 53) for ns in dns.resolver.Resolver(configure=True).nameservers]
    except (dns.resolver.NoResolverConfiguration, OSError):
        return []


class Resolver:
    """Async DNS through the configured nameservers (``--nameserver``) or the system's."""

    def __init__(
        self,
        nameservers: list[str] | None = None,
        timeout: float = 3.0,
        overrides: NetworkOverrides | None = None,
    ) -> None:
        self.servers: list[tuple[str, int]] = (
            [parse_nameserver(n) for n in nameservers] if nameservers else _system_nameservers()
        )
        self.timeout = timeout
        self.overrides = overrides or NetworkOverrides()

    @staticmethod
    def _label(server: tuple[str, int]) -> str:
        host, port = server
        return f"{host}:{port}" if port != 53 else host

    async def query(self, name: str, rdtype: str, dnssec: bool = False, cd: bool = False) -> DnsAnswer:
        """Ask each nameserver in turn until one gives a real answer about ``name``.

        ``cd`` sets Checking Disabled: a validating resolver then answers even when DNSSEC is bogus,
        which tells "broken signatures" apart from "broken server" (dns.dnssec_caa).
        """
        rdtype = rdtype.upper()
        started = time.perf_counter()
        try:
            qname = dns.name.from_text(name)
            qtype = dns.rdatatype.from_text(rdtype)
        except (dns.exception.DNSException, ValueError) as exc:
            return DnsAnswer(name, rdtype, DnsOutcome.ERROR, reason=f"{name!r} is not a valid DNS name: {exc}")
        if not self.servers:
            return DnsAnswer(name, rdtype, DnsOutcome.ERROR,
                             reason="no nameserver is configured (pass --nameserver HOST[:PORT])")
        last: DnsAnswer | None = None
        for server in self.servers:
            answer = await self._ask(server, qname, qtype, dnssec, cd)
            answer.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
            if answer.outcome.measured:
                return answer
            # A failing server (timeout, SERVFAIL, REFUSED): try the next, keep the most telling reason.
            last = answer
        assert last is not None
        return last

    async def _ask(
        self, server: tuple[str, int], qname: dns.name.Name, qtype: dns.rdatatype.RdataType, dnssec: bool,
        cd: bool = False,
    ) -> DnsAnswer:
        host, port = server
        label = self._label(server)
        text, rdtext = qname.to_text(omit_final_dot=True), dns.rdatatype.to_text(qtype)
        request = dns.message.make_query(qname, qtype, want_dnssec=dnssec)
        if cd:
            request.flags |= dns.flags.CD
        try:
            response, _used_tcp = await dns.asyncquery.udp_with_fallback(
                request, host, timeout=self.timeout, port=port
            )
        except dns.exception.Timeout:
            return DnsAnswer(text, rdtext, DnsOutcome.TIMEOUT, nameserver=label,
                             reason=f"nameserver {label} did not answer within {self.timeout:g} s")
        except (OSError, dns.exception.DNSException, ValueError, EOFError) as exc:
            return DnsAnswer(text, rdtext, DnsOutcome.ERROR, nameserver=label,
                             reason=f"could not query nameserver {label}: {exc or type(exc).__name__}")
        rcode = response.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            return DnsAnswer(text, rdtext, DnsOutcome.NXDOMAIN, nameserver=label,
                             reason=f"{text} does not exist (NXDOMAIN from {label})")
        if rcode == dns.rcode.SERVFAIL:
            return DnsAnswer(text, rdtext, DnsOutcome.SERVFAIL, nameserver=label,
                             reason=f"nameserver {label} failed to answer for {text} (SERVFAIL)")
        if rcode == dns.rcode.REFUSED:
            return DnsAnswer(text, rdtext, DnsOutcome.REFUSED, nameserver=label,
                             reason=f"nameserver {label} refused to answer for {text} (REFUSED)")
        if rcode != dns.rcode.NOERROR:
            return DnsAnswer(text, rdtext, DnsOutcome.ERROR, nameserver=label,
                             reason=f"nameserver {label} answered {dns.rcode.to_text(rcode)} for {text}")
        return self._records(response, qname, qtype, label)

    @staticmethod
    def _records(
        response: dns.message.Message, qname: dns.name.Name, qtype: dns.rdatatype.RdataType, label: str
    ) -> DnsAnswer:
        text, rdtext = qname.to_text(omit_final_dot=True), dns.rdatatype.to_text(qtype)
        current, cnames, seen = qname, [], set()
        # Follow the CNAME chain inside the answer section (bounded, loop-safe).
        while current not in seen and len(cnames) < 16:
            seen.add(current)
            rrset = response.get_rrset(response.answer, current, dns.rdataclass.IN, qtype)
            if rrset is not None:
                return DnsAnswer(
                    text, rdtext, DnsOutcome.OK,
                    records=[r.to_text() for r in rrset], cnames=cnames, ttl=rrset.ttl, nameserver=label,
                    authenticated=bool(response.flags & dns.flags.AD),
                )
            cname = response.get_rrset(response.answer, current, dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is None or qtype == dns.rdatatype.CNAME:
                break
            current = cname[0].target
            cnames.append(current.to_text(omit_final_dot=True))
        if qtype == dns.rdatatype.CNAME:
            rrset = response.get_rrset(response.answer, qname, dns.rdataclass.IN, dns.rdatatype.CNAME)
            if rrset is not None:
                return DnsAnswer(text, rdtext, DnsOutcome.OK, records=[r.to_text() for r in rrset],
                                 ttl=rrset.ttl, nameserver=label)
        return DnsAnswer(text, rdtext, DnsOutcome.NO_ANSWER, cnames=cnames, nameserver=label,
                         reason=f"{text} has no {rdtext} record")

    async def addresses(self, host: str, port: int | None = None) -> AddressLookup:
        """IPv4 and IPv6 addresses for ``host``, honouring ``--resolve`` for host:port."""
        started = time.perf_counter()
        bare = host.strip("[]")
        try:
            ipaddress.ip_address(bare)
            return AddressLookup(host, [bare], "literal")
        except ValueError:
            pass
        if port is not None and (pinned := self.overrides.pinned(host, port)):
            return AddressLookup(host, list(pinned), "--resolve")
        if bare.lower() == "localhost":
            return AddressLookup(host, ["127.0.0.1"], "literal")
        a, aaaa = await asyncio.gather(self.query(bare, "A"), self.query(bare, "AAAA"))
        addresses = a.records + aaaa.records
        return AddressLookup(host, addresses, "dns", [a, aaaa], round((time.perf_counter() - started) * 1000, 1))
