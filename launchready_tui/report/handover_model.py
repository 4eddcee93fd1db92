"""The handover document as data: sections of plain blocks that the md/html/pdf renderers only format.

``build_document(HandoverSources)`` decides every word and every row (handover.md §1, sections 1-12);
the renderers in report/handover_render.py and report/handover_pdf.py never add content, so the three
formats always say the same thing. Missing answers appear as "not answered", never as a missing section.

Inline markup is limited to backticks for commands (`vercel rollback`); newlines inside a table cell
are line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from launchready_tui import __version__
from launchready_tui.checks.handover_data import (
    Contacts,
    HandoverMeta,
    contacts,
    deploy_info,
    handover_meta,
    support_link,
)
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.core.project import Project
from launchready_tui.core.risk import rank_risks
from launchready_tui.core.stages import STAGES

NOT_ANSWERED = "not answered"
INLINE_CODE = re.compile(r"`([^`\n]+)`")  # the one inline markup (see above); group 1 is the code
EXPIRY_WARN_DAYS = 60  # handover.md §1.10: domains or certificates expiring within 60 days are open risks
REVIEW_AFTER_DAYS = 90


# --------------------------------------------------------------------------------------------------------
# Blocks


@dataclass(slots=True)
class Para:
    text: str
    kind: str = "text"  # text | label (a bold lead-in) | note | warning | muted


@dataclass(slots=True)
class Bullets:
    items: list[str]


@dataclass(slots=True)
class Checklist:
    items: list[str]


@dataclass(slots=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None  # relative column widths (PDF/HTML), None = equal
    name: str = ""  # for messages ("table 'accounts', row registrar, column owner")


@dataclass(slots=True)
class KeyValues:
    pairs: list[tuple[str, str]]


@dataclass(slots=True)
class Code:
    text: str
    caption: str = ""


Block = Para | Bullets | Checklist | Table | KeyValues | Code


@dataclass(slots=True)
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class HandoverDoc:
    title: str
    subtitle: str
    generated_at: str  # ISO UTC
    sections: list[Section]
    file_stem: str  # "handover-acme.example-2026-11-28"

    def texts(self) -> list[tuple[str, str]]:
        """(where, text) of every string in the document, for the no-secret gate's messages."""
        out: list[tuple[str, str]] = [("title", self.title), ("subtitle", self.subtitle)]
        for s in self.sections:
            for i, b in enumerate(s.blocks):
                where = f"section '{s.title}'"
                if isinstance(b, Para | Code):
                    out.append((where, b.text))
                elif isinstance(b, Bullets | Checklist):
                    out += [(where, item) for item in b.items]
                elif isinstance(b, KeyValues):
                    out += [(f"{where}, '{k}'", v) for k, v in b.pairs]
                elif isinstance(b, Table):
                    for row in b.rows:
                        label = row[0].split("\n", 1)[0] if row else str(i)
                        out += [(f"{where}, row '{label}', column '{col}'", cell)
                                for col, cell in zip(b.columns, row, strict=False)]
        return out


# --------------------------------------------------------------------------------------------------------
# Sources


@dataclass(slots=True)
class HandoverSources:
    project: Project
    results: dict[str, CheckResult]
    records: dict[str, Any] | None = None  # service -> AccountRecord | None, when the vault was read
    records_complete: bool = True  # False for the "none" vault (this run's entries only): absent is not missing
    vault_note: str = ""  # why the details are or are not shown
    include_recovery: bool = False  # print WHERE recovery codes are kept (a private edition)
    generated_at: datetime | None = None
    dns_map: list[Block] | None = None  # the stage-2 DNS map, when report/dns_map.py provides one
    tool_version: str = __version__


def _result(src: HandoverSources, check_id: str) -> CheckResult | None:
    r = src.results.get(check_id)
    return r if r is not None and r.status is not Status.SKIPPED else None


def _or(value: Any, default: str = NOT_ANSWERED) -> str:
    text = str(value).strip() if value not in (None, "") else ""
    return text or default


