"""Stage 7 - Handover: can the founder run the product after the consultant leaves?

``handover.accounts``      every core account has an owner, a backup owner and 2FA (fail), logins on company
                           addresses and not owned by someone leaving (warn), each row verified (manual)
``handover.env_vars``      variable names per environment and where each lives - never values - from the
                           stage-4 inventory (``deploy.env_documented``, run now if this session has no result)
``handover.rollback``      the rollback steps for this platform with its caveats, and a written runbook
``handover.contacts``      primary and secondary human, incident commander, room, escalation timer
``handover.email_recheck`` a fresh re-run of every built ``email.*`` check after the final DNS changes
``handover.export``        the no-secret gate on the document; writes md/html/pdf when asked to

Inputs beyond the project file come through ``ctx.options.extra``:

* ``"vault"``: an open CredentialStore; then the account details (names, login e-mails) are read to find
  personal mailboxes and people who are leaving. Without it, the non-secret status in the project file is
  used. Evidence never holds a vault value.
* ``"handover_export"``: a ``report.handover.ExportRequest``; without it ``handover.export`` writes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.handover_data import (
    answer,
    contacts,
    deploy_info,
    every_platform_caveat,
    handover_meta,
    platform,
)
from launchready_tui.core import catalogue
from launchready_tui.core.model import STATUS_SEVERITY, CheckResult, Outcome, Status
from launchready_tui.core.redact import redact_text

RUNBOOK_CHARS = 4000  # of a rollback runbook quoted into the evidence (and so the document)


async def dependency(ctx: CheckContext, check_id: str) -> CheckResult:
    """This session's result of another check, or a fresh run of it (``skipped`` if it is not built)."""
    from launchready_tui.checks.runner import run_one

    existing = ctx.results.get(check_id)
    if existing is not None and existing.status is not Status.SKIPPED:
        return existing
    return await run_one(catalogue.get(check_id), ctx)


# --------------------------------------------------------------------------------------------------------
# handover.accounts


def _name_key(name: str) -> str:
    return name.split(" (", 1)[0].strip().casefold()


def evaluate_accounts(project: Any, records: dict[str, Any] | None,
                      complete: bool = True) -> tuple[Status, str, dict[str, Any], bool]:
    """(status, summary, evidence, blocker) for the account rows; ``records`` maps service -> AccountRecord
    (None: not in the vault) when the vault was read, else None. ``complete`` is False for the "none" vault,
    which holds only this run's entries: an absent record there is not "missing from the vault"."""
    from launchready_tui.vault.accounts import CORE_SERVICES, entries, login_kind

    rows = entries(project)
    meta = handover_meta(project)
    leaving = {_name_key(n) for n in [*meta.leaving, meta.from_] if n}
    by_service = {e.service: e for e in rows}
    failing: list[str] = []
    warning: list[str] = []
    unverified: list[str] = []
    evidence_rows: list[dict[str, Any]] = []
    for service in [*CORE_SERVICES, *[e.service for e in rows if e.service not in CORE_SERVICES]]:
        entry = by_service.get(service)
        core = service in CORE_SERVICES
        problems: list[str] = []
        notes: list[str] = []
        if entry is None:
            problems.append("not recorded: no owner, no backup owner, 2FA unknown")
            failing.append(f"{service} (not recorded)")
            evidence_rows.append({"service": service, "core": core, "recorded": False, "problems": problems})
            continue
        st = entry.status
        record = (records or {}).get(service)
        if not st.get("owner"):
            problems.append("no owner")
        if not st.get("backup_owner"):
            problems.append("no backup owner")
        if st.get("twofa") is not True:
            problems.append("2FA off" if st.get("twofa") is False else "2FA not recorded")
        if problems and core:
            failing.append(f"{service} ({', '.join(problems)})")
        elif problems:
            notes += problems
        if records is not None and complete and record is None and st.get("details") == "vault":
            notes.append("details missing from the vault")
        login = login_kind(record.login_email) if record is not None else st.get("login", "")
        if login == "consumer":
            notes.append("login on a personal mailbox")
        if record is not None and leaving:
            who = [label for label, name in (("owner", record.owner), ("backup owner", record.backup_owner))
                   if name and _name_key(name) in leaving]
            if who:
                notes.append(f"{' and '.join(who)} is leaving")
        if notes:
            warning.append(f"{service} ({', '.join(notes)})")
        if not entry.verified_on:
            unverified.append(service)
        evidence_rows.append({
            "service": service, "core": core, "recorded": True, "provider": entry.provider,
            "owner": bool(st.get("owner")), "backup_owner": bool(st.get("backup_owner")), "twofa": st.get("twofa"),
            "login": login, "recovery_recorded": bool(st.get("recovery")), "verified_on": entry.verified_on,
            "details": st.get("details", ""), "problems": problems + notes,
        })
    evidence: dict[str, Any] = {"accounts": evidence_rows, "vault_read": records is not None,
                                "missing_core": [s for s in CORE_SERVICES if s not in by_service]}
    unowned = {"registrar", "dns"} & {r["service"] for r in evidence_rows if not r.get("owner")}
    if failing:
        summary = (f"{len(failing)} core account(s) without an owner, a backup owner or 2FA: "
                   + "; ".join(failing[:5]) + ("; …" if len(failing) > 5 else ""))
        return Status.FAIL, summary, evidence, bool(unowned)
    if warning:
        return Status.WARN, "access could leave with a person: " + "; ".join(warning[:5]), evidence, False
    if unverified:
        return (Status.MANUAL, f"every core account has an owner, a backup and 2FA; confirm each row once "
                f"(not verified yet: {', '.join(unverified)}) with `launchready accounts set SERVICE --owner … "
                "--verified-by NAME`", evidence, False)
    return Status.PASS, f"all {len(rows)} accounts have an owner, a backup owner and 2FA, and were verified", \
        evidence, False


