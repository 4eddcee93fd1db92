"""Stage 2 routing: http→https, one canonical host, short redirect chains without loops.

Rules from checks-web.md §5 (hstspreload's redirect rules, MDN HTTP Observatory's redirection test):
the first hop from ``http://host/`` goes to ``https://`` on the same host with a permanent status;
apex and www converge on one origin; ≤ 2 redirects from an http entry, ≤ 1 from an https entry,
3 is a warning, more (or a loop, or an error page at the end) fails. Every walk is shared with the
other web checks (``web_requests``), so each entry URL is requested once per run.

Evidence: ``hops`` is the contract's list of ``{url, status, location}`` (plus ``ip`` and
``http_version``) for the chain the summary talks about; ``chains`` has every walk.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx

from launchready_tui.checks import web_requests as wr
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.html_refs import parse_page
from launchready_tui.checks.provider_pick import fix_provider, headers_show
from launchready_tui.checks.tally import Tally
from launchready_tui.checks.targets import classify_hosts, entry_hosts, front_hosts
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.http import WALK_MAX_HOPS, RedirectWalk, url_origin

_PERMANENT = (301, 308)
# FetchError kinds that are facts about the site; the rest (timeout, dns, …) mean "not measured".
_MEASURED = {"tls", "connect", "protocol"}


def _refused(walk: RedirectWalk) -> bool:
    err = walk.error
    return err is not None and err.kind == "connect" and "refused" in err.message and not walk.hops


def _chain_json(walk: RedirectWalk, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"start": walk.start, "hops": walk.hops_json(), "redirects": walk.redirects}
    if walk.error is not None:
        row["error"] = walk.error.message
    if walk.loop:
        row["loop"] = True
    if walk.too_many:
        row["too_many"] = True
    row.update(extra)
    return row


def _seen(walks: list[RedirectWalk], provider: str) -> bool:
    """Any hop of any walk carries this provider's headers (a loop often ends before the final page)."""
    return any(headers_show(hop.headers, provider) for w in walks for hop in w.hops)


def _unmeasured(walk: RedirectWalk) -> bool:
    return walk.error is not None and walk.error.kind not in _MEASURED


async def _entry_walks(ctx: CheckContext, hosts: list[str], schemes: tuple[str, ...]) -> list[RedirectWalk]:
    urls = [f"{scheme}://{host}/" for host in hosts for scheme in schemes]
    return list(await asyncio.gather(*(wr.walk(ctx, u) for u in urls)))


# -- routing.http_to_https -----------------------------------------------------------------------


def _judge_http(host: str, walk: RedirectWalk, apex: str) -> tuple[Status, str]:
    if _refused(walk):
        return Status.PASS, f"{host}: nothing listens on port 80 (no plain-HTTP site to redirect)"
    if walk.error is not None and not walk.hops:
        if walk.error.kind in _MEASURED:
            return Status.FAIL, f"http://{host}/ is broken: {walk.error.message}"
        return Status.ERROR, walk.error.message
    first = walk.hops[0]
    if first.location is None:
        if first.status < 400:
            return Status.FAIL, f"http://{host}/ serves the page over plain HTTP (HTTP {first.status}) " \
                                "instead of redirecting to https"
        return Status.FAIL, f"http://{host}/ answers HTTP {first.status} instead of redirecting to https"
    target = urlsplit(first.location)
    if target.scheme != "https":
        return Status.FAIL, f"http://{host}/ redirects to another plain-HTTP address ({first.location}) " \
                            "before https"
    final = walk.final
    if final is not None and urlsplit(final.url).scheme != "https":
        return Status.FAIL, f"http://{host}/ ends on plain HTTP ({final.url})"
    problems = []
    to_host = (target.hostname or "").lower()
    if to_host != host and not (host == f"www.{apex}" and to_host == apex):
        # hstspreload: the apex must reach https on itself first; www → https://apex in one hop is fine
        problems.append(f"http://{host}/ goes to another host ({target.hostname}) before https on {host} "
                        "(HSTS preload wants https on the same host first)")
    if first.status not in _PERMANENT:
        problems.append(f"http://{host}/ uses a temporary redirect (HTTP {first.status}); use 301 or 308")
    if problems:
        return Status.WARN, "; ".join(problems)
    return Status.PASS, f"http://{host}/ → {first.location} ({first.status})"


