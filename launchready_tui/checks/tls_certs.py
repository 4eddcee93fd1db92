"""Stage 2 certificate checks: every live hostname presents a certificate a browser trusts."""

from __future__ import annotations

import asyncio

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.tally import Tally
from launchready_tui.checks.targets import HostSet, classify_hosts, web_hosts
from launchready_tui.checks.web_requests import tls_probe
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.tls import TlsError, TlsInfo
from launchready_tui.net.tls_versions import offers_version


async def live_hosts(ctx: CheckContext) -> HostSet:
    """Every host of the product, split by what DNS says (timeouts kept apart from "absent")."""
    return await classify_hosts(ctx, web_hosts(ctx.project))


async def probe_all(ctx: CheckContext, hosts: list[str]) -> list[TlsInfo | TlsError]:
    """One certificate capture per host, shared by the run's TLS, subdomain, HTTP/2 and CAA checks."""
    return list(await asyncio.gather(*(tls_probe(ctx, h) for h in hosts)))


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


# -- tls.cert_expiry -------------------------------------------------------------------------------
# checks-web.md §7: judged against the certificate's own lifetime, because public lifetimes shrink
# (CA/B Forum SC-081v3: 200 days from March 2026, 100 from 2027, 47 from 2029), which makes fixed
# 30/60-day warnings noise. PASS while more than max(14 d, a third of the lifetime) is left; WARN
# below a third (auto-renewal is probably failing; for a 90-day certificate that is 30 days, the
# same as testssl's Let's Encrypt threshold), or under 30 days on a 200-day-or-longer certificate;
# FAIL when expired or under 7 days.

EXPIRY_FAIL_DAYS = 7.0
EXPIRY_FLOOR_DAYS = 14.0
LONG_LIFETIME_DAYS = 200.0
LONG_LIFETIME_WARN_DAYS = 30.0
VERY_LONG_LIFETIME_DAYS = 5 * 365.0  # testssl: a lifetime of 5 years or more is itself a finding


def expiry_verdict(days_left: float, lifetime_days: float) -> tuple[Status, str]:
    """Status and plain reason for a certificate with ``days_left`` of ``lifetime_days``."""
    left = f"{days_left:.0f} day{'s' if round(days_left) != 1 else ''}"
    if days_left < 0:
        return Status.FAIL, f"expired {-days_left:.0f} days ago"
    if days_left < EXPIRY_FAIL_DAYS:
        return Status.FAIL, f"expires in {left}"
    third = lifetime_days / 3
    if days_left <= max(EXPIRY_FLOOR_DAYS, third):
        return Status.WARN, (f"expires in {left}, less than a third of its {lifetime_days:.0f}-day lifetime: "
                             "automatic renewal is probably not working")
    if lifetime_days >= LONG_LIFETIME_DAYS and days_left < LONG_LIFETIME_WARN_DAYS:
        return Status.WARN, f"expires in {left}"
    return Status.PASS, f"{left} left of {lifetime_days:.0f}"


