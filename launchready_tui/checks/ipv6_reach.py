"""``dns.ipv6``: when the product publishes AAAA records, do they answer, with the same page as IPv4?

A published but dead AAAA breaks the site for visitors on IPv6-first networks (most mobile carriers):
browsers try IPv6 first and some give up (internet.nl makes this a failure; no AAAA is only a note).
Each family is dialled through a client whose resolver keeps only that family's addresses, so the
net layer (overrides, CA, timeouts) stays the same. When ``--connect-to``/``--resolve`` routes a host
to fixed addresses, only those addresses can be dialled; the evidence says so.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import ipaddress
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.core.model import Impact, Outcome, Status
from launchready_tui.net.http import FetchError, HttpClient, Response
from launchready_tui.net.resolver import AddressLookup, DnsAnswer, Resolver

FAMILY_TIMEOUT_S = 8.0
SAME_PAGE_RATIO = 0.9
# Our own machine having no IPv6 route is not the site's fault.
LOCAL_NO_V6 = ("Network is unreachable", "Errno 101", "Cannot assign requested address", "Errno 99",
               "Address family not supported")


def _family(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address.strip("[]")).version
    except ValueError:
        return None


class FamilyResolver:
    """The run's resolver, answering only addresses of one IP version (4 or 6)."""

    def __init__(self, inner: Resolver, version: int) -> None:
        self._inner = inner
        self.version = version
        self.overrides = inner.overrides

    async def query(self, name: str, rdtype: str, dnssec: bool = False, cd: bool = False) -> DnsAnswer:
        return await self._inner.query(name, rdtype, dnssec=dnssec, cd=cd)

    async def addresses(self, host: str, port: int | None = None) -> AddressLookup:
        lookup = await self._inner.addresses(host, port)
        kept = [a for a in lookup.addresses if _family(a) == self.version]
        return AddressLookup(lookup.host, kept, lookup.source, lookup.answers, lookup.elapsed_ms)


def _digest(r: Response) -> dict[str, Any]:
    return {"status": r.status, "bytes": len(r.body), "sha256": hashlib.sha256(r.body).hexdigest()[:16],
            "remote_addr": r.remote_addr, "location": r.headers.get("location")}


def same_page(a: Response, b: Response) -> bool:
    if a.status != b.status:
        return False
    if a.body == b.body or a.headers.get("location") and a.headers.get("location") == b.headers.get("location"):
        return True
    # Pages with per-request tokens differ a little; a different server differs a lot.
    return difflib.SequenceMatcher(None, a.body[:20000], b.body[:20000]).quick_ratio() >= SAME_PAGE_RATIO


async def _dial(ctx: CheckContext, version: int, url: str) -> Response | FetchError:
    resolver = FamilyResolver(ctx.resolver, version)
    client = HttpClient(resolver, ctx.http.overrides, ca_file=ctx.http.ca_file,  # type: ignore[arg-type]
                        timeout=min(ctx.http.timeout, FAMILY_TIMEOUT_S))
    async with client:
        try:
            return await client.fetch(url, body_cap=256 * 1024)
        except FetchError as exc:
            return exc


async def check_ipv6(ctx: CheckContext, hosts: list[str], provider: str | None) -> Outcome:
    lookups = await asyncio.gather(*(ctx.resolver.addresses(h) for h in hosts))
    rows: dict[str, dict[str, Any]] = {}
    with_v6 = []
    for host, lk in zip(hosts, lookups, strict=True):
        v6 = [a for a in lk.addresses if _family(a) == 6]
        rows[host] = {"aaaa": v6, "a": [a for a in lk.addresses if _family(a) == 4]}
        if v6:
            with_v6.append(host)
    evidence: dict[str, Any] = {"hosts": rows}
    target = hosts[0]
    unmeasured = [a.reason for lk in lookups for a in lk.answers if a.rdtype == "AAAA" and not a.outcome.measured]
    if not with_v6:
        if unmeasured and len(unmeasured) == len(hosts):
            return Outcome(Status.ERROR, f"could not ask for AAAA records: {unmeasured[0]}", evidence, target=target)
        return Outcome(Status.PASS, "no IPv6 (AAAA) records: IPv6-only visitors still reach you through their "
                       "carrier's IPv4 gateway (adding IPv6 is optional)", evidence, target=target)
    failures: list[str] = []
    errors: list[str] = []
    differs: list[str] = []
    routed: list[str] = []
    for host in with_v6:
        to_host, to_port = ctx.http.overrides.route(host, 443)
        pinned = ctx.http.overrides.pinned(to_host, to_port)
        fixed = pinned or ([to_host] if _family(to_host) else None)
        if fixed and not any(_family(a) == 6 for a in fixed):
            routed.append(host)
            rows[host]["not_dialled"] = f"routed to {', '.join(fixed)}:{to_port} by --connect-to/--resolve"
            continue
        ctx.say("dns.ipv6", f"dialling {host} over IPv4 and IPv6")
        url = f"https://{host}/"
        v4, v6 = await asyncio.gather(_dial(ctx, 4, url), _dial(ctx, 6, url))
        rows[host]["ipv4"] = _digest(v4) if isinstance(v4, Response) else {"error": v4.message}
        rows[host]["ipv6"] = _digest(v6) if isinstance(v6, Response) else {"error": v6.message}
        if isinstance(v6, FetchError):
            if any(s in v6.message for s in LOCAL_NO_V6):
                errors.append(f"this computer has no IPv6 connectivity, so {host}'s IPv6 could not be tested")
            elif v6.kind in ("timeout", "dns"):
                errors.append(f"{host} over IPv6: {v6.message}")
            else:
                failures.append(f"{host} publishes IPv6 {', '.join(rows[host]['aaaa'][:2])} but it does not work: "
                                f"{v6.message}")
        elif isinstance(v4, Response) and not same_page(v4, v6):
            differs.append(f"{host} answers HTTP {v6.status} over IPv6 but HTTP {v4.status} over IPv4"
                           if v4.status != v6.status else f"{host} serves a different page over IPv6")
    evidence.update(routed=routed)
    fix = fix_for("dns.ipv6", provider, domain=target, host=(failures or differs or [target])[0].split()[0])
    if failures:
        return Outcome(Status.FAIL, "; ".join(failures) + ": visitors on IPv6 networks (most mobile carriers) "
                       "get errors", evidence, blocker=True, impact=Impact.DOWNTIME, fix=fix, target=target)
    if differs:
        return Outcome(Status.WARN, "; ".join(differs) + " (an old server still answers on IPv6?)", evidence,
                       impact=Impact.DOWNTIME, fix=fix, target=target)
    if errors:
        return Outcome(Status.ERROR, "; ".join(errors), evidence, target=target)
    dialled = [h for h in with_v6 if h not in routed]
    if not dialled:
        return Outcome(Status.SKIPPED, f"IPv6 is published for {', '.join(with_v6)}, but --connect-to/--resolve "
                       "route these names to fixed IPv4 addresses, so IPv6 was not dialled", evidence, target=target)
    return Outcome(Status.PASS, f"IPv6 works on {', '.join(dialled)} and serves the same page as IPv4", evidence,
                   target=target)