async def _read_records(ctx: CheckContext, services: list[str]) -> tuple[dict[str, Any] | None, str]:
    store = ctx.options.extra.get("vault")
    if store is None:
        return None, "details not read (no vault open): the project file's status was used"
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import load_record

    out: dict[str, Any] = {}
    for service in services:
        if ctx.cancel_event.is_set():
            return None, "cancelled while reading the vault"
        try:
            out[service] = await asyncio.to_thread(load_record, store, service)
        except VaultError as exc:
            return None, f"details not read from the vault ({exc.message.splitlines()[0]}); the status was used"
    return out, f"details read from {store.backend_name}"


async def handover_accounts(ctx: CheckContext) -> Outcome:
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import entries

    try:
        services = [e.service for e in entries(ctx.project)]
    except VaultError as exc:
        return Outcome(Status.ERROR, f"the accounts in the project file cannot be read: {exc}")
    ctx.say("handover.accounts", "reading the account records")
    records, note = await _read_records(ctx, services)
    store = ctx.options.extra.get("vault")
    status, summary, evidence, blocker = evaluate_accounts(ctx.project, records,
                                                           complete=bool(getattr(store, "persistent", True)))
    evidence["vault_note"] = note
    fix = None if status is Status.PASS else fix_for("handover.accounts", services=", ".join(
        r["service"] for r in evidence["accounts"] if r.get("problems")) or "each account")
    return Outcome(status, summary, evidence, fix=fix, blocker=blocker)


# --------------------------------------------------------------------------------------------------------
# handover.env_vars


def _platform_ids(ctx: CheckContext, rollback_hints: dict[str, Any] | None = None) -> list[str]:
    ids = []
    info = deploy_info(ctx.project)
    if info.platform:
        ids.append(info.platform)
    for pid in (rollback_hints or {}).get("platforms") or []:
        if pid not in ids:
            ids.append(str(pid))
    return ids


async def handover_env_vars(ctx: CheckContext) -> Outcome:
    from launchready_tui.checks.handover_env import MISSING, SAME, build_matrix

    ctx.say("handover.env_vars", "reading the stage-4 env inventory")
    inventory = await dependency(ctx, "deploy.env_documented")
    if inventory.status is Status.SKIPPED:
        return Outcome(Status.SKIPPED, f"the stage-4 env inventory did not run ({inventory.summary})")
    if inventory.status is Status.ERROR:
        return Outcome(Status.ERROR, f"the stage-4 env inventory could not run: {inventory.summary}")
    rollback = ctx.results.get("deploy.rollback_path")
    hints = rollback.evidence.get("hints") if rollback is not None else None
    root = Path(inventory.target) if inventory.target else None
    matrix = await asyncio.to_thread(build_matrix, inventory.evidence, list(ctx.project.environments),
                                     root if root and root.is_dir() else None, _platform_ids(ctx, hints))
    evidence: dict[str, Any] = {"matrix": matrix.to_json(), "source": "deploy.env_documented"}
    missing_prod = [r.name for r in matrix.rows if r.cells.get("production") == MISSING]
    shared_secrets = sorted({f"{r.name} ({env})" for r in matrix.rows if r.secret
                             for env, cell in r.cells.items() if cell == SAME})
    if not matrix.rows:
        return Outcome(Status.PASS, "the code reads no environment variables: nothing to hand over", evidence)
    if matrix.undocumented:
        names = ", ".join(matrix.undocumented[:8])
        return Outcome(Status.FAIL, f"{len(matrix.undocumented)} variable(s) the code reads are written down "
                                    f"nowhere, so the next owner cannot set up a new environment: {names}", evidence,
                       fix=fix_for("handover.env_vars", names=names))
    problems = []
    if missing_prod:
        problems.append(f"not set for production: {', '.join(missing_prod[:8])}")
    if shared_secrets:
        problems.append(f"secrets shared with production: {', '.join(shared_secrets[:8])}")
    if problems:
        return Outcome(Status.WARN, "; ".join(problems), evidence,
                       fix=fix_for("handover.env_vars", names=", ".join(missing_prod + shared_secrets)))
    envs = ", ".join(matrix.environments) or "production"
    return Outcome(Status.PASS, f"{len(matrix.rows)} variable(s) listed by name for {envs}, with where each lives",
                   evidence)