def _status_line(r: CheckResult | None, what: str) -> Para:
    if r is None:
        return Para(f"{what}: not checked in this run.", "muted")
    return Para(f"{r.status.label} — {r.summary}", "warning" if r.status in (Status.FAIL, Status.WARN) else "note")


# --------------------------------------------------------------------------------------------------------
# Sections


def _cover(src: HandoverSources, meta: HandoverMeta, now: datetime) -> Section:
    p = src.project
    url = p.app_url or f"https://{p.domain}/"
    review = meta.next_review or (now + timedelta(days=REVIEW_AFTER_DAYS)).date().isoformat()
    pairs = [
        ("Product", _or(p.product, p.domain)),
        ("Production URL", url),
        ("Domain", p.domain),
        ("Generated", now.strftime("%Y-%m-%d %H:%M UTC")),
        ("Tool", f"launchready {src.tool_version}"),
        ("Handed over by", _or(meta.from_)),
        ("Handed over to", _or(meta.to)),
        ("Next review", review),
    ]
    stage7 = next(s for s in STAGES if s.number == 7)
    checks = [f"Handed over by {_or(meta.from_, '________')} on ________ (signature)",
              f"Received by {_or(meta.to, '________')} on ________ (signature)"]
    checks += [item.text for item in stage7.manual_items]
    return Section("cover", "Cover", [
        KeyValues(pairs),
        Para("This document says who owns each account, how to get back in, where settings and secrets live, "
             "how to deploy and roll back, whom to call, and what is still risky. It lists WHERE secrets are "
             "kept, never a secret.", "note"),
        Checklist(checks),
    ])


def _accounts(src: HandoverSources) -> tuple[Section, list[str]]:
    from launchready_tui.checks.handover import evaluate_accounts
    from launchready_tui.vault.accounts import CORE_SERVICES, entries

    rows_in = entries(src.project)
    status, summary, evidence, _blocker = evaluate_accounts(src.project, src.records, src.records_complete)
    by_service = {e.service: e for e in rows_in}
    order = [*CORE_SERVICES, *[e.service for e in rows_in if e.service not in CORE_SERVICES]]
    rows: list[list[str]] = []
    for service in order:
        entry = by_service.get(service)
        if entry is None:
            rows.append([f"{CORE_SERVICES.get(service, service)}", NOT_ANSWERED, NOT_ANSWERED, NOT_ANSWERED,
                         NOT_ANSWERED, "—", "not yet"])
            continue
        st = entry.status
        rec = (src.records or {}).get(service)
        account = "\n".join(x for x in (entry.title, entry.provider, entry.console_url) if x)
        if rec is not None:
            owner = f"{_or(rec.owner)}\nbackup: {_or(rec.backup_owner)}"
            login = _or(rec.login_email)
            twofa = {True: "on", False: "OFF", None: NOT_ANSWERED}[rec.twofa]
            if rec.twofa_method:
                twofa += f" ({rec.twofa_method})"
            if rec.recovery_location:
                recovery = rec.recovery_location if src.include_recovery else "location recorded in the vault"
            else:
                recovery = NOT_ANSWERED
        else:
            if st.get("details") != "vault":
                details = "not stored"
            else:  # vault read but no entry: say it is missing rather than pretend it was not looked at
                details = "MISSING from the vault" if src.records is not None and src.records_complete \
                    else "in the vault (not read)"
            owner = (f"{'recorded' if st.get('owner') else NOT_ANSWERED}\nbackup: "
                     f"{'recorded' if st.get('backup_owner') else NOT_ANSWERED}\n({details})")
            login = {"company": "company address", "consumer": "PERSONAL mailbox", "": NOT_ANSWERED}.get(
                str(st.get("login", "")), NOT_ANSWERED)
            twofa = {True: "on", False: "OFF"}.get(st.get("twofa"), NOT_ANSWERED)  # type: ignore[arg-type]
            recovery = "location recorded in the vault" if st.get("recovery") else NOT_ANSWERED
        renew = "\n".join(x for x in (entry.plan, f"renews {entry.renewal}" if entry.renewal else "") if x) or "—"
        verified = f"{entry.verified_on}\nby {entry.verified_by}" if entry.verified_on else "not yet"
        rows.append([account, owner, login, twofa, recovery, renew, verified])
    blocks: list[Block] = [
        Para("Minimum accounts: registrar, DNS, hosting, e-mail, monitoring, source repository and payments. Each "
             "needs an owner, a second admin (backup owner), 2FA, and a login on a company address."),
        Table(["Account", "Owner / backup", "Login e-mail", "2FA", "Recovery codes", "Plan / renewal", "Verified"],
              rows, [1.25, 1.35, 1.6, 1.05, 1.25, 0.95, 0.9], name="accounts"),
        _status_line_from(status, summary),
    ]
    # The wizard's "notes for the next owner" field: written for this document, so it must reach it.
    notes = [f"{by_service[svc].title}: {rec.notes}" for svc in order
             if svc in by_service and (rec := (src.records or {}).get(svc)) is not None and rec.notes]
    if notes:
        blocks += [Para("Notes for the next owner:", "label"), Bullets(notes)]
    if src.vault_note:
        blocks.append(Para(src.vault_note, "muted"))
    if not src.include_recovery and any(r.get("recovery_recorded") for r in evidence["accounts"]):
        blocks.append(Para("Where the recovery codes are kept is not printed in this edition; "
                           "`launchready accounts show SERVICE` shows it, or export with --include-recovery-locations "
                           "for the new owner's private copy.", "muted"))
    personal = [r["service"] for r in evidence["accounts"] if r.get("login") == "consumer"]
    return Section("accounts", "Account owners", blocks), personal


