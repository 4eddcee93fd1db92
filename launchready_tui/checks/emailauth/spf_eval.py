"""``check_host()`` of RFC 7208 §4-§6: what a receiving server concludes for one sending IP.

The linter (``spf_lint``) reasons about every possible sender; this evaluator answers for one. It is what the
OpenSPF suite (203 cases) exercises, and it lets the SPF check say which senders still pass when a record breaks
the ten-lookup limit half-way. All DNS goes through an ``EmailDns`` (typed outcomes), so a resolver timeout is
``temperror`` and never "no record".

Limits (§4.6.4): at most 10 DNS-querying terms (include, a, mx, ptr, exists, redirect), at most 2 void lookups,
at most 10 MX names per ``mx`` and 10 PTR names per ``ptr``/``%{p}``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum

from launchready_tui.checks.emailauth.dns_source import EmailDns, name_problem
from launchready_tui.checks.emailauth.errors import SpfParseError
from launchready_tui.checks.emailauth.spf_macros import IPAddress, MacroError, MacroValues, expand, needs_validated_name
from launchready_tui.checks.emailauth.spf_syntax import Mechanism, SpfRecord, parse_spf, spf_records
from launchready_tui.net.resolver import DnsAnswer

MAX_LOOKUPS = 10
MAX_VOID = 2
MAX_MX = 10
MAX_PTR = 10
DEFAULT_EXPLANATION = "DEFAULT"


class SpfResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    TEMPERROR = "temperror"
    PERMERROR = "permerror"


class _Abort(Exception):
    def __init__(self, result: SpfResult, reason: str) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason


@dataclass(slots=True)
class SpfEvaluation:
    result: SpfResult
    reason: str = ""
    explanation: str | None = None  # only for "fail"
    matched: str | None = None  # the term that decided, as written
    matched_domain: str | None = None
    lookups: int = 0
    void_lookups: int = 0
    trace: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Verdict:
    result: SpfResult
    record: SpfRecord | None = None
    domain: str = ""
    matched: str | None = None


def _client_ip(text: str) -> IPAddress:
    ip = ipaddress.ip_address(text.strip())
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # §5: an IPv4-mapped IPv6 client is an IPv4 client
    return ip


def _domain_is_checkable(domain: str) -> bool:
    """§4.3: a malformed, single-label or literal domain gives "none" without any lookup."""
    if not domain or domain.startswith("[") or name_problem(domain) is not None:
        return False
    return "." in domain.rstrip(".")


class Evaluator:
    def __init__(self, dns: EmailDns, ip: IPAddress, sender: str, helo: str, *, receiver: str = "unknown",
                 default_explanation: str = DEFAULT_EXPLANATION) -> None:
        self.dns = dns
        self.ip = ip
        local, _, sender_domain = sender.rpartition("@")
        self.local = local or "postmaster"
        self.sender_domain = sender_domain
        self.sender = f"{self.local}@{sender_domain}"
        self.helo = helo
        self.receiver = receiver
        self.default_explanation = default_explanation
        self.lookups = 0
        self.void = 0
        self.trace: list[str] = []
        self._validated: dict[str, str] = {}

    # -- helpers --------------------------------------------------------------------------------------

    def _values(self, domain: str, validated: str = "unknown") -> MacroValues:
        return MacroValues(sender=self.sender, local=self.local, sender_domain=self.sender_domain, domain=domain,
                           ip=self.ip, helo=self.helo, validated=validated, receiver=self.receiver)

    async def _expand(self, spec: str, domain: str, *, explanation: bool = False) -> str:
        validated = await self._validated_name(domain) if needs_validated_name(spec) else "unknown"
        return expand(spec, self._values(domain, validated), explanation=explanation)

    def _count_lookup(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUPS:
            raise _Abort(SpfResult.PERMERROR, f"more than {MAX_LOOKUPS} DNS lookups (at {term})")

    def _count_void(self, name: str) -> None:
        self.void += 1
        if self.void > MAX_VOID:
            raise _Abort(SpfResult.PERMERROR, f"more than {MAX_VOID} lookups found nothing (at {name})")

    @staticmethod
    def _unmeasured(answer: DnsAnswer) -> bool:
        return not answer.outcome.measured and not answer.reason.startswith("cannot look up")

    async def _ptr_names(self) -> list[str] | None:
        import dns.reversename

        answer = await self.dns.query(dns.reversename.from_address(str(self.ip)).to_text(), "PTR")
        if not answer.ok:
            return None
        return [r.rstrip(".") for r in answer.records[:MAX_PTR]]

    async def _addresses_of(self, name: str) -> list[IPAddress]:
        answer = await self.dns.query(name, "A" if self.ip.version == 4 else "AAAA")
        return [ipaddress.ip_address(r) for r in answer.records] if answer.ok else []

    async def _validated_name(self, domain: str) -> str:
        """%{p} (§7.3): a reverse name of the client IP whose forward lookup gives the IP back."""
        if domain in self._validated:
            return self._validated[domain]
        names = await self._ptr_names() or []
        good = [n for n in names if self.ip in await self._addresses_of(n)]
        pick = next((n for n in good if n.lower() == domain.lower()), None)
        pick = pick or next((n for n in good if n.lower().endswith("." + domain.lower())), None)
        result = pick or (good[0] if good else "unknown")
        self._validated[domain] = result
        return result

    # -- mechanisms ------------------------------------------------------------------------------------

    async def _target(self, mech: Mechanism, domain: str) -> str:
        if mech.domain_spec is None:
            return domain
        try:
            return await self._expand(mech.domain_spec, domain)
        except MacroError as exc:
            raise _Abort(SpfResult.PERMERROR, f"{mech.text}: {exc}") from None

    def _in_network(self, address: IPAddress, mech: Mechanism) -> bool:
        if address.version != self.ip.version:
            return False
        prefix = (mech.cidr4 if mech.cidr4 is not None else 32) if self.ip.version == 4 else (
            mech.cidr6 if mech.cidr6 is not None else 128)
        return self.ip in ipaddress.ip_network(f"{address}/{prefix}", strict=False)

    async def _match_addresses(self, name: str, mech: Mechanism) -> bool:
        answer = await self.dns.query(name, "A" if self.ip.version == 4 else "AAAA")
        if self._unmeasured(answer):
            raise _Abort(SpfResult.TEMPERROR, f"{mech.text}: {answer.reason}")
        if not answer.ok or not answer.records:
            return False
        return any(self._in_network(ipaddress.ip_address(r), mech) for r in answer.records)

    async def _match(self, mech: Mechanism, domain: str) -> bool:
        kind = mech.kind
        if kind == "all":
            return True
        if kind in ("ip4", "ip6"):
            assert mech.network is not None
            return mech.network.version == self.ip.version and self.ip in mech.network
        if kind == "include":
            target = await self._target(mech, domain)
            verdict = await self._check(target, via=f"include:{target}")
            if verdict.result is SpfResult.PASS:
                return True
            if verdict.result in (SpfResult.FAIL, SpfResult.SOFTFAIL, SpfResult.NEUTRAL):
                return False
            if verdict.result is SpfResult.TEMPERROR:
                raise _Abort(SpfResult.TEMPERROR, f"include:{target} could not be checked")
            raise _Abort(SpfResult.PERMERROR, f"include:{target} gave {verdict.result.value}")
        target = await self._target(mech, domain)
        if name_problem(target) is not None:
            self.trace.append(f"{mech.text}: {target!r} is not a valid name, no match")
            return False
        if kind == "a":
            answer = await self.dns.query(target, "A" if self.ip.version == 4 else "AAAA")
            if self._unmeasured(answer):
                raise _Abort(SpfResult.TEMPERROR, f"{mech.text}: {answer.reason}")
            if not answer.records:
                self._count_void(target)
                return False
            return any(self._in_network(ipaddress.ip_address(r), mech) for r in answer.records)
        if kind == "mx":
            answer = await self.dns.query(target, "MX")
            if self._unmeasured(answer):
                raise _Abort(SpfResult.TEMPERROR, f"{mech.text}: {answer.reason}")
            if not answer.records:
                self._count_void(target)
                return False
            if len(answer.records) > MAX_MX:
                raise _Abort(SpfResult.PERMERROR, f"{mech.text}: {target} has {len(answer.records)} MX records "
                             f"(the limit is {MAX_MX})")
            for record in answer.records:
                host = record.split()[-1].rstrip(".")
                if host and await self._match_addresses(host, mech):
                    return True
            return False
        if kind == "ptr":
            names = await self._ptr_names()
            if names is None:
                return False
            for name in names:
                if self.ip in await self._addresses_of(name):
                    low, want = name.lower(), target.lower().rstrip(".")
                    if low == want or low.endswith("." + want):
                        return True
            return False
        if kind == "exists":
            answer = await self.dns.query(target, "A")
            if self._unmeasured(answer):
                raise _Abort(SpfResult.TEMPERROR, f"{mech.text}: {answer.reason}")
            if not answer.records:
                self._count_void(target)
                return False
            return True
        raise _Abort(SpfResult.PERMERROR, f"unknown mechanism {kind}")  # pragma: no cover - parser rejects it

    # -- records ---------------------------------------------------------------------------------------

    async def _record(self, domain: str) -> SpfRecord | None:
        txt = await self.dns.txt(domain)
        if not txt.measured:
            raise _Abort(SpfResult.TEMPERROR, txt.answer.reason or f"could not look up {domain}")
        records = spf_records(txt.texts)
        if not records:
            return None
        if len(records) > 1:
            raise _Abort(SpfResult.PERMERROR, f"{domain} has {len(records)} SPF records")
        try:
            return parse_spf(records[0])
        except SpfParseError as exc:
            raise _Abort(SpfResult.PERMERROR, f"{domain}: {exc}") from None

    async def _check(self, domain: str, via: str = "") -> _Verdict:
        domain = domain.rstrip(".")
        if not _domain_is_checkable(domain):
            return _Verdict(SpfResult.NONE, domain=domain)
        try:
            record = await self._record(domain)
        except _Abort as abort:
            if abort.result is SpfResult.TEMPERROR:
                return _Verdict(SpfResult.TEMPERROR, domain=domain)
            if via:
                return _Verdict(abort.result, domain=domain)
            raise
        if record is None:
            return _Verdict(SpfResult.NONE, domain=domain)
        self.trace.append(f"{domain}: {record.text}" + (f" (via {via})" if via else ""))
        for mech in record.mechanisms:
            if mech.counts_lookup:
                self._count_lookup(mech.text)
            if await self._match(mech, domain):
                return _Verdict(SpfResult(mech.result), record, domain, mech.text)
        redirect = record.redirect
        if redirect is not None:
            self._count_lookup(redirect.text)
            try:
                target = await self._expand(redirect.value, domain)
            except MacroError as exc:
                raise _Abort(SpfResult.PERMERROR, f"{redirect.text}: {exc}") from None
            verdict = await self._check(target, via=f"redirect={target}")
            if verdict.result is SpfResult.NONE:
                raise _Abort(SpfResult.PERMERROR, f"redirect={target} has no SPF record")
            return verdict
        return _Verdict(SpfResult.NEUTRAL, record, domain)

    async def _explanation(self, verdict: _Verdict) -> str:
        record = verdict.record
        if record is None or record.exp is None:
            return self.default_explanation
        try:
            target = await self._expand(record.exp.value, verdict.domain)
        except MacroError:
            return self.default_explanation
        if name_problem(target) is not None:
            return self.default_explanation
        txt = await self.dns.txt(target)
        if not txt.measured or len(txt.texts) != 1:
            return self.default_explanation
        text = txt.texts[0]
        try:
            return await self._expand(text, verdict.domain, explanation=True)
        except MacroError:
            return self.default_explanation

    async def run(self, domain: str) -> SpfEvaluation:
        try:
            verdict = await self._check(domain)
        except _Abort as abort:
            return SpfEvaluation(abort.result, abort.reason, lookups=self.lookups, void_lookups=self.void,
                                 trace=self.trace)
        out = SpfEvaluation(verdict.result, matched=verdict.matched, matched_domain=verdict.domain,
                            lookups=self.lookups, void_lookups=self.void, trace=self.trace)
        if verdict.result is SpfResult.FAIL:
            out.explanation = await self._explanation(verdict)
        return out


async def check_host(dns: EmailDns, ip: str, sender: str, helo: str, *, receiver: str = "unknown",
                     default_explanation: str = DEFAULT_EXPLANATION) -> SpfEvaluation:
    """Evaluate SPF for mail from ``sender`` (empty → postmaster@helo) sent by ``ip``.

    ``sender`` may be "local@domain", "@domain" or "" (RFC 7208 §2.4: then the HELO identity is checked).
    Raises ValueError only for an ``ip`` that is not an IP address.
    """
    client = _client_ip(ip)
    if not sender:
        sender = f"postmaster@{helo}"
    if "@" not in sender:
        sender = f"postmaster@{sender}"
    evaluator = Evaluator(dns, client, sender, helo, receiver=receiver, default_explanation=default_explanation)
    return await evaluator.run(evaluator.sender_domain)
