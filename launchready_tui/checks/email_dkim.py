"""``email.dkim``: the domain's DKIM keys exist, load, are long enough and are not in test mode.

Selector discovery is in ``emailauth.dkim_discovery``; key judging in ``emailauth.dkim``. We never claim "no
DKIM" by guessing: when no known selector answers, the status is ``manual`` and the summary asks for the
selector (``--selector``, ``email.dkim_selectors``) or the headers of one real e-mail, whose ``DKIM-Signature``
names it. Only DNS failures on the selectors that matter give ``error``.
"""

from __future__ import annotations

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.emailauth.dkim import without_testing_flag
from launchready_tui.checks.emailauth.dkim_discovery import Discovery, Probe, discover
from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.findings import Finding, Severity, headline, status_of
from launchready_tui.checks.emailauth.presenting import findings_json
from launchready_tui.checks.emailauth.providers import Provider, table
from launchready_tui.checks.emailauth.settings import (
    EmailSettingsView,
    dns_host,
    email_settings,
    mark_ran,
    new_dns,
    relative_name,
)
from launchready_tui.checks.fixes import fix_for
from launchready_tui.core.model import Outcome, Status

CHECK = "email.dkim"


def _provider_of(probe: Probe, settings: EmailSettingsView) -> Provider | None:
    providers = table()
    if probe.provider and (p := providers.get(probe.provider)):
        return p
    source = probe.candidate.source.removeprefix("inferred: ")
    if (p := providers.get(source)) is not None:
        return p
    for sender in settings.senders:
        if probe.candidate.selector in sender.dkim_selectors:
            return sender
    return next((p for p in providers.providers.values() if probe.candidate.selector in p.dkim_selectors[:1]), None)


def _sender_notes(settings: EmailSettingsView, found: list[Probe]) -> list[Finding]:
    """Configured senders whose key we could not see: a note, never "missing" (selectors can be custom)."""
    out: list[Finding] = []
    seen_providers = {provider.id for p in found if (provider := _provider_of(p, settings)) is not None}
    for provider in settings.senders:
        if provider.id in seen_providers:
            continue
        if not provider.dkim_guessable:
            why = (provider.dkim_why_unguessable or f"{provider.name} uses its own selectors").replace(
                "{domain}", settings.domain)
            text = f"{provider.name}'s DKIM key cannot be looked up without its selector ({why}); add it with " \
                   "--selector or paste the headers of a message sent through it"
        else:
            text = (f"no key under {provider.name}'s usual selectors ({', '.join(provider.dkim_selectors[:3])}); if "
                    f"{provider.name} signs your mail with another selector, add it with --selector")
        out.append(Finding("dkim.sender_key_unseen", Severity.NOTE, text, name=f"_domainkey.{settings.domain}"))
    return out


def _fix_steps(found: list[Probe], findings: list[Finding], settings: EmailSettingsView) -> list[str]:
    steps: list[str] = []
    domain = settings.domain
    for probe in found:
        codes = {f.code for f in probe.findings}
        provider = _provider_of(probe, settings)
        name = probe.candidate.name
        if codes & {"dkim.weak_key", "dkim.short_key", "dkim.bad_key", "dkim.unknown_key_type", "dkim.bad_version",
                    "dkim.not_for_mail", "dkim.sha1_only"}:
            how = provider.setup_text(domain) if provider else (
                "In your email provider's domain settings, create a new 2048-bit DKIM key.")
            steps.append(f"Replace the key at {name}: {how} Publish the new record, wait until the provider shows "
                         f"it as verified, then delete the old record at {name} if the new key uses another selector.")
        if "dkim.testing" in codes and probe.key is not None:
            steps.append(f"Take {name} out of test mode: publish\n\n    {without_testing_flag(probe.key)}\n")
    for f in findings:
        if f.code in ("dkim.dangling", "dkim.cname_loop") and f.name:
            steps.append(f"{f.name}: either delete this CNAME (if you no longer send through that service) or turn "
                         "DKIM on again in that service so the target exists.")
    return steps


def _manual_steps(settings: EmailSettingsView, discovery: Discovery) -> list[str]:
    domain = settings.domain
    steps = ["Tell launchready your DKIM selector: run `launchready email "
             f"{domain} --selector SELECTOR` or add it under email.dkim_selectors in launchready.yaml.",
             "Don't know it? Send yourself an e-mail from your app, open its headers (Gmail: Show original) and "
             "paste them into the \"Did it land?\" panel, or run `launchready email --headers FILE`: the "
             "DKIM-Signature header's s= is the selector."]
    for provider in settings.senders:
        if provider.dkim_setup:
            steps.append(f"If DKIM is not set up at {provider.name}: {provider.setup_text(domain)}")
    return steps