def _status_line_from(status: Status, summary: str) -> Para:
    return Para(f"{status.label} — {summary}", "warning" if status in (Status.FAIL, Status.WARN) else "note")


def _dns(src: HandoverSources) -> Section:
    if src.dns_map:
        return Section("dns", "DNS map", list(src.dns_map))
    rows: list[list[str]] = []
    resolves = _result(src, "dns.resolves")
    if resolves is not None:
        for host, by_type in (resolves.evidence.get("answers") or {}).items():
            for rtype, ans in (by_type or {}).items():
                for rec in (ans or {}).get("records") or []:
                    rows.append([host, rtype, str(rec)])
    subs = _result(src, "routing.subdomains")
    if subs is not None:
        for item in subs.evidence.get("subdomains") or []:
            host = str(item.get("host", ""))
            for hop in item.get("cname_chain") or []:
                rows.append([host, "CNAME", str(hop)])
            for addr in item.get("addresses") or []:
                rows.append([host, "A" if ":" not in str(addr) else "AAAA", str(addr)])
    recheck = _result(src, "handover.email_recheck")
    for item in (recheck.evidence.get("results") if recheck else None) or []:
        rows += _email_dns_rows(src.project.domain, item["id"], item.get("evidence") or {})
    providers = _result(src, "stack.providers")
    reg = _result(src, "domain.registration")
    pairs = []
    if providers is not None:
        pairs.append(("DNS served by", _or(providers.evidence.get("dns_provider"))))
    if reg is not None:
        pairs.append(("Registrar", _or(reg.evidence.get("registrar"))))
        ns = reg.evidence.get("nameservers") or []
        pairs.append(("Nameservers at the registrar", ", ".join(map(str, ns)) or NOT_ANSWERED))
    blocks: list[Block] = []
    if pairs:
        blocks.append(KeyValues(pairs))
    if rows:
        unique = list(dict.fromkeys(tuple(r) for r in rows))
        blocks.append(Table(["Name", "Type", "Value"], [list(r) for r in unique], [2, 0.7, 3], name="dns"))
        blocks.append(Para("Records seen by the checks of this run. Export every record from your DNS provider "
                           "before any change (Cloudflare: DNS → Records → Export).", "muted"))
    if not blocks:
        blocks.append(Para(f"{NOT_ANSWERED}: run stages 1 and 2 (the DNS map comes from their checks).", "muted"))
    return Section("dns", "DNS map", blocks)


_EMAIL_NAMES = {"email.dmarc": "_dmarc.", "email.mta_sts": "_mta-sts.", "email.tls_rpt": "_smtp._tls.",
                "email.bimi": "default._bimi."}


