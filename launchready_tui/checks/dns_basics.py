"""Stage 1 DNS basics: does the domain resolve (apex and www)."""

from __future__ import annotations

import asyncio

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.targets import MAX_PRODUCT_HOSTS, front_hosts, product_hosts
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.resolver import AddressLookup, DnsOutcome


def _describe(lookup: AddressLookup) -> list[str]:
    out: list[str] = []
    for answer in lookup.answers:
        out += [f"CNAME {c}." for c in answer.cnames if f"CNAME {c}." not in out]
    return out + lookup.addresses


async def dns_resolves(ctx: CheckContext) -> Outcome:
    apex, www = front_hosts(ctx.project)
    lookups = await asyncio.gather(*(ctx.resolver.addresses(h) for h in (apex, www)))
    evidence: dict[str, object] = {"apex": _describe(lookups[0]), "www": _describe(lookups[1])}
    evidence["answers"] = {
        lk.host: {a.rdtype: a.to_evidence() for a in lk.answers} for lk in lookups
    }
    unmeasured = [
        a for lk in lookups for a in lk.answers
        if not a.outcome.measured and not lk.addresses
    ]
    ok = {lk.host: bool(lk.addresses) for lk in lookups}
    if unmeasured and not all(ok.values()):
        reason = unmeasured[0].reason
        return Outcome(Status.ERROR, f"could not check DNS: {reason}", evidence, target=apex)
    missing = [h for h, good in ok.items() if not good]
    if not missing:
        servers = {a.nameserver for lk in lookups for a in lk.answers if a.nameserver}
        where = f" (asked {', '.join(sorted(servers))})" if servers else ""
        return Outcome(Status.PASS, f"{apex} and {www} both resolve{where}", evidence, target=apex)
    why = {
        lk.host: ("does not exist (NXDOMAIN)" if any(a.outcome is DnsOutcome.NXDOMAIN for a in lk.answers)
                  else "has no A/AAAA record")
        for lk in lookups if not lk.addresses
    }
    text = "; ".join(f"{h} {w}" for h, w in why.items())
    if len(missing) == 2:
        return Outcome(Status.FAIL, f"nobody can reach the site: {text}", evidence, blocker=True,
                       fix=fix_for("dns.resolves", domain=apex, host=missing[0]), target=apex)
    return Outcome(Status.WARN, f"visitors who type {missing[0]} get an error: {text}", evidence,
                   fix=fix_for("dns.resolves", domain=apex, host=missing[0]), target=apex)


async def dns_dnssec_caa(ctx: CheckContext) -> Outcome:
    """DNSSEC never bogus; CAA lets the current CA renew (logic in checks/dns_security.py)."""
    from launchready_tui.checks.dns_security import check_dnssec_caa
    from launchready_tui.checks.rdap import registrable_domain

    apex = registrable_domain(ctx.project.domain)
    hosts = product_hosts(ctx.project, MAX_PRODUCT_HOSTS)
    return await check_dnssec_caa(ctx, hosts, apex, await fix_provider(ctx, "dns"))


async def dns_ipv6(ctx: CheckContext) -> Outcome:
    """Published AAAA records answer with the same page as IPv4 (logic in checks/ipv6_reach.py)."""
    from launchready_tui.checks.ipv6_reach import check_ipv6

    return await check_ipv6(ctx, product_hosts(ctx.project, MAX_PRODUCT_HOSTS), await fix_provider(ctx, "web"))