def _summary_found(found: list[Probe], findings: list[Finding], status: Status) -> str:
    if status in (Status.FAIL, Status.WARN, Status.ERROR):
        return headline(findings)
    parts = []
    for probe in found:
        key = probe.key
        if key is None:
            continue
        size = "Ed25519" if key.key_type == "ed25519" else f"{key.bits}-bit RSA"
        parts.append(f"{probe.candidate.selector} ({size})" if not key.revoked else
                     f"{probe.candidate.selector} (revoked)")
    return "DKIM keys found: " + ", ".join(parts)


async def dkim_outcome(ctx: CheckContext, dns: EmailDns) -> Outcome:
    settings = email_settings(ctx)
    domain = settings.domain
    ctx.say(CHECK, f"looking for DKIM keys of {domain} ({len(settings.selectors)} selector(s) given)")
    discovery = await discover(dns, domain, settings.selectors, settings.senders)
    found = discovery.found
    findings: list[Finding] = [f for p in discovery.probes for f in p.findings
                               if p.found or f.code in ("dkim.dangling", "dkim.cname_loop")]
    usable = [p for p in found if p.key is not None and not p.key.revoked]
    if found and not usable and any(p.key is not None and p.key.revoked for p in found):
        findings.append(Finding("dkim.only_revoked", Severity.FAIL, "every DKIM key found is revoked (empty p=): "
                                "mail signed for this domain fails DKIM", name=f"_domainkey.{domain}"))
    if found:
        findings += _sender_notes(settings, found)
    if discovery.wildcard:
        findings.append(Finding("dkim.wildcard", Severity.NOTE, f"*._domainkey.{domain} answers every selector; "
                                "guessed selectors prove nothing here", name=f"_domainkey.{domain}"))
    unguessable = [p for p in settings.senders if not p.dkim_guessable]
    evidence: dict[str, object] = {
        "domain": domain,
        "selectors_tried": [p.candidate.selector + ("" if p.candidate.base == domain else f" ({p.candidate.base})")
                            for p in discovery.probes],
        "found": [p.to_json() for p in found],
        "probes": [p.to_json() for p in discovery.probes if p.found or p.dangling or p.loop or not p.measured
                   or not p.candidate.guessed],
        "domainkey_node": discovery.domainkey,
        "inferred_providers": discovery.inferred,
        "sends_mail": settings.sending,
        "findings": findings_json(findings),
    }
    provider = await dns_host(ctx, dns, domain)
    if not settings.sending and not found and not findings:
        return Outcome(Status.PASS, f"{domain} sends no mail, so it needs no DKIM key", evidence, target=domain)
    if found or findings:
        status = status_of(findings)
        fix = None
        if status in (Status.FAIL, Status.WARN):
            steps = _fix_steps(found, findings, settings)
            selector = found[0].candidate if found else None
            fix = fix_for(CHECK, provider, domain=domain, steps="\n\n".join(steps) or headline(findings),
                          selector_host=relative_name(selector.name, domain) if selector else "")
        return Outcome(status, _summary_found(found, findings, status), evidence, fix=fix, target=domain)

    # Nothing found: either we could not ask, or we must ask the founder.
    important = [p for p in discovery.unmeasured if not p.candidate.guessed]
    if important or (discovery.probes and len(discovery.unmeasured) == len(discovery.probes)):
        reason = (important or discovery.unmeasured)[0].reason
        return Outcome(Status.ERROR, f"could not check DKIM: {reason}", evidence, target=domain)
    tried = len(discovery.probes)
    hint = ""
    if discovery.domainkey == "exists":
        hint = f" _domainkey.{domain} exists, so a key is probably published under a selector we do not know."
    why = ""
    if unguessable:
        why = " " + "; ".join(f"{p.dkim_why_unguessable or p.name + ' uses its own selector'}" for p in unguessable) \
            .replace("{domain}", domain) + "."
    summary = (f"no DKIM key found under the {tried} selectors we know, which does not mean there is none: tell us "
               f"your selector or paste the headers of an e-mail you sent.{hint}{why}")
    fix = fix_for(CHECK, provider, domain=domain, steps="\n\n".join(_manual_steps(settings, discovery)),
                  selector_host="SELECTOR._domainkey")
    return Outcome(Status.MANUAL, summary, evidence, fix=fix, target=domain)


async def email_dkim(ctx: CheckContext) -> Outcome:
    mark_ran(ctx, CHECK)
    return await dkim_outcome(ctx, new_dns(ctx))
