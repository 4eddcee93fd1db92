"""Stage 2 certificate checks: every live hostname presents a certificate a browser trusts."""

from __future__ import annotations

import asyncio

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.targets import HostSet, classify_hosts, web_hosts
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.tls import TlsError, TlsInfo, probe_tls


async def live_hosts(ctx: CheckContext) -> HostSet:
    """Every host of the product, split by what DNS says (timeouts kept apart from "absent")."""
    return await classify_hosts(ctx, web_hosts(ctx.project))


async def probe_all(ctx: CheckContext, hosts: list[str]) -> list[TlsInfo | TlsError]:
    async def one(host: str) -> TlsInfo | TlsError:
        try:
            return await probe_tls(host, 443, resolver=ctx.resolver, overrides=ctx.http.overrides,
                                   ca_file=ctx.http.ca_file)
        except TlsError as exc:
            return exc

    return list(await asyncio.gather(*(one(h) for h in hosts)))


def _why_untrusted(info: TlsInfo) -> str:
    err = (info.verify_error or "").lower()
    if "expired" in err or info.days_left() < 0:
        return f"certificate expired on {info.not_after:%Y-%m-%d}"
    if "hostname" in err or "mismatch" in err or "doesn't match" in err:
        return f"certificate is for {', '.join(info.sans[:4]) or info.subject}, not {info.host}"
    if info.self_signed:
        return "certificate is self-signed (no browser trusts it)"
    if "in certificate chain" in err or "unable to get local issuer" in err or "unknown ca" in err:
        return f"certificate issuer {info.issuer!r} is not trusted (a private CA, or a missing intermediate)"
    return f"certificate is not trusted: {info.verify_error}"


async def tls_cert_valid(ctx: CheckContext) -> Outcome:
    found = await live_hosts(ctx)
    live = found.live
    if not live:
        why = next(iter(found.unresolved.values()), "no host of the domain has an address")
        return Outcome(Status.ERROR, f"no certificate could be checked: {why}",
                       {"not_in_dns": found.absent, "dns_unanswered": found.unresolved}, target=ctx.project.domain)
    probes = await probe_all(ctx, live)
    rows: list[dict[str, object]] = []
    bad: list[str] = []
    unmeasured: list[str] = [f"{h}: could not resolve ({why})" for h, why in found.unresolved.items()]
    for host, probe in zip(live, probes, strict=True):
        if isinstance(probe, TlsError):
            rows.append({"host": host, "error": probe.message, "error_kind": probe.kind})
            # No TLS on 443 at all is a fact about the site; a timeout or DNS trouble is not.
            (bad if probe.kind in ("tls", "connect") else unmeasured).append(f"{host}: {probe.message}")
            continue
        rows.append(probe.to_evidence())
        if not probe.verified:
            bad.append(f"{host}: {_why_untrusted(probe)}")
    evidence = {"hosts": rows, "not_in_dns": found.absent, "dns_unanswered": found.unresolved}
    target = ctx.project.domain
    if bad:
        return Outcome(Status.FAIL, "browsers will show a security warning — " + "; ".join(bad), evidence,
                       blocker=True, target=target, fix=fix_for("tls.cert_valid", domain=target))
    if unmeasured:
        return Outcome(Status.ERROR, "could not check every certificate: " + "; ".join(unmeasured), evidence,
                       target=target)
    return Outcome(Status.PASS, f"trusted certificates on all {len(live)} live hosts", evidence, target=target)