def _email_dns_rows(domain: str, check_id: str, ev: dict[str, Any]) -> list[list[str]]:
    """DNS rows from an e-mail check's evidence (records are public DNS data, never secrets)."""
    label = check_id.split(".", 1)[1].upper().replace("_", "-")
    if check_id == "email.dkim":
        return [[str(f.get("name", "")), "TXT (DKIM)",
                 f"{(f.get('key') or {}).get('type', '?')} {(f.get('key') or {}).get('bits', '?')}-bit key"]
                for f in ev.get("found") or [] if isinstance(f, dict) and f.get("name")]
    name = str(ev.get("name") or f"{_EMAIL_NAMES.get(check_id, '')}{domain}")
    values = ev.get("records") or ([ev["record"]] if ev.get("record") else [])
    rtype = "MX" if check_id == "email.mx" else f"TXT ({label})"
    return [[name, rtype, str(v)] for v in list(values)[:6]]


def _email(src: HandoverSources) -> Section:
    recheck = _result(src, "handover.email_recheck")
    if recheck is None:
        skipped = src.results.get("handover.email_recheck")
        why = skipped.summary if skipped is not None else "the e-mail re-check did not run"
        return Section("email", "E-mail authentication", [Para(f"{NOT_ANSWERED}: {why}.", "muted")])
    rows = [[item["id"].split(".", 1)[1].upper().replace("_", "-"), Status(item["status"]).label, item["summary"]]
            for item in recheck.evidence.get("results") or []]
    blocks: list[Block] = [
        Para(f"Re-checked {recheck.evidence.get('checked_at', '')} (after the final DNS changes)."),
        Table(["Record", "Status", "Finding"], rows, [0.8, 0.8, 4], name="email"),
    ]
    if recheck.evidence.get("missing"):
        blocks.append(Para("Not checked by this version: " + ", ".join(recheck.evidence["missing"]), "muted"))
    return Section("email", "E-mail authentication", blocks)


def _env(src: HandoverSources) -> Section:
    r = src.results.get("handover.env_vars")
    matrix = (r.evidence.get("matrix") if r is not None else None) or {}
    if not matrix.get("rows"):
        why = r.summary if r is not None else "the stage-4 env inventory did not run"
        return Section("env", "Environment variables", [Para(f"{NOT_ANSWERED}: {why}.", "muted")])
    envs = list(matrix.get("environments") or [])
    rows = [[row["name"], "yes" if row["secret"] else "no", *[row["cells"].get(e, "") for e in envs],
             "\n".join(row["where"]) or NOT_ANSWERED] for row in matrix["rows"]]
    blocks: list[Block] = [
        Para("Names only: values live in the places listed, never in this document."),
        Table(["Variable", "Secret", *envs, "Where it lives"], rows, [1.6, 0.5, *([0.8] * len(envs)), 2.6],
              name="env"),
        _status_line(r, "Env vars"),
    ]
    blocks += [Para(n, "muted") for n in matrix.get("notes") or []]
    blocks.append(Para("Rotating a secret: create the new value at its issuer, update it where it lives (above) for "
                       "every environment, redeploy, check the health URL, then revoke the old value. A rollback "
                       "does not bring back an old value on every platform (see Deploy and rollback)."))
    return Section("env", "Environment variables", blocks)


