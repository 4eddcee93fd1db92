"""``email.mx``, ``email.mta_sts``, ``email.tls_rpt`` and ``email.bimi``: inbound mail and the context records.

* MX (RFC 5321, RFC 7505): a null MX (``0 .``) alone is right for a domain that receives no mail; next to other
  MX records it is a fail; every MX host must resolve (a CNAME is a warning); no MX next to an A record means
  mail goes to the web server.
* MTA-STS (RFC 8461), TLS-RPT (RFC 8460), BIMI: absent is a pass with a note (they are optional); present but
  broken is a warning; an MTA-STS policy in ``enforce`` mode that does not cover an MX host fails, because
  senders that honour it refuse to deliver to that host. The MTA-STS policy and the BIMI logo are fetched
  through ``net/http.py`` (HTTPS, verified, no redirects, small body caps).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.emailauth.context_records import (
    StsPolicy,
    looks_like_svg_tiny_ps,
    parse_bimi,
    parse_sts_policy,
    parse_sts_record,
    parse_tlsrpt,
    sts_policy_text,
)
from launchready_tui.checks.emailauth.dmarc import is_dmarc_record, parse_dmarc
from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.errors import ContextRecordError, DmarcParseError
from launchready_tui.checks.emailauth.findings import Finding, Severity, headline, status_of
from launchready_tui.checks.emailauth.presenting import findings_json
from launchready_tui.checks.emailauth.providers import table
from launchready_tui.checks.emailauth.settings import EmailSettingsView, dns_host, email_settings, mark_ran, new_dns
from launchready_tui.checks.fixes import fix_for
from launchready_tui.core.model import Outcome, Status

POLICY_CAP = 64 * 1024
LOGO_CAP = 64 * 1024
_NUMERIC = re.compile(r"^[0-9.]+$|^[0-9a-fA-F:]+:[0-9a-fA-F:.]*$")


def _mx_hosts(records: list[str]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for record in records:
        parts = record.split()
        if len(parts) == 2 and parts[0].isdigit():
            out.append((int(parts[0]), parts[1].rstrip(".").lower() or "."))
    return sorted(out)


# ------------------------------------------------------------------------------------------------ MX


async def mx_outcome(ctx: CheckContext, dns: EmailDns) -> Outcome:
    settings = email_settings(ctx)
    domain = settings.domain
    ctx.say("email.mx", f"reading the MX records of {domain}")
    answer = await dns.query(domain, "MX")
    evidence: dict[str, object] = {"name": domain, "records": answer.records}
    if not answer.outcome.measured:
        return Outcome(Status.ERROR, f"could not check MX: {answer.reason}", evidence, target=domain)
    hosts = _mx_hosts(answer.records)
    findings: list[Finding] = []
    null = [h for h in hosts if h[1] == "."]
    real = [h for h in hosts if h[1] != "."]
    a, aaaa = await dns.addresses(domain)
    has_address = bool(a.records or aaaa.records)
    if null and real:
        findings.append(Finding("mx.null_with_others", Severity.FAIL, f"{domain} publishes a null MX ('0 .', "
                                "meaning 'no mail here') next to real MX records: senders may refuse all mail to you",
                                name=domain))
    elif null:
        words = "receives no mail (null MX, RFC 7505)"
        if settings.sending:
            findings.append(Finding("mx.null_sending", Severity.NOTE, f"{domain} {words}: replies to your e-mails "
                                    "bounce; fine for no-reply mail", name=domain))
        evidence["null_mx"] = True
    elif not hosts:
        if has_address:
            findings.append(Finding("mx.implicit", Severity.WARN, f"{domain} has no MX record, so mail to "
                                    f"@{domain} goes to the web server at its A/AAAA address: publish your mail "
                                    "provider's MX, or a null MX ('0 .') if you receive no mail", name=domain))
        elif settings.sending:
            findings.append(Finding("mx.none", Severity.WARN, f"{domain} cannot receive mail (no MX and no address); "
                                    "some receivers distrust mail from a domain that cannot take replies",
                                    name=domain))
    checks = await asyncio.gather(*(dns.addresses(h) for _p, h in real))
    details: list[dict[str, object]] = []
    for (pref, host), (ha, haaaa) in zip(real, checks, strict=True):
        row: dict[str, object] = {"preference": pref, "host": host, "addresses": ha.records + haaaa.records}
        details.append(row)
        cnames = ha.cnames or haaaa.cnames
        if _NUMERIC.match(host):
            findings.append(Finding("mx.ip_literal", Severity.FAIL, f"MX {host} is an IP address, not a host name; "
                                    "senders cannot use it", name=host))
        elif ha.records or haaaa.records:
            if cnames:
                row["cnames"] = cnames
                findings.append(Finding("mx.cname", Severity.WARN, f"MX {host} is a CNAME (to {cnames[-1]}); RFC 2181 "
                                        "forbids it and some senders will not deliver", name=host))
        else:
            failed = next((x for x in (ha, haaaa) if not x.outcome.measured), None)
            if failed is not None:
                findings.append(Finding("mx.unverified", Severity.ERROR, f"could not check MX {host}: "
                                        f"{failed.reason}", name=host))
            elif "nxdomain" in (ha.outcome.value, haaaa.outcome.value):
                findings.append(Finding("mx.host_missing", Severity.FAIL, f"MX {host} does not exist, so mail to "
                                        f"@{domain} bounces", name=host))
            else:
                findings.append(Finding("mx.no_address", Severity.FAIL, f"MX {host} has no A/AAAA address, so mail "
                                        f"to @{domain} bounces", name=host))
        provider = table().from_mx(host)
        if provider:
            row["provider"] = provider.id
    names = [h for _p, h in real]
    dupes = sorted({h for h in names if names.count(h) > 1})
    if dupes:
        findings.append(Finding("mx.duplicate", Severity.NOTE, f"MX host listed more than once: {', '.join(dupes)}",
                                name=domain))
    evidence["hosts"] = details
    evidence["findings"] = findings_json(findings)
    status = status_of(findings)
    fix = None
    if status in (Status.FAIL, Status.WARN):
        mailbox = next((p for p in settings.senders if p.mx_records), None)
        if not settings.sending and not real:
            steps = f"Publish a null MX for {domain} (it receives no mail):\n\n    {domain}.  MX  0 ."
        elif mailbox is not None:
            records = "\n".join(f"    {domain}.  MX  {r}" for r in mailbox.mx_for(domain))
            steps = (f"Point {domain}'s mail at {mailbox.name}: replace the MX records with\n\n{records}\n\n"
                     "and delete MX records for hosts that do not exist" + (" and the null MX." if null else "."))
        else:
            bad = [f.name for f in findings
                   if f.name and f.code in ("mx.host_missing", "mx.no_address", "mx.ip_literal")]
            steps = (f"Delete the MX records for {', '.join(bad)} or point them at your mail provider's servers "
                     "(its setup page lists them)." if bad else
                     f"Publish your mail provider's MX records for {domain}, or a null MX (MX 0 .) if it receives "
                     "no mail.")
        fix = fix_for("email.mx", await dns_host(ctx, dns, domain), domain=domain, steps=steps)
    if status is Status.PASS:
        summary = (f"{domain} receives no mail (null MX)" if null and not real else
                   f"mail for {domain} goes to {', '.join(h for _p, h in real)}" if real else
                   f"{domain} has no MX and no address")
    else:
        summary = headline(findings)
    return Outcome(status, summary, evidence, fix=fix, target=domain)


async def email_mx(ctx: CheckContext) -> Outcome:
    mark_ran(ctx, "email.mx")
    return await mx_outcome(ctx, new_dns(ctx))


# ------------------------------------------------------------------------------------------- MTA-STS


async def _fetch(ctx: CheckContext, url: str, cap: int) -> tuple[int | None, bytes, str, str | None, bool]:
    """(status, body, content type, problem, unmeasured) of one HTTPS GET, never following redirects."""
    from launchready_tui.net.http import FetchError

    try:
        response = await ctx.http.fetch(url, verify=True, body_cap=cap)
    except FetchError as exc:
        return None, b"", "", f"{exc}", exc.kind == "timeout"
    return response.status, response.body, response.headers.get("content-type", ""), None, False


async def _policy_hosts(dns: EmailDns, mx_hosts: list[str], settings: EmailSettingsView) -> list[str]:
    """MX hosts for a new policy: the ones that resolve, else the mailbox provider's, else what is there."""
    lookups = await asyncio.gather(*(dns.addresses(h) for h in mx_hosts))
    working = [h for h, (a, aaaa) in zip(mx_hosts, lookups, strict=True) if a.records or aaaa.records]
    if working:
        return working
    mailbox = next((p for p in settings.senders if p.mx_records), None)
    if mailbox is not None:
        return [r.split()[-1].rstrip(".") for r in mailbox.mx_for(settings.domain)]
    return mx_hosts or [f"mx.{settings.domain}"]


