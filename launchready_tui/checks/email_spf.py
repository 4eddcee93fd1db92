"""``email.spf``: one SPF record, valid everywhere, within its limits, covering every service that sends for you.

Builds on ``emailauth.spf_lint`` (the include tree, RFC-exact lookup counting, findings) and adds what only the
project knows: which senders are configured (their includes must be present), whether the domain sends mail
at all (then ``v=spf1 -all`` is the right record), and the record to publish, merged with what is there, with
the lookup count after the change. A DNS failure is ``error`` ("could not check"), never "no SPF record".
"""

from __future__ import annotations

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.findings import Finding, Severity, headline, status_of
from launchready_tui.checks.emailauth.presenting import bullets, findings_json, ttl_note
from launchready_tui.checks.emailauth.providers import table
from launchready_tui.checks.emailauth.settings import EmailSettingsView, dns_host, email_settings, mark_ran, new_dns
from launchready_tui.checks.emailauth.spf_fix import NON_SENDING_SPF, propose_spf
from launchready_tui.checks.emailauth.spf_lint import MAX_LOOKUPS, SpfLint, lint_spf
from launchready_tui.checks.fixes import fix_for
from launchready_tui.core.model import Outcome, Status

CHECK = "email.spf"
# Findings that make a sending domain's SPF a launch blocker (checks-email.md §1).
BLOCKING = frozenset({"spf.plus_all", "spf.include_plus_all"})


def _sender_findings(lint: SpfLint, settings: EmailSettingsView) -> list[Finding]:
    out: list[Finding] = []
    if not lint.measured or lint.record is None:
        return out
    present = {t.lower() for t in lint.includes}
    for provider in settings.senders:
        names = [n.lower() for n in provider.spf_names]
        if provider.spf_include is None:
            if provider.spf_on:
                where = provider.spf_on.replace("{domain}", lint.domain)
                out.append(Finding("spf.sender_elsewhere", Severity.NOTE, f"{provider.name} keeps its SPF on {where}, "
                                   f"not on {lint.domain}: nothing to add here", name=lint.domain))
            continue
        if not any(n in present for n in names):
            severity = Severity.FAIL if provider.spf_required else Severity.WARN
            out.append(Finding("spf.sender_missing", severity,
                               f"SPF does not include {provider.spf_include}, so mail you send through "
                               f"{provider.name} fails SPF", name=lint.domain,
                               detail={"provider": provider.id, "include": provider.spf_include}))
    listed = {p.id for p in settings.senders}
    for target in lint.includes:
        seen = table().from_spf_include(target)
        if seen is not None and seen.id not in listed and settings.sender_ids:
            out.append(Finding("spf.unlisted_sender", Severity.NOTE,
                               f"SPF allows {seen.name} ({target}), which is not in your list of senders: remove "
                               "it if you stopped using it (it costs DNS lookups)", name=lint.domain))
    for pid in settings.unknown_senders:
        out.append(Finding("spf.unknown_sender", Severity.NOTE, f"'{pid}' is not a provider we know, so its SPF "
                           "include cannot be checked", name=lint.domain))
    return out


def _non_sending_findings(lint: SpfLint) -> list[Finding]:
    record = lint.record
    if record is None:
        return []
    if record.text.strip().lower() != NON_SENDING_SPF:
        return [Finding("spf.not_strict_for_non_sending", Severity.WARN,
                        f"this domain sends no mail, so its SPF should be exactly '{NON_SENDING_SPF}'; the current "
                        "record still lets some servers send as you", name=lint.domain)]
    return []


def _summary(lint: SpfLint, findings: list[Finding], status: Status, settings: EmailSettingsView) -> str:
    if status in (Status.FAIL, Status.ERROR, Status.WARN):
        return headline(findings)
    record = lint.record
    assert record is not None
    ending = record.all_mechanism.text if record.all_mechanism else "redirect"
    if not settings.sending:
        return f"{lint.domain} publishes '{record.text}': no server may send as it"
    return (f"one valid SPF record ending in {ending}; {lint.lookups} of {MAX_LOOKUPS} DNS lookups"
            + (f", includes {', '.join(lint.includes[:4])}" if lint.includes else ""))


async def spf_outcome(ctx: CheckContext, dns: EmailDns) -> Outcome:
    settings = email_settings(ctx)
    domain = settings.domain
    ctx.say(CHECK, f"reading the SPF record of {domain} and everything it includes")
    lint = await lint_spf(dns, domain)
    findings = list(lint.findings)
    findings += _sender_findings(lint, settings)
    if not settings.sending:
        findings += _non_sending_findings(lint)
    status = status_of(findings)
    evidence: dict[str, object] = {
        "name": domain,
        "record": lint.record.text if lint.record else None,
        "records": lint.root.records,
        "sends_mail": settings.sending,
        "senders": settings.sender_ids,
        **lint.to_json(),
        "findings": findings_json(findings),
    }
    if lint.root.ttl is not None:
        evidence["ttl"] = lint.root.ttl
    fix: str | None = None
    if lint.measured:
        ctx.say(CHECK, "working out the record to publish")
        proposal = await propose_spf(dns, lint, settings.senders, sending=settings.sending)
        evidence["proposed"] = proposal.to_json()
        if status in (Status.FAIL, Status.WARN) and not proposal.unchanged:
            provider = await dns_host(ctx, dns, domain)
            fix = fix_for(CHECK, provider, domain=domain, host="@", record=proposal.record,
                          changes=bullets(proposal.changes), lookups=proposal.lookups_after,
                          ttl_note=ttl_note(lint.root.ttl))
    blocker = settings.sending and status is Status.FAIL and any(
        f.permerror or f.code in BLOCKING for f in findings)
    return Outcome(status, _summary(lint, findings, status, settings), evidence, fix=fix, blocker=blocker,
                   target=domain)


async def email_spf(ctx: CheckContext) -> Outcome:
    mark_ran(ctx, CHECK)
    return await spf_outcome(ctx, new_dns(ctx))
