"""Stage 1: does HTTPS work on the names visitors type (certificate trusted, page answers).

The walks are the run's shared ones (``web_requests.walk``): the header, routing and provider checks
read the same home pages without asking again.
"""

from __future__ import annotations

import asyncio

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.targets import classify_hosts, entry_hosts
from launchready_tui.checks.web_requests import walk as shared_walk
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.http import RedirectWalk

# Failures that are facts about the site (fail) rather than failures to measure (error).
_MEASURED_KINDS = {"tls", "connect"}


def _row(host: str, walk: RedirectWalk) -> dict[str, object]:
    row: dict[str, object] = {"host": host, "hops": [h.to_json() for h in walk.hops]}
    if walk.final is not None:
        row.update(status=walk.final.status, final_url=walk.final.url, http_version=walk.final.http_version)
    if walk.error is not None:
        row.update(error=walk.error.message, error_kind=walk.error.kind)
    if walk.loop:
        row["error"] = "redirect loop"
    if walk.too_many:
        row["error"] = "too many redirects"
    return row


async def http_https_works(ctx: CheckContext) -> Outcome:
    hosts = entry_hosts(ctx.project)
    # www may legitimately not exist; only judge hosts DNS has (the apex always: it is the product).
    found = await classify_hosts(ctx, hosts)
    live = [h for h in hosts if h in found.live or (h == hosts[0] and h not in found.unresolved)]
    walks = await asyncio.gather(*(shared_walk(ctx, f"https://{h}/") for h in live))
    rows = [_row(h, w) for h, w in zip(live, walks, strict=True)]
    evidence = {"hosts": rows, "not_in_dns": found.absent, "dns_unanswered": found.unresolved}
    failures: list[str] = []
    errors: list[str] = [f"could not resolve {h}: {why}" for h, why in found.unresolved.items()]
    for host, walk in zip(live, walks, strict=True):
        if walk.error is not None:
            (failures if walk.error.kind in _MEASURED_KINDS else errors).append(walk.error.message)
        elif walk.loop or walk.too_many:
            failures.append(f"https://{host}/ redirects in a loop")
        elif walk.final is not None and walk.final.status >= 500:
            failures.append(f"https://{host}/ answers HTTP {walk.final.status}")
    target = hosts[0]
    if failures:
        return Outcome(Status.FAIL, "; ".join(failures), evidence, blocker=True, target=target,
                       fix=fix_for("http.https_works", domain=target))
    if errors and not live:
        return Outcome(Status.ERROR, f"could not test HTTPS: {errors[0]}", evidence, target=target)
    if errors and all(w.error is not None for w in walks):  # not one host answered: nothing "works"
        return Outcome(Status.ERROR, f"could not test HTTPS: {'; '.join(errors)}", evidence, target=target)
    if errors:
        return Outcome(Status.ERROR, f"HTTPS works on some hosts, but: {'; '.join(errors)}", evidence,
                       target=target)
    odd = [f"https://{h}/ answers HTTP {w.final.status}" for h, w in zip(live, walks, strict=True)
           if w.final is not None and w.final.status >= 400]
    if odd:
        return Outcome(Status.WARN, "; ".join(odd), evidence, target=target,
                       fix=fix_for("http.https_works", domain=target))
    return Outcome(Status.PASS, f"HTTPS works with a trusted certificate on {', '.join(live)}", evidence,
                   target=target)