async def tls_cert_expiry(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    found = await classify_hosts(ctx, web_hosts(ctx.project))
    if not found.live:
        reason = "; ".join(found.unresolved.values()) or "no host of the domain resolves"
        return Outcome(Status.ERROR, f"could not check certificate expiry: {reason}",
                       {"not_in_dns": found.absent}, target=target)
    ctx.say("tls.cert_expiry", f"reading certificates of {len(found.live)} hosts")
    probes = await probe_all(ctx, found.live)
    tally = Tally()
    by_cert: dict[str, dict[str, object]] = {}
    for host, probe in zip(found.live, probes, strict=True):
        if isinstance(probe, TlsError):
            if probe.kind not in ("tls", "connect"):
                tally.add(Status.ERROR, f"{host}: {probe.message}")
            continue  # no certificate to date: tls.cert_valid reports a broken or missing TLS
        row = by_cert.get(probe.sha256)
        if row is not None:
            row["hosts"].append(host)  # type: ignore[attr-defined]
            continue
        status, reason = expiry_verdict(probe.days_left(), probe.lifetime_days)
        row = {"hosts": [host], "subject": probe.subject, "issuer": probe.issuer,
               "not_before": probe.not_before.isoformat(), "not_after": probe.not_after.isoformat(),
               "days_left": round(probe.days_left(), 1), "lifetime_days": round(probe.lifetime_days, 1),
               "verdict": status.value, "reason": reason, "sha256": probe.sha256}
        if probe.lifetime_days >= VERY_LONG_LIFETIME_DAYS:
            row["note"] = "a lifetime of 5 years or more: browsers reject public certificates this long"
        by_cert[probe.sha256] = row
    for row in by_cert.values():
        hosts = row["hosts"]
        names = ", ".join(hosts[:3]) + (f" (+{len(hosts) - 3})" if len(hosts) > 3 else "")  # type: ignore[index,arg-type]
        tally.add(Status(str(row["verdict"])), f"certificate of {names} {row['reason']} "
                  f"(on {str(row['not_after'])[:10]})")
    for host, reason in found.unresolved.items():
        tally.add(Status.ERROR, f"{host}: {reason}")
    evidence = {"certificates": list(by_cert.values()), "not_in_dns": found.absent}
    status = tally.status
    if not by_cert and status is Status.PASS:
        return Outcome(Status.ERROR, "no host presented a certificate (see tls.cert_valid)", evidence, target=target)
    soonest = min((float(r["days_left"]) for r in by_cert.values()), default=0.0)  # type: ignore[arg-type]
    fix = None
    if status in (Status.FAIL, Status.WARN):
        fix = fix_for("tls.cert_expiry", await fix_provider(ctx, "web"), domain=target)
    return Outcome(status, tally.summary(f"{len(by_cert)} certificate{'s' if len(by_cert) != 1 else ''} with "
                                         f"enough time left (soonest renewal due in {soonest:.0f} days)"),
                   evidence, blocker=status is Status.FAIL, fix=fix, target=target)


# -- tls.protocols ---------------------------------------------------------------------------------
# One handshake pinned to each version (minimum = maximum), design §7. testssl/SSL Labs: TLS 1.0/1.1
# cap the grade (WARN), no TLS 1.3 costs a notch (WARN), no TLS 1.2+ at all fails. SSLv2/SSLv3
# cannot be offered by a modern OpenSSL: they are reported as "not testable here", never "disabled".

_VERSIONS = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_LABEL = {"TLSv1": "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}


def protocols_verdict(offered: dict[str, str]) -> tuple[Status, list[str]]:
    yes = [v for v, r in offered.items() if r == "yes"]
    problems: list[str] = []
    modern = [v for v in ("TLSv1.2", "TLSv1.3") if offered.get(v) == "yes"]
    if not modern:
        if any(offered.get(v, "").startswith("unknown") for v in ("TLSv1.2", "TLSv1.3")):
            return Status.ERROR, ["could not test TLS 1.2/1.3"]
        return Status.FAIL, ["no TLS 1.2 or 1.3: current browsers refuse to connect"]
    status = Status.PASS
    old = [_LABEL[v] for v in yes if v in ("TLSv1", "TLSv1.1")]
    if old:
        status = Status.WARN
        problems.append(f"still accepts {' and '.join(old)} (retired in 2020, RFC 8996)")
    if offered.get("TLSv1.3") == "no":
        status = Status.WARN
        problems.append("does not offer TLS 1.3 (faster handshakes, simpler ciphers)")
    return status, problems


async def tls_protocols(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    found = await classify_hosts(ctx, web_hosts(ctx.project))
    if not found.live:
        reason = "; ".join(found.unresolved.values()) or "no host of the domain resolves"
        return Outcome(Status.ERROR, f"could not check TLS versions: {reason}", {"not_in_dns": found.absent},
                       target=target)
    probes = await probe_all(ctx, found.live)
    hosts = [h for h, p in zip(found.live, probes, strict=True) if isinstance(p, TlsInfo)]
    tally = Tally()
    for host, probe in zip(found.live, probes, strict=True):
        if isinstance(probe, TlsError) and probe.kind not in ("tls", "connect"):
            tally.add(Status.ERROR, f"{host}: {probe.message}")
    ctx.say("tls.protocols", f"{len(_VERSIONS)} pinned handshakes on each of {len(hosts)} hosts")
    results = [r.to_json() for r in await asyncio.gather(*(
        offers_version(h, 443, v, ctx.resolver, ctx.http.overrides) for h in hosts for v in _VERSIONS))]
    rows = []
    for i, host in enumerate(hosts):
        offered = dict(zip(_VERSIONS, results[i * len(_VERSIONS):(i + 1) * len(_VERSIONS)], strict=True))
        offered["SSLv3"] = "unknown: this machine's OpenSSL cannot offer it"
        status, problems = protocols_verdict(offered)
        for problem in problems:
            tally.add(status, f"{host} {problem}")
        rows.append({"host": host, "versions": offered, "verdict": status.value, "problems": problems})
    for host, reason in found.unresolved.items():
        tally.add(Status.ERROR, f"{host}: {reason}")
    evidence = {"hosts": rows, "not_in_dns": found.absent,
                "note": "SSLv2/SSLv3 cannot be offered by this machine's OpenSSL, so they are not tested"}
    if not rows and tally.status is Status.PASS:
        return Outcome(Status.ERROR, "no host completed a TLS handshake (see tls.cert_valid)", evidence,
                       target=target)
    status = tally.status
    fix = fix_for("tls.protocols", await fix_provider(ctx, "web"), domain=target) \
        if status in (Status.FAIL, Status.WARN) else None
    return Outcome(status, tally.summary(f"TLS 1.2 and 1.3 only, on all {len(rows)} hosts"), evidence,
                   fix=fix, target=target)
