"""``email.dmarc``: one valid DMARC record at ``_dmarc.<domain>`` that enforces, with reports you can read.

* Discovery follows RFC 9989's DNS tree walk: no record at ``_dmarc.<domain>`` → ask the parents, so a subdomain
  that inherits its organisation's policy is reported as such (with ``sp``/``np`` applied). A parent that cannot
  be asked is a note, never a reason to call the domain's own missing record "unknown".
* External report addresses must be authorised by the receiving domain: ``<domain>._report._dmarc.<host>`` TXT
  ``v=DMARC1`` (RFC 9990 §3; a ``*._report._dmarc`` wildcard answers that name too). Same-organisation hosts need
  nothing. The exact name asked is in the finding.
* Alignment is explained with the configured senders (which align SPF, which only DKIM).
* The fix is the progression none → quarantine → reject as exact records, reports to the address the founder
  gives (``--rua``, or the wizard's answer); the non-sending template for domains that send no mail.
"""

from __future__ import annotations

import asyncio

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.emailauth.dmarc import (
    DmarcRecord,
    dmarc_findings,
    is_dmarc_record,
    parse_dmarc,
    progression,
)
from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.errors import DmarcParseError
from launchready_tui.checks.emailauth.findings import Finding, Severity, headline, status_of
from launchready_tui.checks.emailauth.headers import org_domain
from launchready_tui.checks.emailauth.presenting import bullets, findings_json, ttl_note
from launchready_tui.checks.emailauth.settings import EmailSettingsView, dns_host, email_settings, mark_ran, new_dns
from launchready_tui.checks.fixes import fix_for
from launchready_tui.core.model import Outcome, Status

CHECK = "email.dmarc"
MAX_WALK = 8  # RFC 9989 tree walk: at most 8 names


def parents(domain: str) -> list[str]:
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels))][-MAX_WALK:]


async def _external_reports(dns: EmailDns, domain: str, record: DmarcRecord) -> list[Finding]:
    out: list[Finding] = []
    hosts = []
    for uri in record.rua + record.ruf:
        host = uri.host
        if host and org_domain(host) != org_domain(domain) and host not in hosts:
            hosts.append(host)
    names = [f"{domain}._report._dmarc.{host}" for host in hosts]
    answers = await asyncio.gather(*(dns.txt(n) for n in names))
    for host, name, txt in zip(hosts, names, answers, strict=True):
        if not txt.measured:
            out.append(Finding("dmarc.rua_unverified", Severity.NOTE, f"could not check whether {host} accepts your "
                               f"reports ({name}: {txt.answer.reason})", name=name))
        elif any(t.strip().upper().startswith("V=DMARC1") for t in txt.texts):
            out.append(Finding("dmarc.rua_authorized", Severity.NOTE, f"{host} accepts reports for {domain} "
                               f"({name})", name=name))
        else:
            out.append(Finding("dmarc.rua_unauthorized", Severity.WARN,
                               f"reports go to {host}, which has not published {name} (TXT v=DMARC1), so receivers "
                               "will not send them; ask your report service to add it", name=name))
    return out


def _alignment_findings(record: DmarcRecord, settings: EmailSettingsView, name: str) -> list[Finding]:
    out: list[Finding] = []
    strict = record.adkim == "s" and record.aspf == "s"
    for provider in settings.senders:
        subdomain_only = "subdomain only" in provider.alignment
        if strict and subdomain_only:
            out.append(Finding("dmarc.strict_breaks_sender", Severity.WARN,
                               f"adkim=s and aspf=s: {provider.name} signs and bounces on a subdomain, so its mail "
                               "fails DMARC; use relaxed alignment (drop adkim/aspf)", name=name))
        elif provider.alignment:
            out.append(Finding("dmarc.alignment", Severity.NOTE,
                               f"{provider.name}: {provider.alignment.replace('{domain}', settings.domain)}",
                               name=name))
    if record.adkim == "s" or record.aspf == "s":
        out.append(Finding("dmarc.strict", Severity.NOTE,
                           f"strict alignment (adkim={record.adkim}, aspf={record.aspf}): the signing and bounce "
                           f"domains must be exactly {settings.domain}, not a subdomain", name=name))
    return out


async def _walk_up(dns: EmailDns, domain: str) -> tuple[str | None, str | None, list[Finding]]:
    """RFC 9989 tree walk above ``domain``: (name, record) of the first parent record, and notes."""
    notes: list[Finding] = []
    names = [f"_dmarc.{p}" for p in parents(domain)]
    answers = await asyncio.gather(*(dns.txt(n) for n in names))
    for name, txt in zip(names, answers, strict=True):
        if not txt.measured:
            notes.append(Finding("dmarc.parent_unverified", Severity.NOTE, f"could not check {name} for a policy "
                                 f"inherited from a parent domain ({txt.answer.reason})", name=name))
            continue
        records = [t for t in txt.texts if is_dmarc_record(t)]
        if len(records) == 1:
            return name, records[0], notes
    return None, None, notes