def _deploy(src: HandoverSources) -> Section:
    r = src.results.get("handover.rollback")
    ev = r.evidence if r is not None else {}
    info = deploy_info(src.project)
    lgr = ev.get("last_good_release") or info.last_good_release
    last = ev.get("last_deploy") or info.last_deploy
    verify = ev.get("verify") or {}
    pairs = [
        ("Platform", _or(ev.get("platform_name") or ev.get("platform") or info.platform)),
        ("How to deploy", _or(ev.get("deploy") or info.how)),
        ("Check afterwards", "\n".join(x for x in (
            f"health: {verify.get('health_url')}" if verify.get("health_url") else "",
            f"logs: {verify.get('logs')}" if verify.get("logs") else "") if x) or NOT_ANSWERED),
        ("Last known-good release", " · ".join(x for x in (lgr.get("id", ""), lgr.get("date", "")) if x)
         or NOT_ANSWERED),
        ("Last deploy", " · ".join(x for x in (last.get("id", ""), last.get("date", "")) if x) or NOT_ANSWERED),
        ("Rollback tried on", _or(ev.get("tested_on") or info.tested_on)),
    ]
    blocks: list[Block] = [KeyValues(pairs)]
    steps = ev.get("rollback_steps") or info.rollback_steps
    blocks.append(Para("Roll back:", "label"))
    blocks.append(Bullets(list(steps)) if steps else Para(NOT_ANSWERED, "muted"))
    caveats = ev.get("caveats") or []
    if caveats:
        blocks.append(Para("Caveats:", "label"))
        blocks.append(Bullets(list(caveats)))
    if ev.get("runbook_text"):
        blocks.append(Code(str(ev["runbook_text"]).strip(), caption=f"{(ev.get('runbooks') or [''])[0]}"))
    blocks.append(_status_line(r, "Rollback"))
    return Section("deploy", "Deploy and rollback", blocks)


def _monitoring(src: HandoverSources) -> Section:
    rows = []
    for check_id in ("monitor.health_endpoint", "monitor.uptime_service", "monitor.alert_route",
                     "monitor.error_tracking", "monitor.status_page", "ai.cost_guard"):
        r = _result(src, check_id)
        if r is not None:
            rows.append([r.title, r.status.label, r.summary])
    blocks: list[Block] = []
    if rows:
        blocks.append(Table(["What", "Status", "Finding"], rows, [1.4, 0.8, 3.5], name="monitoring"))
    config = {k: src.project.extra.get(k) for k in ("monitoring", "monitors", "alerts") if src.project.extra.get(k)}
    if config:
        names = []
        for key, value in config.items():
            if isinstance(value, dict):
                names += [f"{key}: {k}" for k in value]
            elif isinstance(value, list):
                names += [f"{key}: {v.get('name', v) if isinstance(v, dict) else v}" for v in value]
        blocks.append(Bullets(names[:30]))
    if not blocks:
        blocks.append(Para(f"{NOT_ANSWERED}: run stage 5 (monitoring and alerting) to fill this section: what is "
                           "checked, how often, who gets paged, where the logs are, and the AI spend limit.", "muted"))
    return Section("monitoring", "Monitoring and alerts", blocks)


def _capacity(src: HandoverSources) -> Section:
    r = _result(src, "load.capacity")
    note = r.evidence.get("note") if r is not None else None
    if not note:
        why = f" ({r.summary})" if r is not None else ""
        return Section("capacity", "Capacity note", [Para(f"{NOT_ANSWERED}: run stage 6 (load sanity test){why}.",
                                                          "muted")])
    blocks: list[Block] = [Para(str(note))]
    facts = [(k.replace("_", " "), str(r.evidence[k])) for k in ("safe_users", "breaks_first", "target", "date")
             if r.evidence.get(k) not in (None, "")]
    if facts:
        blocks.append(KeyValues(facts))
    return Section("capacity", "Capacity note", blocks)


def _contacts(src: HandoverSources, c: Contacts) -> Section:
    from launchready_tui.vault.accounts import entries

    pairs = [
        ("Primary", c.primary.line() if c.primary else NOT_ANSWERED),
        ("Secondary", c.secondary.line() if c.secondary else NOT_ANSWERED),
        ("Incident commander", _or(c.incident_commander)),
        ("Incident room", _or(c.room)),
        ("Escalation", (f"escalate after {c.ack_minutes} min without acknowledgement"
                        + (f", then to everyone after {c.everyone_after_minutes} more"
                           if c.everyone_after_minutes else ""))
         if c.ack_minutes else f"{NOT_ANSWERED} (suggested: escalate after 10 min without acknowledgement, then to "
                               "everyone after 5 more)"),
        ("An incident is", _or(c.severity.get("incident"))),
        ("A major incident is", _or(c.severity.get("major"))),
    ]
    blocks: list[Block] = [KeyValues(pairs)]
    vendors = list(c.vendors)
    seen = {name.lower() for name, _ in vendors}
    for entry in entries(src.project):
        link = support_link(entry.provider)
        if entry.provider and link and entry.provider.lower() not in seen:
            vendors.append((entry.provider, link))
            seen.add(entry.provider.lower())
    if vendors:
        blocks.append(Table(["Vendor", "Support"], [[n, u or NOT_ANSWERED] for n, u in vendors], [1, 3],
                            name="vendors"))
    if c.registrar:
        blocks.append(KeyValues([(f"Registrar {k}", v) for k, v in c.registrar.items()]))
    blocks.append(_status_line(src.results.get("handover.contacts"), "Contacts"))
    return Section("contacts", "Contacts and escalation", blocks)


