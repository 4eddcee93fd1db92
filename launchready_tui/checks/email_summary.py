"""``email.summary`` (stage 1): the seven email checks in one line, the blockers, and every record to publish.

It reuses results already in ``ctx.results`` when the same run produced them (``launchready email`` runs the seven
first; the wizard's context outlives runs, so older results are never reused) and runs the others itself,
concurrently, through the runner's ``run_one`` (same timeouts and error handling), adding their results to
``ctx.results`` so the wizard and the handover can show each one. ``run_email_checks(ctx,
reuse=False)`` is the fresh re-check the handover stage uses.

Blockers (checks-email.md §1): SPF broken for every receiver or ``+all`` on a sending domain, or a sending
domain with neither a valid SPF record nor a DKIM key.
"""

from __future__ import annotations

import asyncio
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.emailauth.settings import email_settings, ran_this_run
from launchready_tui.checks.fixes import fix_for
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult, Outcome, Status

CHECK = "email.summary"
SUB_CHECKS = ("email.spf", "email.dkim", "email.dmarc", "email.mx", "email.mta_sts", "email.tls_rpt", "email.bimi")
LABELS = {"email.spf": "SPF", "email.dkim": "DKIM", "email.dmarc": "DMARC", "email.mx": "MX",
          "email.mta_sts": "MTA-STS", "email.tls_rpt": "TLS-RPT", "email.bimi": "BIMI"}
# Summary order: a measured failure first, then "could not check", then warnings (findings.py, same rule).
RANK = {Status.FAIL: 5, Status.ERROR: 4, Status.WARN: 3, Status.MANUAL: 2, Status.SKIPPED: 1, Status.PASS: 0}


async def run_email_checks(ctx: CheckContext, *, reuse: bool = True) -> dict[str, CheckResult]:
    """Results of the seven email checks: reused from ``ctx.results`` when this same run produced them (and
    ``reuse``), else run now."""
    from launchready_tui.checks.runner import run_one

    results: dict[str, CheckResult] = {}
    todo = []
    for check_id in SUB_CHECKS:
        previous = ctx.results.get(check_id)
        if reuse and previous is not None and previous.status is not Status.SKIPPED and ran_this_run(ctx, check_id):
            results[check_id] = previous
        else:
            todo.append(catalogue.get(check_id))
    if todo:
        ctx.say(CHECK, f"running {', '.join(LABELS[s.id] for s in todo)}")
        fresh = await asyncio.gather(*(run_one(spec, ctx) for spec in todo))
        for result in fresh:
            results[result.id] = result
            ctx.results[result.id] = result
    return {check_id: results[check_id] for check_id in SUB_CHECKS}


def _spf_valid(spf: CheckResult) -> bool:
    return spf.status in (Status.PASS, Status.WARN)


def _dkim_key_found(dkim: CheckResult) -> bool:
    found = dkim.evidence.get("found") or []
    return any(isinstance(p, dict) and not (p.get("key") or {}).get("revoked", True) for p in found)


def _records(results: dict[str, CheckResult]) -> list[str]:
    """The exact records the sub-checks propose, one line each."""
    lines: list[str] = []
    spf = results["email.spf"]
    proposed = spf.evidence.get("proposed") or {}
    if spf.status in (Status.FAIL, Status.WARN) and isinstance(proposed, dict) and proposed.get("record"):
        lines.append(f"TXT  {spf.evidence.get('name')}  \"{proposed['record']}\"  (replaces the current SPF record)")
    dmarc = results["email.dmarc"]
    plan = dmarc.evidence.get("plan") or {}
    steps = plan.get("steps") if isinstance(plan, dict) else None
    if dmarc.status in (Status.FAIL, Status.WARN) and steps:
        line = f"TXT  {plan['name']}  \"{steps[0]['record']}\""
        if len(steps) > 1:
            line += "  (then " + " → ".join(f"p={s['policy']}" for s in steps[1:]) + ")"
        lines.append(line)
    for check_id in ("email.dkim", "email.mx", "email.mta_sts", "email.tls_rpt", "email.bimi"):
        result = results[check_id]
        if result.status in (Status.FAIL, Status.WARN, Status.MANUAL):
            lines.append(f"{LABELS[check_id]}: {_short(result.summary)} (details below)")
    return lines