async def mta_sts_outcome(ctx: CheckContext, dns: EmailDns) -> Outcome:
    settings = email_settings(ctx)
    domain = settings.domain
    name = f"_mta-sts.{domain}"
    url = f"https://mta-sts.{domain}/.well-known/mta-sts.txt"
    ctx.say("email.mta_sts", f"reading {name}")
    txt, mx = await asyncio.gather(dns.txt(name), dns.query(domain, "MX"))
    evidence: dict[str, object] = {"name": name, "policy_url": url}
    if not txt.measured:
        return Outcome(Status.ERROR, f"could not check MTA-STS: {txt.answer.reason}", evidence, target=domain)
    records = [t for t in txt.texts if t.startswith("v=STSv1")]
    evidence["records"] = records
    mx_hosts = [h for _p, h in _mx_hosts(mx.records) if h != "."] if mx.ok else []
    findings: list[Finding] = []
    policy: StsPolicy | None = None
    if not records:
        evidence["findings"] = []
        return Outcome(Status.PASS, f"MTA-STS is not set up for {domain} (optional: it protects incoming mail from "
                       "interception)", evidence, target=domain)
    if len(records) > 1:
        findings.append(Finding("mta_sts.multiple", Severity.WARN, f"{name} has {len(records)} v=STSv1 records; "
                                "senders then ignore MTA-STS", name=name))
    else:
        try:
            record = parse_sts_record(records[0])
            evidence["id"] = record.id
        except ContextRecordError as exc:
            findings.append(Finding("mta_sts.bad_record", Severity.WARN, f"{name}: {exc}", name=name))
    ctx.say("email.mta_sts", f"fetching {url}")
    status_code, body, ctype, problem, unmeasured = await _fetch(ctx, url, POLICY_CAP)
    evidence["policy_status"] = status_code
    if unmeasured:
        findings.append(Finding("mta_sts.unverified", Severity.ERROR, f"could not fetch the MTA-STS policy: {problem}",
                                name=url))
    elif problem is not None:
        findings.append(Finding("mta_sts.unreachable", Severity.WARN, f"the MTA-STS policy at {url} cannot be "
                                f"fetched ({problem}): senders that support MTA-STS may delay mail to you", name=url))
    elif status_code != 200:
        findings.append(Finding("mta_sts.no_policy", Severity.WARN, f"the MTA-STS record is published but {url} "
                                f"answers HTTP {status_code}: publish the policy file or remove the record",
                                name=url))
    else:
        if "text/plain" not in ctype.lower():
            served = ctype or "no content type"
            findings.append(Finding("mta_sts.content_type", Severity.NOTE, f"the policy is served as {served}; "
                                    "RFC 8461 asks for text/plain", name=url))
        try:
            policy = parse_sts_policy(body.decode("utf-8", "replace"))
        except ContextRecordError as exc:
            findings.append(Finding("mta_sts.bad_policy", Severity.WARN, f"the MTA-STS policy is broken: {exc}",
                                    name=url))
        else:
            evidence["policy"] = {"mode": policy.mode, "max_age": policy.max_age, "mx": list(policy.mx)}
            if not mx.outcome.measured:
                findings.append(Finding("mta_sts.mx_unverified", Severity.ERROR, "could not read the MX records to "
                                        f"compare with the policy: {mx.reason}", name=domain))
            uncovered = [h for h in mx_hosts if not policy.covers(h)]
            if uncovered and policy.mode == "enforce":
                findings.append(Finding("mta_sts.mx_not_covered", Severity.FAIL, f"the policy enforces TLS but does "
                                        f"not list MX {', '.join(uncovered)}: senders that honour it refuse to "
                                        "deliver there", name=url))
            elif uncovered:
                findings.append(Finding("mta_sts.mx_not_covered", Severity.WARN, f"the policy does not list MX "
                                        f"{', '.join(uncovered)}", name=url))
            if policy.mode == "testing":
                findings.append(Finding("mta_sts.testing", Severity.NOTE, "mode: testing — senders report problems "
                                        "but still deliver; switch to enforce once TLS-RPT reports are clean",
                                        name=url))
            elif policy.mode == "none":
                findings.append(Finding("mta_sts.mode_none", Severity.NOTE, "mode: none — the policy is switched off",
                                        name=url))
            findings += [Finding("mta_sts.policy_note", Severity.NOTE, w, name=url) for w in policy.warnings]
    evidence["findings"] = findings_json(findings)
    status = status_of(findings)
    fix = None
    if status in (Status.FAIL, Status.WARN):
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        policy_text = sts_policy_text(await _policy_hosts(dns, mx_hosts, settings)).replace("\n", "\n    ")
        steps = (f"1. Serve this file at {url} (HTTPS with a valid certificate for mta-sts.{domain}, HTTP 200, "
                 f"Content-Type text/plain, no redirect):\n\n    {policy_text.rstrip()}\n\n"
                 f"2. Publish (or update) the TXT record {name}:\n\n    v=STSv1; id={stamp};\n\n"
                 "3. Change the id whenever you change the policy; move to 'mode: enforce' after a few weeks of "
                 "clean TLS-RPT reports.")
        fix = fix_for("email.mta_sts", await dns_host(ctx, dns, domain), domain=domain, steps=steps)
    mode = policy.mode if policy is not None else "?"
    summary = headline(findings) if status is not Status.PASS else f"MTA-STS policy in {mode} mode covers every MX"
    return Outcome(status, summary, evidence, fix=fix, target=domain)