def _summary(record: DmarcRecord | None, findings: list[Finding], status: Status, domain: str) -> str:
    if status is not Status.PASS or record is None:
        return headline(findings)
    rua = [u.address for u in record.rua if u.problem is None]
    reports = f"reports to {', '.join(rua)}" if rua else "no reports"
    align = "strict" if record.adkim == "s" and record.aspf == "s" else "relaxed"
    return f"p={record.effective_p} for {domain}, {reports}, {align} alignment"


async def dmarc_outcome(ctx: CheckContext, dns: EmailDns) -> Outcome:
    settings = email_settings(ctx)
    domain = settings.domain
    name = f"_dmarc.{domain}"
    ctx.say(CHECK, f"reading {name}")
    txt, apex = await asyncio.gather(dns.txt(name), dns.txt(domain))
    evidence: dict[str, object] = {"name": name, "sends_mail": settings.sending}
    if not txt.measured:
        return Outcome(Status.ERROR, f"could not check DMARC: {txt.answer.reason}", evidence, target=domain)
    findings: list[Finding] = []
    records = [t for t in txt.texts if is_dmarc_record(t)]
    others = [t for t in txt.texts if not is_dmarc_record(t)]
    evidence["records"] = records
    if txt.answer.ttl is not None:
        evidence["ttl"] = txt.answer.ttl
    if others:
        findings.append(Finding("dmarc.other_txt", Severity.NOTE, f"{name} also holds {len(others)} TXT record(s) "
                                "that are not DMARC; receivers ignore them", name=name, detail={"records": others}))
    if apex.measured and any(is_dmarc_record(t) for t in apex.texts):
        findings.append(Finding("dmarc.at_apex", Severity.FAIL if not records else Severity.WARN,
                                f"a DMARC record is published at {domain} itself; receivers only read it at {name}",
                                name=domain))
    record: DmarcRecord | None = None
    inherited_from: str | None = None
    if len(records) > 1:
        findings.append(Finding("dmarc.multiple", Severity.FAIL, f"{name} has {len(records)} DMARC records; "
                                "receivers ignore DMARC when there is more than one", name=name))
    elif records:
        findings += dmarc_findings(records[0], domain, name)
        try:
            record = parse_dmarc(records[0])
        except DmarcParseError:
            record = None
    else:
        parent_name, parent_text, walk_notes = await _walk_up(dns, domain)
        findings += walk_notes
        if parent_name and parent_text:
            inherited_from = parent_name
            evidence["inherited_from"] = parent_name
            try:
                parent = parse_dmarc(parent_text)
            except DmarcParseError as exc:
                findings.append(Finding("dmarc.missing", Severity.FAIL, f"no DMARC record at {name}, and the one "
                                        f"inherited from {parent_name} is broken ({exc})", name=name))
            else:
                sub = parent.np if parent.np else parent.effective_sp
                severity = Severity.NOTE if sub != "none" else Severity.WARN
                findings.append(Finding("dmarc.inherited", severity, f"no record at {name}: the policy of "
                                        f"{parent_name} applies to {domain} (sp={parent.effective_sp})", name=name))
                record = parent
        else:
            findings.append(Finding("dmarc.missing", Severity.FAIL, f"no DMARC record at {name}: anyone can send mail "
                                    f"as {domain}, and Gmail and Yahoo treat its mail as unprotected", name=name))
    if record is not None and inherited_from is None:
        findings += await _external_reports(dns, domain, record)
        findings += _alignment_findings(record, settings, name)
        if not settings.sending and record.effective_p != "reject":
            findings.append(Finding("dmarc.non_sending_not_reject", Severity.WARN, f"{domain} sends no mail, so its "
                                    "DMARC policy should be p=reject", name=name))
    status = status_of(findings)
    evidence["findings"] = findings_json(findings)
    if record is not None:
        evidence["policy"] = {"p": record.effective_p, "sp": record.effective_sp, "np": record.effective_np,
                              "adkim": record.adkim, "aspf": record.aspf, "testing": record.testing,
                              "rua": [u.raw for u in record.rua]}
    current = record if inherited_from is None else None
    address = settings.report_address
    plan = progression(domain, current, address, sending=settings.sending)
    default_address = None
    if address is None and not (current and any(u.problem is None for u in current.rua)) and settings.sending:
        default_address = f"dmarc-reports@{domain}"
        plan = progression(domain, current, default_address, sending=settings.sending)
    evidence["plan"] = plan.to_json()
    fix = None
    if status in (Status.FAIL, Status.WARN):
        steps = "\n".join(f"{i}. {s.when}:\n       {s.record}" for i, s in enumerate(plan.steps, 1))
        changes = [c for c in plan.changes if not (default_address and default_address in c)]
        if default_address:
            changes.append(f"reports go to {default_address}: create that mailbox (or a free DMARC report service) "
                           "or give your own address with --rua ADDRESS")
        provider = await dns_host(ctx, dns, domain)
        fix = fix_for(CHECK, provider, domain=domain, name=name, host="_dmarc", steps=steps,
                      changes=("\n" + bullets(changes)) if changes else "", ttl_note=ttl_note(txt.answer.ttl))
    return Outcome(status, _summary(record, findings, status, domain), evidence, fix=fix, target=domain)


async def email_dmarc(ctx: CheckContext) -> Outcome:
    mark_ran(ctx, CHECK)
    return await dmarc_outcome(ctx, new_dns(ctx))