async def routing_http_to_https(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    found = await classify_hosts(ctx, entry_hosts(ctx.project), port=80)
    if not found.live:
        reason = "; ".join(found.unresolved.values()) or f"none of {', '.join(found.absent)} resolves"
        return Outcome(Status.ERROR, f"could not check plain-HTTP redirects: {reason}",
                       {"not_in_dns": found.absent, "hops": []}, target=target)
    ctx.say("routing.http_to_https", f"following http:// on {len(found.live)} hosts")
    walks = await _entry_walks(ctx, found.live, ("http",))
    tally = Tally()
    chains = []
    for host, walk in zip(found.live, walks, strict=True):
        status, message = _judge_http(host, walk, target)
        tally.add(status, message)
        chains.append(_chain_json(walk, verdict=status.value, note=message))
    for host, reason in found.unresolved.items():
        tally.add(Status.ERROR, f"{host}: {reason}")
    worst = _worst_chain(chains)
    evidence = {"hops": worst["hops"] if worst else [], "chains": chains, "not_in_dns": found.absent}
    status = tally.status
    fix = None
    if status in (Status.FAIL, Status.WARN):
        fix = fix_for("routing.http_to_https", await fix_provider(ctx, "web", _first_headers(walks)), domain=target)
    return Outcome(status, tally.summary(f"plain HTTP redirects straight to HTTPS on {', '.join(found.live)}"),
                   evidence, fix=fix, target=target)


def _first_headers(walks: list[RedirectWalk]) -> httpx.Headers | None:
    """Headers that best say who serves the site: an https final page, else any response."""
    finals = [w.final.headers for w in walks if w.final is not None and w.final.url.startswith("https://")]
    return (finals or [hop.headers for w in walks for hop in w.hops] or [None])[0]


def _worst_chain(chains: list[dict[str, Any]]) -> dict[str, Any] | None:
    order = {"fail": 0, "warn": 1, "error": 2, "pass": 3}
    return min(chains, key=lambda c: (order.get(c.get("verdict", "pass"), 3), -len(c["hops"])), default=None)


# -- routing.canonical_host ----------------------------------------------------------------------


def _tag_mismatch(walk: RedirectWalk, final_origin: str) -> list[str]:
    final = walk.final
    if final is None or "html" not in final.headers.get("content-type", "").lower():
        return []
    page = parse_page(final.text, final.url)
    out = []
    for label, value in (("rel=canonical", page.canonical), ("og:url", page.og_url)):
        if value and url_origin(value) != final_origin:
            out.append(f"the page's {label} points to {url_origin(value)} but visitors land on {final_origin}")
    return out


async def routing_canonical_host(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    apex, www = front_hosts(ctx.project)[0], front_hosts(ctx.project)[1]
    found = await classify_hosts(ctx, [apex, www], port=443)
    hosts = [h for h in (apex, www) if h in found.live]
    if apex not in found.live and apex in found.unresolved:
        return Outcome(Status.ERROR, f"could not check: {found.unresolved[apex]}", {"hops": []}, target=target)
    if not hosts:
        return Outcome(Status.FAIL, f"neither {apex} nor {www} resolves, so visitors reach nothing",
                       {"hops": [], "not_in_dns": found.absent}, blocker=True, target=target,
                       fix=fix_for("routing.canonical_host", await fix_provider(ctx, "web"), domain=target))
    ctx.say("routing.canonical_host", "following http and https on " + " and ".join(hosts))
    walks = await _entry_walks(ctx, hosts, ("http", "https"))
    finals: dict[str, str] = {}
    broken: dict[str, str] = {}
    unmeasured: dict[str, str] = {}
    for walk in walks:
        final = walk.final
        if final is not None and final.status < 400:
            finals[walk.start] = url_origin(final.url)
        elif _refused(walk) and walk.start.startswith("http://"):
            continue  # no listener on :80 is judged by routing.http_to_https
        elif _unmeasured(walk):
            unmeasured[walk.start] = walk.describe_end()
        else:
            broken[walk.start] = walk.describe_end()
    chains = [_chain_json(w, final_origin=finals.get(w.start)) for w in walks]
    evidence: dict[str, Any] = {"hops": [], "chains": chains, "final_origins": sorted(set(finals.values())),
                                "not_in_dns": found.absent}
    provider = await fix_provider(ctx, "web", _first_headers(walks))
    fix = fix_for("routing.canonical_host", provider, domain=target, apex=apex, www=www)
    apex_entries = [w.start for w in walks if urlsplit(w.start).hostname == apex]
    apex_ok = any(e in finals for e in apex_entries)
    if not apex_ok and any(e in broken for e in apex_entries) and finals:
        bad = next(broken[e] for e in apex_entries if e in broken)
        evidence["hops"] = next(c["hops"] for c in chains if c["start"] in apex_entries)
        return Outcome(Status.FAIL, f"{apex} itself is broken ({bad}) while {www} works: visitors who type "
                       f"{apex} get an error", evidence, blocker=True, fix=fix, target=target)
    if not finals:
        if unmeasured:
            return Outcome(Status.ERROR, "could not check: " + next(iter(unmeasured.values())), evidence,
                           target=target)
        why = next(iter(broken.values()), "nothing answers")
        return Outcome(Status.FAIL, f"no entry address reaches a working page: {why}", evidence, blocker=True,
                       fix=fix, target=target)
    distinct = sorted(set(finals.values()))
    https_finals = {o for o in distinct if o.startswith("https://")}
    evidence["hops"] = next((c["hops"] for c in chains if c["start"] == f"https://{apex}/"), chains[0]["hops"])
    if len(distinct) > 1:
        duplicate = len(https_finals) == len(distinct) == 2 and {urlsplit(o).hostname for o in distinct} == {apex, www}
        where = ", ".join(distinct)
        if duplicate:
            return Outcome(Status.WARN, f"both {apex} and {www} serve the site without redirecting to one "
                           f"another ({where}): search engines see duplicate pages", evidence, fix=fix,
                           target=target)
        return Outcome(Status.FAIL, f"visitors end up on {len(distinct)} different addresses depending on what "
                       f"they type: {where}", evidence, fix=fix, target=target)
    canonical = distinct[0]
    evidence["canonical"] = canonical
    tally = Tally()
    chosen = next((w for w in walks if w.start.startswith("https://") and w.start in finals), walks[0])
    for message in _tag_mismatch(chosen, canonical):
        tally.add(Status.WARN, message)
    for start, reason in broken.items():
        tally.add(Status.WARN, f"{start} does not reach the site: {reason}")
    for start, reason in unmeasured.items():
        tally.add(Status.ERROR, f"{start}: {reason}")
    if www in found.absent:
        tally.add(Status.PASS, f"{www} does not exist in DNS (visitors typing it get an error; dns.resolves "
                  "reports it)")
    evidence["notes"] = tally.notes
    status = tally.status
    return Outcome(status, tally.summary(f"every entry address ends on {canonical}"), evidence,
                   fix=fix if status in (Status.FAIL, Status.WARN) else None, target=target)


# -- routing.redirect_chain ----------------------------------------------------------------------


def _judge_chain(walk: RedirectWalk, cloudflare: bool) -> tuple[Status, str]:
    start = walk.start
    if walk.loop:
        text = f"{start} redirects in a loop ({' → '.join(h.url for h in walk.hops[-3:])} → " \
               f"{walk.hops[-1].location}): browsers show ERR_TOO_MANY_REDIRECTS"
        if cloudflare:
            text += ". With Cloudflare in front this is usually SSL/TLS mode \"Flexible\" while the origin " \
                    "forces HTTPS: set SSL/TLS mode to \"Full (strict)\""
        return Status.FAIL, text
    if walk.too_many:
        return Status.FAIL, f"{start} needs more than {WALK_MAX_HOPS} redirects (browsers give up at about 20; " \
                            "every hop adds a round trip)"
    if walk.error is not None:
        if not walk.hops:
            if _refused(walk) or walk.error.kind in _MEASURED:
                return Status.PASS, f"{start}: not served ({walk.error.message})"  # judged by other checks
            return Status.ERROR, walk.error.message
        if walk.error.kind in _MEASURED:
            return Status.FAIL, f"{start} redirects to {walk.error.url}, which fails: {walk.error.message}"
        return Status.ERROR, walk.error.message
    final = walk.final
    assert final is not None
    n = walk.redirects
    if n and final.status >= 400:
        return Status.FAIL, f"{start} redirects {n}× and ends on an error page (HTTP {final.status} at {final.url})"
    limit = 2 if start.startswith("http://") else 1
    if n <= limit:
        return Status.PASS, f"{start}: {n} redirect{'s' if n != 1 else ''}"
    text = f"{start} takes {n} redirects to reach {final.url} (at most {limit} needed; each costs a round trip)"
    return (Status.WARN if n <= 3 else Status.FAIL), text


async def routing_redirect_chain(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    found = await classify_hosts(ctx, entry_hosts(ctx.project), port=443)
    if not found.live:
        reason = "; ".join(found.unresolved.values()) or f"none of {', '.join(found.absent)} resolves"
        return Outcome(Status.ERROR, f"could not check redirect chains: {reason}", {"hops": []}, target=target)
    ctx.say("routing.redirect_chain", f"walking redirects from {len(found.live) * 2} entry addresses")
    walks = await _entry_walks(ctx, found.live, ("http", "https"))
    provider = await fix_provider(ctx, "web", _first_headers(walks))
    cloudflare = provider == "cloudflare" or _seen(walks, "cloudflare")
    tally = Tally()
    chains = []
    for walk in walks:
        status, message = _judge_chain(walk, cloudflare)
        tally.add(status, message)
        chains.append(_chain_json(walk, verdict=status.value, note=message))
    for host, reason in found.unresolved.items():
        tally.add(Status.ERROR, f"{host}: {reason}")
    worst = _worst_chain(chains)
    evidence = {"hops": worst["hops"] if worst else [], "chains": chains, "cloudflare_seen": cloudflare,
                "not_in_dns": found.absent}
    status = tally.status
    fix = None
    if status in (Status.FAIL, Status.WARN):
        fix = fix_for("routing.redirect_chain", provider, domain=target)
    longest = max((w.redirects for w in walks if w.final is not None), default=0)
    return Outcome(status, tally.summary(f"short redirect chains (at most {longest}) and no loops from "
                                         f"{len(walks)} entry addresses"), evidence,
                   blocker=status is Status.FAIL, fix=fix, target=target)
