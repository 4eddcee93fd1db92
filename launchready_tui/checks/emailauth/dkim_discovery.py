"""Finding DKIM keys: a key can only be fetched with its selector (checks-email.md §5).

Candidates, best evidence first: selectors the founder gave or a pasted e-mail showed; the selectors of the
configured senders (on the domain and on the provider's usual sending subdomain); the selectors of providers
inferred from the domain's SPF includes and MX hosts; a generic list. All are asked concurrently (bounded by
``EmailDns``).

Around the probes:
* ``_domainkey.<domain>``: NXDOMAIN means nothing exists below it (RFC 8020), so generic guesses are skipped;
  NOERROR means some key probably exists — worth saying when we found none.
* A random sibling selector is asked first: when it answers, the zone has a wildcard and a guessed selector
  proves nothing (internet.nl #1025).
* A selector whose TXT lookup finds nothing is asked for a CNAME: a CNAME to a name that does not exist is a
  dangling setup (the provider dropped the key), a CNAME chain that comes back on itself is a loop.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from launchready_tui.checks.emailauth.dkim import DkimKey, key_record_findings
from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.findings import Finding, Severity
from launchready_tui.checks.emailauth.providers import Provider, table
from launchready_tui.checks.emailauth.spf_syntax import spf_records
from launchready_tui.net.resolver import DnsOutcome

MAX_CNAME_HOPS = 8


@dataclass(slots=True)
class Candidate:
    selector: str
    base: str  # the domain the selector lives under
    source: str  # "project file", "pasted e-mail", "command line", provider id, "inferred: <id>", "generic"

    @property
    def name(self) -> str:
        return f"{self.selector}._domainkey.{self.base}"

    @property
    def guessed(self) -> bool:
        return self.source == "generic" or self.source.startswith("inferred")


@dataclass(slots=True)
class Probe:
    candidate: Candidate
    outcome: str = ""  # DnsOutcome value of the TXT lookup
    reason: str = ""
    cnames: list[str] = field(default_factory=list)
    key: DkimKey | None = None
    record: str | None = None
    findings: list[Finding] = field(default_factory=list)
    provider: str | None = None  # recognised from the CNAME target
    dangling: bool = False
    loop: bool = False
    wildcard: bool = False

    @property
    def found(self) -> bool:
        return self.record is not None and not self.wildcard

    @property
    def measured(self) -> bool:
        return self.outcome in (DnsOutcome.OK.value, DnsOutcome.NXDOMAIN.value, DnsOutcome.NO_ANSWER.value)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"selector": self.candidate.selector, "name": self.candidate.name,
                               "source": self.candidate.source, "outcome": self.outcome}
        if self.cnames:
            out["cnames"] = self.cnames
        if self.key is not None:
            out["key"] = {"type": self.key.key_type, "bits": self.key.bits, "revoked": self.key.revoked,
                          "testing": self.key.testing}
        if self.provider:
            out["provider"] = self.provider
        if self.dangling:
            out["dangling"] = True
        if self.loop:
            out["loop"] = True
        if self.wildcard:
            out["wildcard"] = True
        if self.reason and not self.measured:
            out["reason"] = self.reason
        return out


@dataclass(slots=True)
class Discovery:
    domain: str
    probes: list[Probe]
    domainkey: str  # "exists", "absent" or "unknown" (for _domainkey.<domain>)
    wildcard: bool = False
    inferred: list[str] = field(default_factory=list)  # provider ids seen in SPF / MX

    @property
    def found(self) -> list[Probe]:
        return [p for p in self.probes if p.found]

    @property
    def unmeasured(self) -> list[Probe]:
        return [p for p in self.probes if not p.measured]


def _looks_like_dkim(text: str) -> bool:
    low = text.lower().replace(" ", "")
    return low.startswith("v=dkim1") or ";p=" in low or low.startswith("p=") or "k=rsa" in low or \
        "k=ed25519" in low


async def infer_providers(dns: EmailDns, domain: str) -> list[Provider]:
    """Providers named by the domain's top-level SPF includes and its MX hosts."""
    txt, mx = await asyncio.gather(dns.txt(domain), dns.query(domain, "MX"))
    found: dict[str, Provider] = {}
    for record in spf_records(txt.texts):
        for token in record.split():
            low = token.lower().lstrip("+-~?")
            if low.startswith(("include:", "redirect=")):
                provider = table().from_spf_include(low.split(":", 1)[-1].split("=", 1)[-1])
                if provider is not None:
                    found.setdefault(provider.id, provider)
    for record in mx.records if mx.ok else []:
        provider = table().from_mx(record.split()[-1])
        if provider is not None:
            found.setdefault(provider.id, provider)
    return list(found.values())