# --------------------------------------------------------------------------------------------------------
# handover.rollback


def _runbook_text(root: Path | None, rel: str) -> str:
    if root is None:
        return ""
    try:
        with (root / rel).open("rb") as fh:
            text = fh.read(RUNBOOK_CHARS).decode("utf-8", "replace")
    except OSError:
        return ""
    return redact_text(text)  # a runbook may quote a key by mistake: never carry it into the document


async def handover_rollback(ctx: CheckContext) -> Outcome:
    ctx.say("handover.rollback", "looking for the platform and rollback notes")
    path_result = await dependency(ctx, "deploy.rollback_path")
    hints = dict(path_result.evidence.get("hints") or {}) if path_result.status is not Status.SKIPPED else {}
    info = deploy_info(ctx.project)
    ids = _platform_ids(ctx, hints)
    plat = next((p for p in (platform(i) for i in ids) if p), None)
    runbooks = [str(r) for r in hints.get("runbooks") or []]
    root = Path(path_result.target) if path_result.target else None
    if root is None and ctx.project.repo:
        root = ctx.resolve_path(ctx.project.repo)
    steps: list[str] = []
    if plat:
        steps.append(f"{plat.name}: {plat.rollback}")
    steps += info.rollback_steps
    if runbooks:
        steps.append(f"Follow {runbooks[0]} (quoted below)")
    caveats = [c for c in ((plat.caveat if plat else ""), every_platform_caveat()) if c]
    if hints.get("migrations"):
        caveats.append(f"This repository has database migrations ({', '.join(hints['migrations'][:3])}): roll the "
                       "code back only to a release that works with the current schema"
                       + (f" (last known: {info.last_compatible_release})" if info.last_compatible_release else ""))
    walked, _note = answer(ctx.project, "handover.walkthrough")
    evidence: dict[str, Any] = {
        "platform": plat.id if plat else (ids[0] if ids else None),
        "platform_name": plat.name if plat else None,
        "deploy": info.how or (plat.deploy if plat else ""),
        "rollback_steps": steps,
        "caveats": caveats,
        "runbooks": runbooks,
        "runbook_text": _runbook_text(root, runbooks[0]) if runbooks else "",
        "migrations": hints.get("migrations") or [],
        "verify": {"health_url": info.health_url, "logs": info.logs or (plat.logs if plat else "")},
        "last_good_release": info.last_good_release,
        "last_deploy": info.last_deploy,
        "tested_on": info.tested_on,
        "walked_through": walked,
        "problems": info.problems,
    }
    fix = fix_for("handover.rollback", plat.id if plat else None)
    written = bool(runbooks or info.rollback_steps)
    if not written and plat is None:
        return Outcome(Status.FAIL, "no written rollback and no known platform: if a deploy breaks, nobody knows how "
                                    "to put the previous version back", evidence, fix=fix)
    if not written:
        return Outcome(Status.MANUAL, f"{plat.name if plat else 'the platform'}'s rollback is printed in the document "
                                      "(with its caveats), but nothing is written in the repository or confirmed: "
                                      "try it once and record the steps", evidence, fix=fix)
    if walked is False:
        return Outcome(Status.WARN, "rollback steps are written, but the founder has not walked them with the "
                                    "consultant yet", evidence, fix=fix)
    where = runbooks[0] if runbooks else "the project file"
    tested = f", tried on {info.tested_on}" if info.tested_on else ""
    return Outcome(Status.PASS, f"rollback steps written ({where}){tested}; caveats listed for the handover",
                   evidence)


# --------------------------------------------------------------------------------------------------------
# handover.contacts