async def email_mta_sts(ctx: CheckContext) -> Outcome:
    mark_ran(ctx, "email.mta_sts")
    return await mta_sts_outcome(ctx, new_dns(ctx))


# ------------------------------------------------------------------------------------------- TLS-RPT


async def tls_rpt_outcome(ctx: CheckContext, dns: EmailDns) -> Outcome:
    settings = email_settings(ctx)
    domain = settings.domain
    name = f"_smtp._tls.{domain}"
    ctx.say("email.tls_rpt", f"reading {name}")
    txt = await dns.txt(name)
    evidence: dict[str, object] = {"name": name}
    if not txt.measured:
        return Outcome(Status.ERROR, f"could not check TLS-RPT: {txt.answer.reason}", evidence, target=domain)
    records = [t for t in txt.texts if t.startswith("v=TLSRPTv1")]
    evidence["records"] = records
    if not records:
        return Outcome(Status.PASS, f"TLS-RPT is not set up for {domain} (optional: daily reports about failed "
                       "secure deliveries to you)", evidence, target=domain)
    findings: list[Finding] = []
    rua: list[str] = []
    if len(records) > 1:
        findings.append(Finding("tls_rpt.multiple", Severity.WARN, f"{name} has {len(records)} v=TLSRPTv1 records; "
                                "senders ignore them all", name=name))
    else:
        try:
            rua = list(parse_tlsrpt(records[0]).rua)
            evidence["rua"] = rua
        except ContextRecordError as exc:
            findings.append(Finding(exc.code, Severity.WARN, f"the TLS-RPT record is broken: {exc}", name=name))
    evidence["findings"] = findings_json(findings)
    status = status_of(findings)
    fix = None
    if status is Status.WARN:
        address = settings.report_address or f"tls-reports@{domain}"
        fix = fix_for("email.tls_rpt", await dns_host(ctx, dns, domain), domain=domain, name=name,
                      host="_smtp._tls", record=f"v=TLSRPTv1; rua=mailto:{address}")
    summary = headline(findings) if findings else f"TLS-RPT reports go to {', '.join(rua)}"
    return Outcome(status, summary, evidence, fix=fix, target=domain)