def _all_good(results: dict[str, CheckResult]) -> str:
    spf, dkim, dmarc = results["email.spf"], results["email.dkim"], results["email.dmarc"]
    policy = dmarc.evidence.get("policy") or {}
    found = [p for p in dkim.evidence.get("found") or [] if isinstance(p, dict) and p.get("key")]
    keys = ", ".join(f"{p['selector']} " + ("Ed25519" if p["key"].get("type") == "ed25519" else
                                             f"{p['key'].get('bits')}-bit RSA") for p in found) or "key found"
    return (f"SPF ({spf.evidence.get('lookups', '?')} of 10 lookups), DKIM ({keys}) and DMARC "
            f"(p={policy.get('p', '?')}) are in place; MX, MTA-STS, TLS-RPT and BIMI are fine")


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _line(check_id: str, result: CheckResult) -> str:
    return f"{LABELS[check_id]} {result.status.glyph} {_short(result.summary)}"


def _details(results: dict[str, CheckResult]) -> str:
    """Each failing check's own fix, so stage 1 (which lists only the summary) has every step."""
    parts = [f"{LABELS[cid]} — {r.status.label}: {r.summary}\n\n{r.fix}" for cid, r in results.items()
             if r.fix and r.status in (Status.FAIL, Status.WARN, Status.MANUAL)]
    return "\n\n".join(parts)


def records_only_fix(summary: CheckResult) -> str | None:
    """The summary's fix without the sub-checks' steps, for reports that list the seven checks themselves."""
    records = summary.evidence.get("records_to_publish") or []
    if not summary.fix or not records:
        return summary.fix
    return fix_for(CHECK, None, records="\n".join(f"- {r}" for r in records),
                   details="(each email check below has its own steps)")


async def email_summary(ctx: CheckContext) -> Outcome:
    settings = email_settings(ctx)
    results = await run_email_checks(ctx)
    spf, dkim = results["email.spf"], results["email.dkim"]
    worst = max(results.values(), key=lambda r: RANK[r.status]).status
    status = worst if worst is not Status.SKIPPED else Status.PASS
    blockers: list[str] = []
    if spf.blocker:
        blockers.append(f"SPF: {spf.summary}")
    if settings.sending and spf.status is not Status.ERROR and not _spf_valid(spf) and not _dkim_key_found(dkim) \
            and dkim.status is not Status.ERROR:
        blockers.append("neither a valid SPF record nor a DKIM key: receivers cannot authenticate any of your mail")
    problems = [r for r in results.values() if r.status in (Status.FAIL, Status.ERROR, Status.WARN, Status.MANUAL)]
    problems.sort(key=lambda r: -RANK[r.status])
    if not problems:
        summary = (f"{settings.domain} sends no mail and says so (SPF -all, DMARC reject)" if not settings.sending
                   else _all_good(results))
    else:
        shown = [_line(r.id, r) for r in problems[:3]]
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        summary = "; ".join(shown) + more
    evidence: dict[str, Any] = {
        "domain": settings.domain,
        "sends_mail": settings.sending,
        "checks": {cid: {"status": r.status.value, "summary": r.summary, "blocker": r.blocker}
                   for cid, r in results.items()},
        "blockers": blockers,
    }
    records = _records(results)
    if records:
        evidence["records_to_publish"] = records
    if settings.headers:
        from launchready_tui.checks.emailauth.headers import explain_authentication_results

        evidence["pasted_email"] = explain_authentication_results(settings.headers).to_json()
    fix = None
    if records and status in (Status.FAIL, Status.WARN, Status.MANUAL):
        fix = fix_for(CHECK, None, records="\n".join(f"- {r}" for r in records), details=_details(results))
    return Outcome(status, summary, evidence, fix=fix, blocker=bool(blockers), target=settings.domain)
