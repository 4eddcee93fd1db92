"""Stage 2: every subdomain the product uses resolves, serves trusted TLS, answers, and is claimed.

For app./api./admin./docs. (the project's ``subdomains``) and the hosts of ``app_url`` / ``api_url``:
DNS (the CNAME chain is followed hop by hop, so a CNAME whose target does not exist is seen even
when the server answers NXDOMAIN for the whole chain), TLS (shared capture), the redirect walk from
``https://host/`` and the final status.

A **dangling CNAME** to a platform where anyone can register the target name is a subdomain
takeover: a stranger serves pages (and reads cookies scoped to the parent domain) on your name.
Platforms and their "unclaimed" fingerprints follow EdOverflow's can-i-take-over-xyz list (facts,
our own table). Design checks-web.md §2 rates a dangling CNAME ``warn``; we ``fail`` (blocker) when
the target is on a platform where the name is claimable, and ``warn`` for other dangling targets.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from launchready_tui.checks import web_requests as wr
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.html_refs import parse_page
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.tally import Tally
from launchready_tui.checks.targets import subdomain_hosts
from launchready_tui.checks.tls_certs import _why_untrusted
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.resolver import DnsOutcome
from launchready_tui.net.tls import TlsError

MAX_SUBDOMAINS = 30  # a founder's list, not an enumeration: keep the audit bounded
MAX_CNAME_HOPS = 8


@dataclass(frozen=True, slots=True)
class Platform:
    suffix: str
    name: str
    fingerprint: str | None = None  # body text of the platform's "no site here" page


# Where a dangling CNAME can be claimed by anyone (can-i-take-over-xyz, "Vulnerable" entries).
PLATFORMS: tuple[Platform, ...] = (
    Platform("herokuapp.com", "Heroku", "no such app"),
    Platform("herokudns.com", "Heroku", "no such app"),
    Platform("github.io", "GitHub Pages", "there isn't a github pages site here"),
    Platform("s3.amazonaws.com", "AWS S3", "nosuchbucket"),
    Platform("s3-website.amazonaws.com", "AWS S3", "nosuchbucket"),
    Platform("elasticbeanstalk.com", "AWS Elastic Beanstalk"),
    Platform("azurewebsites.net", "Azure App Service"),
    Platform("cloudapp.net", "Azure"),
    Platform("cloudapp.azure.com", "Azure"),
    Platform("trafficmanager.net", "Azure Traffic Manager"),
    Platform("blob.core.windows.net", "Azure Storage"),
    Platform("azureedge.net", "Azure CDN"),
    Platform("netlify.app", "Netlify", "not found - request id"),
    Platform("bitbucket.io", "Bitbucket", "repository not found"),
    Platform("surge.sh", "Surge", "project not found"),
    Platform("ghost.io", "Ghost", "the thing you were looking for is no longer here"),
    Platform("readthedocs.io", "Read the Docs", "unknown to read the docs"),
    Platform("pantheonsite.io", "Pantheon", "404 error unknown site"),
    Platform("helpscoutdocs.com", "Help Scout", "no settings were found for this company"),
    Platform("wordpress.com", "WordPress.com", "do you want to register"),
    Platform("myshopify.com", "Shopify", "sorry, this shop is currently unavailable"),
    Platform("webflow.io", "Webflow", "the page you are looking for doesn't exist or has been moved"),
    Platform("fly.dev", "Fly.io"),
    Platform("onrender.com", "Render"),
    Platform("up.railway.app", "Railway"),
    Platform("vercel.app", "Vercel", "deployment_not_found"),
)
_ADMIN_WORDS = re.compile(r"\b(admin|administration|dashboard|control panel|back ?office)\b", re.I)


def platform_of(name: str) -> Platform | None:
    name = name.lower().rstrip(".")
    return next((p for p in PLATFORMS if name == p.suffix or name.endswith("." + p.suffix)), None)


@dataclass(slots=True)
class SubResult:
    host: str
    status: Status = Status.PASS
    messages: list[str] = field(default_factory=list)
    row: dict[str, Any] = field(default_factory=dict)

    def flag(self, status: Status, message: str) -> None:
        order = [Status.PASS, Status.ERROR, Status.WARN, Status.FAIL]
        if order.index(status) > order.index(self.status):
            self.status = status
        self.messages.append(message)


async def _cname_chain(ctx: CheckContext, host: str) -> tuple[list[str], str | None]:
    """The CNAME targets from ``host`` in order, and a reason if DNS could not be asked."""
    chain: list[str] = []
    current = host
    for _ in range(MAX_CNAME_HOPS):
        answer = await ctx.resolver.query(current, "CNAME")
        if not answer.outcome.measured:
            return chain, answer.reason
        if answer.outcome is not DnsOutcome.OK or not answer.records:
            break
        current = answer.records[0].rstrip(".").lower()
        if current in chain:
            break  # a CNAME loop: the address lookup below reports it as unresolvable
        chain.append(current)
    return chain, None


async def _check_one(ctx: CheckContext, host: str) -> SubResult:
    res = SubResult(host)
    chain, dns_problem = await _cname_chain(ctx, host)
    addresses = await ctx.resolver.addresses(host, 443)
    res.row = {"host": host, "cname_chain": chain, "addresses": addresses.addresses}
    platform = next((p for p in map(platform_of, chain) if p is not None), None)
    if platform is not None:
        res.row["platform"] = platform.name
    if dns_problem is not None and not addresses.addresses:
        res.flag(Status.ERROR, f"{host}: {dns_problem}")
        return res
    if not addresses.addresses:
        unmeasured = [a for a in addresses.answers if not a.outcome.measured]
        if unmeasured:
            res.flag(Status.ERROR, f"{host}: {unmeasured[0].reason}")
        elif chain and platform is not None:
            res.flag(Status.FAIL, f"{host} points (CNAME) to {chain[-1]}, which does not exist on {platform.name}: "
                     "anyone can claim that name there and serve pages on your domain (subdomain takeover)")
        elif chain:
            res.flag(Status.WARN, f"{host} points (CNAME) to {chain[-1]}, which does not exist (dangling record: "
                     "remove it or point it somewhere you control)")
        else:
            res.row["not_in_dns"] = True
            res.messages.append(f"{host}: not in DNS (not used)")
        return res
    await _check_tls_and_page(ctx, res, platform)
    return res


async def _check_tls_and_page(ctx: CheckContext, res: SubResult, platform: Platform | None) -> None:
    host = res.host
    probe, walk = await asyncio.gather(wr.tls_probe(ctx, host), wr.walk(ctx, f"https://{host}/"))
    if isinstance(probe, TlsError):
        res.row["tls"] = {"error": probe.message, "error_kind": probe.kind}
        if probe.kind == "connect" and "refused" in probe.message:
            res.flag(Status.WARN, f"{host} resolves but nothing answers on HTTPS (port 443): remove the record "
                     "if the name is unused")
        elif probe.kind in ("tls", "connect"):
            res.flag(Status.FAIL, f"{host}: TLS is broken ({probe.message})")
        else:
            res.flag(Status.ERROR, f"{host}: {probe.message}")
        return
    res.row["tls"] = {"verified": probe.verified, "issuer": probe.issuer, "not_after": probe.not_after.isoformat(),
                      "protocol": probe.protocol}
    if not probe.verified:
        res.flag(Status.FAIL, f"{host}: {_why_untrusted(probe)}")
    res.row["hops"] = walk.hops_json()
    final = walk.final
    if final is None:
        if walk.error is not None and walk.error.kind not in ("tls", "connect", "protocol"):
            res.flag(Status.ERROR, f"{host}: {walk.error.message}")
        elif probe.verified:
            res.flag(Status.WARN, f"https://{host}/ does not reach a page: {walk.describe_end()}")
        return
    res.row["final_url"], res.row["final_status"] = final.url, final.status
    body = final.text[:200_000].lower()
    if platform is not None and platform.fingerprint and platform.fingerprint in body:
        res.flag(Status.FAIL, f"{host} shows {platform.name}'s \"no site here\" page: the name it points to is "
                 "unclaimed, so anyone can claim it and serve pages on your domain (subdomain takeover)")
        return
    if final.status >= 500:
        res.flag(Status.WARN, f"https://{host}/ answers HTTP {final.status} (server error)")
    if final.status == 200 and "html" in final.headers.get("content-type", "").lower():
        page = parse_page(final.text, final.url)
        looks_admin = bool(_ADMIN_WORDS.search(page.title + " " + " ".join(page.headings[:3])))
        if looks_admin and page.password_fields == 0 and "www-authenticate" not in final.headers:
            res.flag(Status.WARN, f"{final.url} looks like an admin page and opens without signing in")


async def routing_subdomains(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    hosts = subdomain_hosts(ctx.project)
    if not hosts:
        return Outcome(Status.SKIPPED, "no subdomains listed in the project file (subdomains:)", {"hops": []},
                       target=target)
    extra = hosts[MAX_SUBDOMAINS:]
    hosts = hosts[:MAX_SUBDOMAINS]
    done = 0

    async def one(host: str) -> SubResult:
        nonlocal done
        result = await _check_one(ctx, host)
        done += 1
        ctx.say("routing.subdomains", f"{done} of {len(hosts)} subdomains checked ({host})")
        return result

    results = await asyncio.gather(*(one(h) for h in hosts))
    tally = Tally()
    rows = []
    for r in results:
        r.row["verdict"] = r.status.value
        r.row["notes"] = r.messages
        rows.append(r.row)
        if r.status is Status.PASS:
            tally.add(Status.PASS, "; ".join(r.messages) or f"{r.host}: ok")
        else:
            for message in r.messages:
                tally.add(r.status, message)
    worst = next((r.row for r in results if r.status is tally.status), rows[0] if rows else {})
    evidence: dict[str, Any] = {"hops": worst.get("hops", []), "subdomains": rows}
    if extra:
        evidence["not_checked"] = extra
    status = tally.status
    used = [r.host for r in results if not r.row.get("not_in_dns")]
    fix = None
    if status in (Status.FAIL, Status.WARN):
        fix = fix_for("routing.subdomains", await fix_provider(ctx, "web"), domain=target)
    passed = f"{len(used)} subdomains resolve, serve trusted TLS and answer: {', '.join(used) or 'none in use'}"
    return Outcome(status, tally.summary(passed), evidence, blocker=status is Status.FAIL, fix=fix, target=target)