def candidates(domain: str, user: dict[str, str], senders: list[Provider], inferred: list[Provider],
               *, generic: bool = True) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()

    def add(selector: str, base: str, source: str) -> None:
        key = (selector.lower(), base.lower())
        if key not in seen:
            seen.add(key)
            out.append(Candidate(selector.lower(), base.lower(), source))

    for selector, source in user.items():
        add(selector, domain, source)
    for provider, source in [(p, p.id) for p in senders] + [(p, f"inferred: {p.id}") for p in inferred]:
        for selector in provider.dkim_selectors:
            add(selector, domain, source)
            for sub in provider.dkim_subdomains:
                add(selector, f"{sub}.{domain}", source)
    if generic:
        for selector in table().generic_selectors:
            add(selector, domain, "generic")
    return out


async def _follow_cname(dns: EmailDns, probe: Probe) -> None:
    """For a selector with no TXT: is it a CNAME to nowhere, or a CNAME loop?"""
    name = probe.candidate.name
    chain: list[str] = []
    seen = {name.lower()}
    current = name
    for _ in range(MAX_CNAME_HOPS):
        answer = await dns.query(current, "CNAME")
        if not answer.ok or not answer.records:
            break
        target = answer.records[0].rstrip(".").lower()
        chain.append(target)
        if target in seen:
            probe.loop = True
            break
        seen.add(target)
        current = target
    else:
        probe.loop = True
    if not chain:
        return
    probe.cnames = chain
    provider = table().from_dkim_target(chain[-1])
    probe.provider = provider.id if provider else None
    if probe.loop:
        probe.findings.append(Finding("dkim.cname_loop", Severity.FAIL, f"{name} is a CNAME loop "
                                      f"({' -> '.join([name, *chain])}): receivers can never fetch this key",
                                      name=name))
        return
    final = await dns.txt(chain[-1])
    if final.outcome is DnsOutcome.NXDOMAIN:
        probe.dangling = True
        known = table().get(probe.provider) if probe.provider else None
        who = f" at {known.name}" if known is not None else ""
        probe.findings.append(Finding("dkim.dangling", Severity.FAIL, f"{name} points to {chain[-1]}, which does not "
                                      f"exist{who}: mail signed with this selector fails DKIM", name=name,
                                      detail={"cnames": chain}))
    elif not final.measured:
        probe.reason = final.answer.reason
        probe.outcome = final.outcome.value


async def _probe(dns: EmailDns, candidate: Candidate, follow_cnames: bool) -> Probe:
    probe = Probe(candidate)
    txt = await dns.txt(candidate.name)
    probe.outcome, probe.reason, probe.cnames = txt.outcome.value, txt.answer.reason, list(txt.answer.cnames)
    if txt.outcome is DnsOutcome.OK:
        keys = [t for t in txt.texts if _looks_like_dkim(t)]
        if probe.cnames:
            provider = table().from_dkim_target(probe.cnames[-1])
            probe.provider = provider.id if provider else None
        if len(keys) > 1:
            probe.record = keys[0]
            probe.findings.append(Finding("dkim.multiple_keys", Severity.FAIL, f"{candidate.name} has {len(keys)} "
                                          "DKIM records; receivers cannot tell which one to use", name=candidate.name))
            return probe
        if keys:
            probe.record = keys[0]
            probe.key, probe.findings = key_record_findings(keys[0], candidate.name)
            return probe
    if txt.outcome in (DnsOutcome.NXDOMAIN, DnsOutcome.NO_ANSWER) and (follow_cnames or probe.cnames):
        await _follow_cname(dns, probe)
    return probe


async def discover(dns: EmailDns, domain: str, user: dict[str, str], senders: list[Provider]) -> Discovery:
    """Probe every candidate selector of ``domain`` and report what exists."""
    inferred_all, hint, wild = await asyncio.gather(
        infer_providers(dns, domain),
        dns.query(f"_domainkey.{domain}", "TXT"),
        dns.txt(f"lr-{secrets.token_hex(6)}._domainkey.{domain}"),
    )
    listed = {p.id for p in senders}
    inferred = [p for p in inferred_all if p.id not in listed]
    if hint.outcome is DnsOutcome.NXDOMAIN:
        domainkey = "absent"
    elif hint.outcome in (DnsOutcome.OK, DnsOutcome.NO_ANSWER):
        domainkey = "exists"
    else:
        domainkey = "unknown"
    wildcard_texts = {t for t in wild.texts if _looks_like_dkim(t)} if wild.outcome is DnsOutcome.OK else set()
    # RFC 8020: nothing below an NXDOMAIN name. Servers that break this rule still get the known selectors.
    generic = domainkey != "absent"
    todo = candidates(domain, user, senders, inferred, generic=generic)
    if domainkey == "unknown" and not wild.measured:
        # DNS is failing for this domain: ask only for the selectors that matter, not 30 guesses into a void.
        todo = [c for c in todo if not c.guessed] or todo[:1]
    probes = list(await asyncio.gather(*(_probe(dns, c, follow_cnames=domainkey != "absent" or not c.guessed)
                                         for c in todo)))
    for probe in probes:
        if probe.record is not None and probe.record in wildcard_texts and probe.candidate.guessed:
            probe.wildcard = True
    return Discovery(domain, probes, domainkey, bool(wildcard_texts), [p.id for p in inferred])
