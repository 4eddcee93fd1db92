"""Gathers the DNS map (stage 2 deliverable): the records of every name the product uses.

Asks ``ctx.resolver`` (so ``--nameserver`` applies) for the apex's NS, SOA, A, AAAA, MX, TXT and CAA,
the CNAME/A/AAAA of www and each subdomain, and the email policy names (_dmarc, _mta-sts,
_smtp._tls, default._bimi, <selector>._domainkey). All queries run at once (about 40 for a typical
project). A timeout is written down as "could not be read", never as "no record".
The model and the Markdown export are in ``report/dns_map.py`` (pure).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.subdomains import platform_of
from launchready_tui.checks.targets import subdomain_hosts
from launchready_tui.net.resolver import DnsAnswer, DnsOutcome
from launchready_tui.report.dns_map import DnsMap, DnsRecord, HostEntry, describe

APEX_TYPES = ("NS", "SOA", "A", "AAAA", "MX", "TXT", "CAA")
HOST_TYPES = ("CNAME", "A", "AAAA")
EMAIL_NAMES = (("_dmarc", "email policy (DMARC)"), ("_mta-sts", "email TLS policy (MTA-STS)"),
               ("_smtp._tls", "email TLS reports (TLS-RPT)"), ("default._bimi", "email logo (BIMI)"))


async def _ask(ctx: CheckContext, name: str, types: tuple[str, ...]) -> list[DnsAnswer]:
    return list(await asyncio.gather(*(ctx.resolver.query(name, t) for t in types)))


def _entry(host: str, role: str, answers: list[DnsAnswer], domain: str, problems: list[str]) -> HostEntry:
    entry = HostEntry(host, role)
    cname = next((a for a in answers if a.rdtype == "CNAME" and a.ok and a.records), None)
    for answer in answers:
        if not answer.outcome.measured:
            entry.notes.append(f"{answer.rdtype} could not be read: {answer.reason}")
            continue
        if not answer.ok:
            continue
        if cname is not None and answer.rdtype in ("A", "AAAA"):
            # addresses reached through the alias: say so instead of listing them as the host's own
            entry.notes.append(f"{answer.rdtype} via the alias: {', '.join(answer.records)}")
            continue
        for value in answer.records:
            entry.records.append(DnsRecord(answer.rdtype, value, answer.ttl, describe(answer.rdtype, value, host,
                                                                                    domain)))
    if cname is not None:
        target = cname.records[0].rstrip(".")
        addr = [a for a in answers if a.rdtype in ("A", "AAAA")]
        dangling = addr and all(a.outcome in (DnsOutcome.NXDOMAIN, DnsOutcome.NO_ANSWER) for a in addr)
        if dangling:
            platform = platform_of(target)
            text = f"{host} is an alias of {target}, which does not exist"
            text += f" on {platform.name}: anyone can claim it (subdomain takeover)" if platform else \
                ": dangling record"
            entry.notes.append(text)
            problems.append(text)
    if not entry.records and not entry.notes and all(a.outcome is DnsOutcome.NXDOMAIN for a in answers):
        entry.notes.append("not in DNS")
    return entry


async def collect_dns_map(ctx: CheckContext) -> DnsMap:
    """The DNS map of the project's domain (progress on ``ctx.say("dns.map", …)``)."""
    domain = ctx.project.domain.lower().rstrip(".")
    ctx.say("dns.map", f"reading the DNS records of {domain}")
    subs = [h for h in subdomain_hosts(ctx.project) if h != f"www.{domain}"]
    selectors = list(dict.fromkeys(getattr(ctx.project.email, "dkim_selectors", []) or []))
    plan: list[tuple[str, str, tuple[str, ...]]] = [(domain, "the apex: the address people type", APEX_TYPES),
                                                   (f"www.{domain}", "www", HOST_TYPES)]
    plan += [(h, "subdomain", HOST_TYPES) for h in subs]
    plan += [(f"{label}.{domain}", role, ("TXT",)) for label, role in EMAIL_NAMES]
    plan += [(f"{s}._domainkey.{domain}", f"DKIM key, selector {s}", ("TXT",)) for s in selectors]
    results = await asyncio.gather(*(_ask(ctx, name, types) for name, _role, types in plan))
    problems: list[str] = []
    dns_map = DnsMap(domain, nameservers=[f"{h}:{p}" if p != 53 else h for h, p in ctx.resolver.servers],
                     problems=problems, generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    for (name, role, _types), answers in zip(plan, results, strict=True):
        entry = _entry(name, role, answers, domain, problems)
        if role.startswith(("email", "DKIM")) and not entry.records and entry.notes == ["not in DNS"]:
            continue  # an email name that does not exist: the email checks explain what is missing
        dns_map.hosts.append(entry)
    apex = dns_map.hosts[0]
    if not any(r.type in ("A", "AAAA", "CNAME") for r in apex.records) and not apex.notes:
        problems.append(f"{domain} has no address record: visitors typing it reach nothing")
    return dns_map
