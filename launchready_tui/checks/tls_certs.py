"""Stage 2 certificate checks: every live hostname presents a certificate a browser trusts."""

from __future__ import annotations

import asyncio

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.targets import web_hosts
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.tls import TlsError, TlsInfo, probe_tls


async def live_hosts(ctx: CheckContext) -> tuple[list[str], list[str]]:
    """(hosts with an address, hosts without one)."""
    hosts = web_hosts(ctx.project)
    lookups = await asyncio.gather(*(ctx.resolver.addresses(h, 443) for h in hosts))
    live = [h for h, lk in zip(hosts, lookups, strict=True) if lk.addresses]
    return live, [h for h in hosts if h not in live]


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
    if info.self_signed or "self-signed" in err or "self signed" in err:
        return "certificate is self-signed"
    if "unable to get local issuer" in err or "unknown ca" in err:
        return f"certificate issuer {info.issuer!r} is not trusted (missing intermediate or private CA)"
    return f"certificate is not trusted: {info.verify_error}"


async def tls_cert_valid(ctx: CheckContext) -> Outcome:
    live, not_live = await live_hosts(ctx)
    if not live:
        return Outcome(Status.ERROR, "no host of the domain resolves, so no certificate could be checked",
                       {"not_in_dns": not_live}, target=ctx.project.domain)
    probes = await probe_all(ctx, live)
    rows: list[dict[str, object]] = []
    bad: list[str] = []
    unmeasured: list[str] = []
    for host, probe in zip(live, probes, strict=True):
        if isinstance(probe, TlsError):
            rows.append({"host": host, "error": probe.message, "error_kind": probe.kind})
            # No TLS on 443 at all is a fact about the site; a timeout or DNS trouble is not.
            (bad if probe.kind in ("tls", "connect") else unmeasured).append(f"{host}: {probe.message}")
            continue
        rows.append(probe.to_evidence())
        if not probe.verified:
            bad.append(f"{host}: {_why_untrusted(probe)}")
    evidence = {"hosts": rows, "not_in_dns": not_live}
    target = ctx.project.domain
    if bad:
        return Outcome(Status.FAIL, "browsers will show a security warning — " + "; ".join(bad), evidence,
                       blocker=True, target=target, fix=fix_for("tls.cert_valid", domain=target))
    if unmeasured:
        return Outcome(Status.ERROR, "could not check every certificate: " + "; ".join(unmeasured), evidence,
                       target=target)
    return Outcome(Status.PASS, f"trusted certificates on all {len(live)} live hosts", evidence, target=target)