def _expiring(src: HandoverSources) -> list[tuple[str, str, float]]:
    """(what, date, days left) for the domain and certificates expiring within EXPIRY_WARN_DAYS."""
    out: list[tuple[str, str, float]] = []
    reg = _result(src, "domain.registration")
    if reg is not None and isinstance(reg.evidence.get("days_left"), int | float):
        if reg.evidence["days_left"] <= EXPIRY_WARN_DAYS:
            out.append((f"domain {src.project.domain}", str(reg.evidence.get("expires", ""))[:10],
                        float(reg.evidence["days_left"])))
    certs = _result(src, "tls.cert_expiry")
    for cert in (certs.evidence.get("certificates") if certs else None) or []:
        days = cert.get("days_left")
        if isinstance(days, int | float) and days <= EXPIRY_WARN_DAYS:
            out.append((f"certificate for {', '.join((cert.get('hosts') or [])[:3])}",
                        str(cert.get("not_after", ""))[:10], float(days)))
    return out


def _risks(src: HandoverSources, personal: list[str]) -> Section:
    results = [r for r in src.results.values() if r.id != "handover.export"]
    ranked = rank_risks(results)
    # The check's name first (the founder reads "Rollback steps", not "handover.rollback"), the id for look-ups.
    titles = {r.id: f"{r.title}\n{r.id}" for r in results if r.title and r.title != r.id}
    rows = [[str(r.rank), r.impact.value, titles.get(r.check_id, r.check_id), r.status.label, r.summary]
            for r in ranked]
    blocks: list[Block] = []
    if rows:
        blocks.append(Table(["#", "Impact", "Check", "Status", "Finding"], rows, [0.3, 0.95, 1.75, 0.8, 3.3],
                            name="risks"))
    else:
        blocks.append(Para("No failing or unmeasured checks in this run.", "note"))
    extra = [f"Account on a personal mailbox: {s}" for s in personal]
    extra += [f"{what} expires on {when} ({days:.0f} days)" for what, when, days in _expiring(src)]
    for item in src.project.accepted:
        if isinstance(item, dict):
            extra.append(f"Accepted finding {item.get('fingerprint', '')}: {item.get('reason', NOT_ANSWERED)} "
                         f"({item.get('who', '?')}, {item.get('date', '?')})")
    if extra:
        blocks.append(Para("Also open:", "label"))
        blocks.append(Bullets(extra))
    actions = [f"{r.check_id}: {first_step(r.fix)}" for r in ranked if r.fix][:MAX_ACTIONS]
    blocks.append(Para("Next actions, in this order:", "label"))
    blocks.append(Bullets(actions) if actions else Para("none from the checks of this run", "muted"))
    return Section("risks", "Known risks and open items", blocks)


MAX_ACTIONS = 10


def first_step(fix: str) -> str:
    """The fix's first step, as a to-do (the full guide is in the wizard and the audit report). Its first *line*
    was used: fix texts are hard-wrapped, so the to-do stopped mid-sentence ("…(each has its own fix in the
    e-mail checks),")."""
    from launchready_tui.report.handover_text import fix_headline

    return fix_headline(fix, more=" (full steps: the wizard or `launchready audit`)")