async def email_tls_rpt(ctx: CheckContext) -> Outcome:
    mark_ran(ctx, "email.tls_rpt")
    return await tls_rpt_outcome(ctx, new_dns(ctx))


# ---------------------------------------------------------------------------------------------- BIMI


async def bimi_outcome(ctx: CheckContext, dns: EmailDns) -> Outcome:
    settings = email_settings(ctx)
    domain = settings.domain
    name = f"default._bimi.{domain}"
    ctx.say("email.bimi", f"reading {name}")
    txt, dmarc = await asyncio.gather(dns.txt(name), dns.txt(f"_dmarc.{domain}"))
    evidence: dict[str, object] = {"name": name}
    if not txt.measured:
        return Outcome(Status.ERROR, f"could not check BIMI: {txt.answer.reason}", evidence, target=domain)
    records = [t for t in txt.texts if t.startswith("v=BIMI1")]
    evidence["records"] = records
    if not records:
        return Outcome(Status.PASS, f"BIMI (your logo in the inbox) is not set up for {domain}; optional",
                       evidence, target=domain)
    findings: list[Finding] = []
    logo: str | None = None
    if len(records) > 1:
        findings.append(Finding("bimi.multiple", Severity.WARN, f"{name} has {len(records)} BIMI records", name=name))
    else:
        try:
            record = parse_bimi(records[0])
        except ContextRecordError as exc:
            findings.append(Finding("bimi.bad_record", Severity.WARN, f"the BIMI record is broken: {exc}", name=name))
        else:
            logo = record.logo
            evidence["logo"] = record.logo
            evidence["authority"] = record.authority
            findings += [Finding("bimi.bad_record", Severity.WARN, p, name=name) for p in record.problems]
            if record.authority is None:
                findings.append(Finding("bimi.no_certificate", Severity.NOTE, "no a= mark certificate (VMC/CMC): "
                                        "Gmail shows BIMI logos only with one; Yahoo and others do without",
                                        name=name))
    if not dmarc.measured:
        findings.append(Finding("bimi.dmarc_unverified", Severity.NOTE, "could not read _dmarc."
                                f"{domain} to confirm it enforces ({dmarc.answer.reason})", name=f"_dmarc.{domain}"))
    else:
        policies = [t for t in dmarc.texts if is_dmarc_record(t)]
        p = None
        if len(policies) == 1:
            try:
                p = parse_dmarc(policies[0]).effective_p
            except DmarcParseError:
                p = None
        if p not in ("quarantine", "reject"):
            findings.append(Finding("bimi.dmarc_not_enforcing", Severity.WARN, "BIMI logos are only shown when DMARC "
                                    f"enforces (p=quarantine or p=reject); _dmarc.{domain} has "
                                    f"{'p=' + p if p else 'no usable policy'}", name=f"_dmarc.{domain}"))
    if logo and logo.lower().startswith("https://") and not any(f.code == "bimi.bad_record" for f in findings):
        ctx.say("email.bimi", f"fetching the logo {logo}")
        status_code, body, _ctype, problem, unmeasured = await _fetch(ctx, logo, LOGO_CAP)
        if unmeasured:
            findings.append(Finding("bimi.logo_unverified", Severity.ERROR, f"could not fetch the logo: {problem}",
                                    name=logo))
        elif problem is not None or status_code != 200:
            findings.append(Finding("bimi.logo_unreachable", Severity.WARN, f"the logo at {logo} cannot be fetched "
                                    f"({problem or f'HTTP {status_code}'})", name=logo))
        elif (why := looks_like_svg_tiny_ps(body)) is not None:
            findings.append(Finding("bimi.logo_format", Severity.WARN, why, name=logo))
    evidence["findings"] = findings_json(findings)
    status = status_of(findings)
    fix = None
    if status in (Status.FAIL, Status.WARN):
        steps = [f"Publish at {name}:\n\n    v=BIMI1; l=https://{domain}/bimi/logo.svg;\n",
                 "Serve the logo as an SVG Tiny PS file (baseProfile=\"tiny-ps\", square, under 32 KB) over HTTPS "
                 "at that address.",
                 f"Make sure _dmarc.{domain} has p=quarantine or p=reject (see the DMARC check)."]
        fix = fix_for("email.bimi", await dns_host(ctx, dns, domain), domain=domain, steps="\n".join(steps))
    summary = headline(findings) if status is not Status.PASS else f"BIMI logo published at {logo}"
    return Outcome(status, summary, evidence, fix=fix, target=domain)


async def email_bimi(ctx: CheckContext) -> Outcome:
    mark_ran(ctx, "email.bimi")
    return await bimi_outcome(ctx, new_dns(ctx))