async def handover_contacts(ctx: CheckContext) -> Outcome:
    c = contacts(ctx.project)
    missing: list[str] = []
    if not (c.primary and c.primary.reachable):
        missing.append("a primary person with a phone or e-mail")
    soft: list[str] = []
    if not (c.secondary and c.secondary.reachable):
        soft.append("a secondary person")
    if not c.incident_commander:
        soft.append("an incident commander")
    if not c.room:
        soft.append("a call or chat room for incidents")
    if c.ack_minutes is None:
        soft.append("an escalation timer (e.g. escalate after 10 min without acknowledgement)")
    evidence = {
        "primary": bool(c.primary and c.primary.reachable), "secondary": bool(c.secondary and c.secondary.reachable),
        "incident_commander": bool(c.incident_commander), "room": bool(c.room),
        "escalation": {"ack_minutes": c.ack_minutes, "everyone_after_minutes": c.everyone_after_minutes},
        "severity_defined": sorted(c.severity), "vendors": len(c.vendors), "problems": c.problems,
        "missing": missing + soft,
    }
    fix = fix_for("handover.contacts")
    if missing:
        return Outcome(Status.FAIL, "nobody is named to call when the product breaks: add " + "; ".join(missing + soft),
                       evidence, fix=fix)
    if soft:
        return Outcome(Status.WARN, f"{c.primary.name if c.primary else 'one person'} is the only plan: add "
                       + "; ".join(soft), evidence, fix=fix)
    return Outcome(Status.PASS, f"{c.primary.name if c.primary else ''} then {c.secondary.name if c.secondary else ''}"
                                f", incident commander {c.incident_commander}, escalation after {c.ack_minutes} min",
                   evidence)


# --------------------------------------------------------------------------------------------------------
# handover.email_recheck


def _worst(results: list[CheckResult]) -> Status:
    statuses = {r.status for r in results}
    for status in (Status.FAIL, Status.WARN):
        if status in statuses:
            return status
    if Status.ERROR in statuses:
        return Status.ERROR
    if Status.MANUAL in statuses:
        return Status.MANUAL
    return Status.PASS if Status.PASS in statuses else Status.SKIPPED


async def handover_email_recheck(ctx: CheckContext) -> Outcome:
    from launchready_tui.checks.runner import run_one

    specs = [catalogue.get(i) for i in catalogue.EMAIL_CHECK_IDS]
    built = [s for s in specs if s.is_built()]
    missing = [s.id for s in specs if not s.is_built()]
    if not built:
        return Outcome(Status.SKIPPED, f"none of the e-mail checks is built in this version ({', '.join(missing)})",
                       {"missing": missing})
    done = 0

    async def one(spec: catalogue.CheckSpec) -> CheckResult:
        nonlocal done
        result = await run_one(spec, ctx)
        done += 1
        ctx.say("handover.email_recheck", f"{spec.id}: {result.status.value} ({done}/{len(built)})")
        return result

    results = list(await asyncio.gather(*(one(s) for s in built)))
    checked_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status = _worst(results)
    evidence = {"checked_at": checked_at, "missing": missing,
                "results": [{"id": r.id, "title": r.title, "status": r.status.value, "summary": r.summary,
                             "evidence": r.evidence} for r in results]}
    by_status = sorted(results, key=lambda r: -STATUS_SEVERITY[r.status])
    words = "; ".join(f"{r.id.split('.', 1)[1].upper().replace('_', '-')} {r.status.value}" for r in by_status)
    tail = f" (not built yet: {', '.join(missing)})" if missing else ""
    if status is Status.ERROR:
        return Outcome(Status.ERROR, f"the e-mail records could not be re-checked: {words}{tail}", evidence)
    return Outcome(status, f"re-checked after the final DNS changes: {words}{tail}", evidence,
                   fix=None if status is Status.PASS else fix_for("handover.email_recheck"))


# --------------------------------------------------------------------------------------------------------
# handover.export


async def handover_export(ctx: CheckContext) -> Outcome:
    from launchready_tui.report.handover import ExportError, SecretInDocument, build_from_context, export

    request = ctx.options.extra.get("handover_export")
    ctx.say("handover.export", "assembling the handover document")
    doc, gate_values = await build_from_context(
        ctx, include_recovery=bool(getattr(request, "include_recovery", False)), collect_dns=request is not None)
    try:
        if request is None:
            from launchready_tui.report.handover import check_no_secrets, render_markdown

            check_no_secrets(doc, render_markdown(doc), gate_values)
            return Outcome(Status.MANUAL, "not exported in this run (an audit writes no files): run `launchready "
                                          "handover --output DIR`; the document passed the no-secret gate",
                           {"sections": [s.title for s in doc.sections]})
        ctx.say("handover.export", f"writing {', '.join(request.formats)} to {request.directory}")
        written, notes = await asyncio.to_thread(export, doc, request, gate_values)
    except SecretInDocument as exc:
        return Outcome(Status.FAIL, f"not exported: {exc}", {"field": exc.field}, blocker=True,
                       fix=fix_for("handover.export"))
    except ExportError as exc:
        return Outcome(Status.ERROR, f"not exported: {exc}", {})
    return Outcome(Status.PASS, f"exported {', '.join(p.name for p in written)} to {request.directory}",
                   {"files": [str(p) for p in written], "notes": notes,
                    "sections": [s.title for s in doc.sections]})