def _dates(src: HandoverSources, now: datetime, meta: HandoverMeta) -> Section:
    from launchready_tui.vault.accounts import entries

    rows = [["Generated", now.strftime("%Y-%m-%d")]]
    for e in entries(src.project):
        if e.verified_on:
            rows.append([f"{e.title}: verified", e.verified_on])
        if e.renewal:
            rows.append([f"{e.title}: renewal", e.renewal])
    reg = _result(src, "domain.registration")
    if reg is not None and reg.evidence.get("expires"):
        rows.append([f"Domain {src.project.domain} expires", str(reg.evidence["expires"])[:10]])
    certs = _result(src, "tls.cert_expiry")
    for cert in (certs.evidence.get("certificates") if certs else None) or []:
        rows.append([f"Certificate {', '.join((cert.get('hosts') or [])[:2])} expires",
                     str(cert.get("not_after", ""))[:10]])
    info = deploy_info(src.project)
    for label, rel in (("Last deploy", info.last_deploy), ("Last known-good release", info.last_good_release)):
        if rel.get("date"):
            rows.append([label, rel["date"]])
    for check_id, label in (("load.capacity", "Load test"), ("ai.prompt_injection", "AI probes")):
        if _result(src, check_id) is not None:
            rows.append([label, f"this run ({now.strftime('%Y-%m-%d')})"])
    rows.append(["Next review", meta.next_review or (now + timedelta(days=REVIEW_AFTER_DAYS)).date().isoformat()])
    return Section("dates", "Dates", [Table(["What", "Date"], rows, [3, 1.2], name="dates")])


def _appendix(src: HandoverSources) -> Section:
    blocks: list[Block] = [
        Para("Post-mortem template (after any incident, within a week; blameless):", "label"),
        Bullets(["What happened? (timeline, who noticed, how long customers were affected)",
                 "Why did it happen? (contributing causes, not a person)",
                 "How do we prevent it, or find out sooner? (actions, each with an owner and a date)"]),
    ]
    from launchready_tui.core import catalogue

    items = {item.id: item.text for stage in STAGES for item in stage.manual_items}
    na = []
    for key, raw in src.project.answers.items():
        text = items.get(key) or (catalogue.BY_ID[key].title if key in catalogue.BY_ID else None)
        if text is None:
            continue
        reason = _not_applicable(raw)
        if reason is not None:
            na.append(f"{text} — N/A: {reason}")
    blocks.append(Para("Readiness items marked not applicable:", "label"))
    blocks.append(Bullets(na) if na else Para("none", "muted"))
    return Section("appendix", "Appendix", blocks)


_NA = ("n/a", "na", "not applicable")


def _not_applicable(raw: Any) -> str | None:
    """The reason when an answer marks an item not applicable ("n/a", {answer: n/a, note: …}, or a note that
    starts with "N/A"), else None."""
    value = raw.get("answer") if isinstance(raw, dict) else raw
    note = str(raw.get("note") or "").strip() if isinstance(raw, dict) else ""
    if isinstance(value, str) and value.strip().lower() in _NA:
        return note or "no reason given"
    low = note.lower()
    for marker in _NA[:1] + _NA[2:]:
        if low.startswith(marker):
            return note[len(marker):].lstrip(" :—-") or "no reason given"
    return None


def build_document(src: HandoverSources) -> HandoverDoc:
    """Every section of handover.md §1, in order, from the sources."""
    now = (src.generated_at or datetime.now(UTC)).astimezone(UTC)
    meta = handover_meta(src.project)
    c = contacts(src.project)
    accounts, personal = _accounts(src)
    sections = [
        _cover(src, meta, now),
        accounts,
        _dns(src),
        _email(src),
        _env(src),
        _deploy(src),
        _monitoring(src),
        _capacity(src),
        _contacts(src, c),
        _risks(src, personal),
        _dates(src, now, meta),
        _appendix(src),
    ]
    name = src.project.product or src.project.domain
    return HandoverDoc(
        title=f"Handover: {name}",
        subtitle=f"{src.project.domain} · generated {now.strftime('%Y-%m-%d %H:%M UTC')} · launchready "
                 f"{src.tool_version}",
        generated_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        sections=sections,
        file_stem=f"handover-{src.project.domain}-{now.strftime('%Y-%m-%d')}",
    )
