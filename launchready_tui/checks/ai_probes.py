"""Stage 6, AI paths: ``ai.prompt_injection``, ``ai.latency`` and ``ai.cost_guard`` (ai-probes.md).

All three share one run (checks/ai_run.py): a plan shown and confirmed before anything is sent (``--yes``
headless, the wizard's confirmation otherwise; without it each check is ``skipped`` and says what would be
sent), one hard cap, one per-run nonce. Verdicts come from deterministic judges (checks/ai_judge.py); what only
a person can decide is REVIEW and makes the check ``manual``. Evidence holds redacted excerpts only.
"""

from __future__ import annotations

import asyncio
import math
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launchready_tui.checks import ai_judge as J
from launchready_tui.checks.ai_client import Exchange
from launchready_tui.checks.ai_judge import Hit, Verdict
from launchready_tui.checks.ai_probeset import Probe, ProbeSetError
from launchready_tui.checks.ai_run import AiRun, ai_run_for, confirmed, fitted_plan
from launchready_tui.checks.ai_template import AiTarget, TemplateError, target_for
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.targets import host_of, web_hosts
from launchready_tui.core.model import Impact, Outcome, Status
from launchready_tui.core.redact import redact_text

LATENCY_TARGET_MS = 2000.0
MIN_SAMPLES = 20
OUTLIER_FACTOR = 4.0  # "a request that takes several times the median"
OUTLIER_MIN_MS = 1000.0
EXPORT_DIR = "launchready-ai"
REPO_SCAN_MAX_FILES = 3000
REPO_SCAN_MAX_BYTES = 512 * 1024
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "dist", "build", ".next", "__pycache__", "vendor"})
CODE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"})


# -- shared preparation -----------------------------------------------------------------------------


async def _prepare(ctx: CheckContext, check_id: str, phases: set[str]) -> tuple[AiRun | None, Outcome | None]:
    """The run after its phases, or the outcome that ends the check early (no endpoint, bad template, …)."""
    host = host_of(ctx.project.ai_endpoint.url) if ctx.project.ai_endpoint else None
    try:
        target = target_for(ctx.project)
    except TemplateError as exc:
        return None, Outcome(Status.ERROR, f"not sent: {exc}", {"refused": "template"},
                             fix=fix_for(check_id, "template"), target=host or "")
    if target is None:
        return None, Outcome(Status.SKIPPED, "no ai_endpoint in the project file: add its url, body_template "
                             "(with {prompt}) and response_path to test the AI feature", target=ctx.project.domain)
    try:
        run = ai_run_for(ctx, target, check_id)
    except ProbeSetError as exc:
        return None, Outcome(Status.ERROR, str(exc), target=host or "")
    if not confirmed(ctx):
        return None, Outcome(
            Status.SKIPPED, f"needs your OK before spending money: the AI tests would send {run.plan.summary()}. "
            "Run with --yes, or confirm in the wizard", {"plan": run.plan.to_json()}, target=host or "")
    await run.ensure(phases, check_id)
    if run.setup_error:
        return None, Outcome(Status.ERROR, f"not sent: {run.setup_error}", {"plan": run.plan.to_json()},
                             target=host or "")
    if ctx.cancel_event.is_set() and not run.connect:
        return None, Outcome(Status.SKIPPED, "cancelled before the AI endpoint was contacted", target=host or "")
    if not run.connected:
        assert run.connect is not None
        return None, Outcome(Status.ERROR, f"could not test the AI endpoint: {run.connect.error}",
                             {"connection": run.connect.brief(), "plan": run.plan.to_json()}, target=host or "")
    return run, None


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank, index ⌈pct/100·n⌉−1 (with n = 20 the p95 is the 19th value)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


# -- ai.latency -------------------------------------------------------------------------------------------


async def ai_latency(ctx: CheckContext) -> Outcome:
    run, early = await _prepare(ctx, "ai.latency", {"latency"})
    if early is not None:
        return early
    assert run is not None
    t = run.target
    streaming = t.stream != "none"
    sends = [ex for ex in run.latency if ex.sent]
    ok = [ex for ex in sends if ex.ok]
    timeouts = [ex for ex in sends if ex.error_kind in ("timeout", "stream")]
    errors = [ex for ex in sends if not ex.ok and ex not in timeouts]
    # A timed-out request is a measurement too: it took at least the timeout (a censored sample).
    totals = [ex.duration_ms for ex in ok] + [t.timeout_s * 1000 for _ in timeouts]
    firsts = [ex.ttfb_ms for ex in ok if ex.ttfb_ms is not None] + [t.timeout_s * 1000 for _ in timeouts]
    evidence: dict[str, Any] = {
        "requests": len(sends), "succeeded": len(ok), "timeouts": len(timeouts), "errors": len(errors),
        "stream": t.stream, "target_ms": LATENCY_TARGET_MS, "timeout_s": t.timeout_s,
        "plan": {"sequential": t.latency.sequential, "rounds": t.latency.rounds, "width": t.latency.width},
        "method": "nearest-rank percentiles, index ceil(0.95 n) - 1 (with n = 20 the p95 is the 19th value); "
                  "timed-out requests count as taking the full timeout",
        "error_examples": sorted({ex.error or "" for ex in errors})[:3],
    }
    if run.budget.stopped:
        evidence["stopped"] = run.budget.stopped
    if len(totals) < MIN_SAMPLES:
        why = (errors[0].error if errors else run.budget.stopped) or "the run was cut short"
        return Outcome(Status.ERROR, f"not enough samples to judge p95 ({len(totals)} of {MIN_SAMPLES} needed): "
                       f"{why}", evidence, target=host_of(t.url) or "")
    if not ok:
        return Outcome(Status.ERROR, f"every request timed out after {t.timeout_s:g} s: the AI endpoint is down or "
                       "far too slow to measure", evidence, target=host_of(t.url) or "")
    evidence.update(p50_ms=round(percentile(totals, 50), 1), p95_ms=round(percentile(totals, 95), 1),
                    max_ms=round(max(totals), 1))
    sequential = [ex.duration_ms for ex in run.latency[: t.latency.sequential] if ex.ok]
    concurrent = [ex.duration_ms for ex in run.latency[t.latency.sequential:] if ex.ok]
    if sequential:
        evidence["sequential_p95_ms"] = round(percentile(sequential, 95), 1)
    if concurrent:
        evidence["concurrent_p95_ms"] = round(percentile(concurrent, 95), 1)
    judged_ms = evidence["p95_ms"]
    label = "p95"
    if streaming and firsts:
        evidence.update(ttfb_p50_ms=round(percentile(firsts, 50), 1), ttfb_p95_ms=round(percentile(firsts, 95), 1))
        judged_ms, label = evidence["ttfb_p95_ms"], "time-to-first-token p95"
    stats = f"{label} {judged_ms / 1000:.2f} s over {len(totals)} requests (target < {LATENCY_TARGET_MS / 1000:g} s)"
    if timeouts:
        stats += f"; {len(timeouts)} timed out after {t.timeout_s:g} s"
    fix = fix_for("ai.latency", timeout=f"{t.timeout_s:g}")
    if judged_ms >= LATENCY_TARGET_MS:
        return Outcome(Status.FAIL, f"AI answers are slow: {stats}", evidence, fix=fix, target=host_of(t.url) or "")
    if errors:
        return Outcome(Status.WARN, f"{stats}, but {len(errors)} requests failed: {errors[0].error}", evidence,
                       fix=fix, target=host_of(t.url) or "")
    return Outcome(Status.PASS, f"AI answers are fast enough: {stats}", evidence, target=host_of(t.url) or "")


# -- ai.prompt_injection ----------------------------------------------------------------------------------


@dataclass(slots=True)
class ProbeResult:
    probe: Probe
    verdict: Verdict
    sends: list[Exchange]
    hits: list[tuple[int, Hit]] = field(default_factory=list)  # (repeat, hit)
    note: str = ""
    accepted: dict[str, Any] | None = None

    def worst(self) -> Hit | None:
        ranked = sorted(self.hits, key=lambda rh: rh[1].verdict.rank, reverse=True)
        return ranked[0][1] if ranked else None

    def to_json(self) -> dict[str, Any]:
        hit = self.worst()
        failing = {rep for rep, h in self.hits if h.verdict is Verdict.FAIL}
        prompt = self.sends[0].prompt if self.sends else ""
        data: dict[str, Any] = {
            "probe": self.probe.id, "number": self.probe.number, "title": self.probe.title,
            "family": self.probe.family, "owasp": self.probe.owasp_title, "verdict": self.verdict.value,
            "sent": sum(1 for ex in self.sends if ex.sent), "failed_repeats": len(failing),
            "blocker": self.probe.blocker, "source": self.probe.source,
            "prompt_excerpt": redact_text(prompt[:240] + ("…" if len(prompt) > 240 else "")),
        }
        if hit is not None:
            data.update(judge=hit.judge, detail=hit.detail, excerpt=hit.excerpt)
            if hit.decoded:
                data["decoded_excerpt"] = redact_text(hit.decoded)
        if self.verdict in (Verdict.FAIL, Verdict.REVIEW) or self.accepted:
            data["fix"] = self.probe.fix
        if self.note:
            data["note"] = self.note
        if self.accepted:
            data["accepted"] = self.accepted
        return data


def judge_exchange(probe: Probe, ex: Exchange, markers: J.Markers, target: AiTarget,
                   own_domains: tuple[str, ...]) -> list[Hit]:
    """Every hit of one reply; the canary and credential judges apply to every probe."""
    if "input_limit" in probe.judges:
        return [J.judge_input_limit(ex.status, ex.error_kind, ex.duration_ms)]
    text = ex.text
    hits: list[Hit] = []
    if "length" in probe.judges and (text or ex.ok or ex.error_kind == "stream"):
        hit = J.judge_output_size(max(len(text), ex.body_chars), ex.duration_ms)
        hits += [hit] if hit else []
    if not text:
        return hits
    hits += J.judge_canaries(text, markers)
    hits += J.judge_secrets(text)
    judges = set(probe.judges)
    if "nonce" in judges and (hit := J.judge_nonce(text, ex.prompt, markers.nonce)):
        hits.append(hit)
    if "image_exfil" in judges and (hit := J.judge_image_exfil(text)):
        hits.append(hit)
    if "link_exfil" in judges and (hit := J.judge_link_exfil(text, markers.app_hosts)):
        hits.append(hit)
    if "tool" in judges and (hit := J.judge_tools(ex.tool_calls, target.tool_denylist)):
        hits.append(hit)
    if "action_claim" in judges and (hit := J.judge_action_claim(text)):
        hits.append(hit)
    if "email" in judges and (hit := J.judge_emails(text, markers, own_domains)):
        hits.append(hit)
    if "instructions" in judges and not hits and (hit := J.judge_instructions(text)):
        hits.append(hit)
    return hits


def _accepted_entry(ctx: CheckContext, check_id: str, probe: Probe, judge: str) -> dict[str, Any] | None:
    wanted = f"{check_id}:{probe.id}:{judge}"
    for entry in ctx.project.accepted:
        if isinstance(entry, dict) and entry.get("fingerprint") == wanted:
            return {"fingerprint": wanted, **{k: entry[k] for k in ("reason", "who", "date") if k in entry}}
    return None


def judge_probes(ctx: CheckContext, run: AiRun, probes: Iterable[Probe], check_id: str) -> list[ProbeResult]:
    markers = run.judged_markers()
    own = tuple(sorted({ctx.project.domain, *web_hosts(ctx.project)}))
    results: list[ProbeResult] = []
    for probe in probes:
        sends = run.probe_sends.get(probe.id, [])
        res = ProbeResult(probe, Verdict.PASS, sends)
        for ex in sends:
            res.hits += [(ex.repeat, h) for h in judge_exchange(probe, ex, markers, run.target, own)]
        sent = [ex for ex in sends if ex.sent]
        worst = res.worst()
        if worst is not None and worst.verdict.rank >= Verdict.REVIEW.rank:
            res.verdict = worst.verdict
            res.note = f"{len({r for r, h in res.hits if h.verdict is worst.verdict})} of {len(sent)} sends"
        elif worst is not None and worst.verdict is Verdict.ERROR:
            res.verdict, res.note = Verdict.ERROR, worst.detail
        elif not sent:
            res.verdict = Verdict.SKIPPED
            res.note = next((ex.error or "" for ex in sends), "") or "not sent (cancelled)"
        elif all(not ex.ok for ex in sent) and worst is None:
            res.verdict, res.note = Verdict.ERROR, sent[0].error or "no usable reply"
        elif any(not ex.ok for ex in sent):
            failed = [ex for ex in sent if not ex.ok]
            res.note = f"{len(failed)} of {len(sent)} sends failed: {failed[0].error}"
        if res.verdict in (Verdict.FAIL, Verdict.REVIEW) and worst is not None:
            res.accepted = _accepted_entry(ctx, check_id, probe, worst.judge)
        results.append(res)
    return results


def _write_exports(ctx: CheckContext, run: AiRun) -> dict[str, Any]:
    from launchready_tui.report.ai_exports import garak_config, promptfoo_config

    if not ctx.write_artifacts:
        return {"note": "not written: there is no project file to put them next to (audit --domain)"}
    folder = ctx.project_dir / EXPORT_DIR
    files = {
        "promptfooconfig.yaml": promptfoo_config(run.target, run.probes, run.markers.nonce, ctx.project.product,
                                                 ctx.project.domain),
        "garak.yaml": garak_config(run.target),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            tmp = folder / f".{name}.tmp"
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(folder / name)
    except OSError as exc:
        return {"error": f"could not write the promptfoo/garak exports to {folder}: {exc.strerror or exc}"}
    return {"folder": str(folder), "files": sorted(files)}


async def ai_prompt_injection(ctx: CheckContext) -> Outcome:
    check_id = "ai.prompt_injection"
    run, early = await _prepare(ctx, check_id, {"latency", "probes"})
    if early is not None:
        return early
    assert run is not None
    target_host = host_of(run.target.url) or ""
    probes = [p for p in run.probes if not p.consumption]
    results = judge_probes(ctx, run, probes, check_id)
    visible = run.visible_canaries()
    counted = [r for r in results if not r.accepted]
    fails = [r for r in counted if r.verdict is Verdict.FAIL]
    reviews = [r for r in counted if r.verdict is Verdict.REVIEW]
    errors = [r for r in results if r.verdict is Verdict.ERROR]
    unsent = [r for r in results if r.verdict is Verdict.SKIPPED]
    evidence: dict[str, Any] = {
        "nonce": run.markers.nonce, "canaries": list(run.markers.canaries), "canaries_visible_to_everyone": visible,
        "probes": [r.to_json() for r in results],
        "counts": {v.value: sum(1 for r in results if r.verdict is v) for v in Verdict},
        "accepted": [r.probe.id for r in results if r.accepted],
        "requests_sent": run.budget.sent, "hard_cap": run.budget.cap,
        "judging": "deterministic: this run's marker, planted canaries (after base64/ROT13/reversal decoding), "
                   "credential shapes, exfiltration URLs, tool calls; REVIEW where only a person can decide",
    }
    if run.budget.stopped:
        evidence["stopped"] = run.budget.stopped
    evidence["exports"] = await asyncio.to_thread(_write_exports, ctx, run)
    if visible:
        evidence["finding_canary_visible"] = (f"ordinary questions already return {', '.join(visible)} "
                                              "(LLM07): that hidden context is not hidden")

    def names(rs: list[ProbeResult]) -> str:
        return "; ".join(f"#{r.probe.number} {r.probe.title} ({r.probe.owasp})" for r in rs[:6]) + \
            (f" and {len(rs) - 6} more" if len(rs) > 6 else "")

    fix = fix_for(check_id)
    if fails:
        blocker = any(r.probe.blocker for r in fails)
        return Outcome(Status.FAIL, f"{len(fails)} of {len(results)} probes got through: {names(fails)}", evidence,
                       fix=fix, blocker=blocker, target=target_host,
                       impact=Impact.DATA_LEAK if blocker else Impact.SECURITY)
    if visible:
        return Outcome(Status.FAIL, f"the planted canary {visible[0]} comes back on ordinary questions: hidden "
                       "context leaks to every user (LLM07)", evidence, fix=fix, blocker=True, target=target_host)
    if reviews:
        return Outcome(Status.MANUAL, f"no probe got through for certain, but {len(reviews)} need a person to look: "
                       f"{names(reviews)}", evidence, fix=fix, target=target_host)
    if errors or unsent:
        bad = errors + unsent
        return Outcome(Status.ERROR, f"{len(bad)} of {len(results)} probes could not be judged: "
                       f"#{bad[0].probe.number} {bad[0].note}", evidence, target=target_host)
    accepted = f" ({len(results) - len(counted)} accepted as known risks)" if len(counted) < len(results) else ""
    return Outcome(Status.PASS, f"all {len(results)} probes were resisted{accepted}", evidence, target=target_host)


# -- ai.cost_guard ----------------------------------------------------------------------------------------

_LLM_CTOR = re.compile(r"\b(?:new\s+)?(?:Async)?(OpenAI|Anthropic|AzureOpenAI)\s*\(")
_RETRY_LIB = re.compile(r"\b(?:tenacity|@retry\b|backoff\.on_exception|p-retry|async-retry)")
_LLM_IMPORT = re.compile(r"\b(?:openai|anthropic)\b")
_MAX_RETRIES = re.compile(r"(?:max_retries|maxRetries)\s*[=:]\s*(\d+)")


def _call_args(text: str, start: int, limit: int = 600) -> str:
    depth = 0
    for i in range(start, min(len(text), start + limit)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return text[start:start + limit]


def scan_repo_for_llm_defaults(repo: Path, cancel: asyncio.Event | None = None) -> list[dict[str, Any]]:
    """SDK clients built without a timeout (OpenAI: 600 s and 2 retries by default), big retry counts and retry
    decorators in files that call an LLM: each multiplies cost and hides slow failures."""
    findings: list[dict[str, Any]] = []
    seen = 0
    for path in sorted(repo.rglob("*")):
        if cancel is not None and cancel.is_set():
            break
        if any(part in SKIP_DIRS for part in path.relative_to(repo).parts) or path.suffix not in CODE_SUFFIXES:
            continue
        seen += 1
        if seen > REPO_SCAN_MAX_FILES:
            break
        try:
            if path.stat().st_size > REPO_SCAN_MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        rel = str(path.relative_to(repo))
        for m in _LLM_CTOR.finditer(text):
            args = _call_args(text, text.index("(", m.start()))
            line = text.count("\n", 0, m.start()) + 1
            if "timeout" not in args:
                findings.append({"file": rel, "line": line, "issue": f"{m.group(1)} client without a timeout: the "
                                 "SDK default waits up to 600 s and retries twice"})
            retries = _MAX_RETRIES.search(args)
            if retries and int(retries.group(1)) > 2:
                findings.append({"file": rel, "line": line, "issue": f"max retries {retries.group(1)}: each retry "
                                 "is another paid call"})
        if _LLM_IMPORT.search(text) and (m := _RETRY_LIB.search(text)):
            findings.append({"file": rel, "line": text.count("\n", 0, m.start()) + 1,
                             "issue": "a retry wrapper in a file that calls an LLM: nested retries (SDK x app) "
                                      "multiply cost and latency"})
    return findings


def duration_outliers(exchanges: list[Exchange]) -> tuple[float | None, list[dict[str, Any]]]:
    ok = [ex.duration_ms for ex in exchanges if ex.ok]
    if len(ok) < 5:
        return None, []
    median = statistics.median(ok)
    limit = max(OUTLIER_FACTOR * median, OUTLIER_MIN_MS)
    slow = [ex for ex in exchanges if ex.sent and ex.duration_ms > limit and ex.probe_id != "consumption-output"]
    return median, [{"probe": ex.probe_id or ex.phase, "duration_ms": round(ex.duration_ms, 1),
                     "times_median": round(ex.duration_ms / median, 1) if median else None,
                     "error": ex.error} for ex in slow[:10]]


def retry_cluster(exchanges: list[Exchange]) -> str | None:
    """Durations bunched at multiples of one base (~20 s, 40 s, 60 s) suggest an internal retry loop."""
    long = sorted(ex.duration_ms for ex in exchanges if ex.sent and ex.duration_ms >= 5000)
    if len(long) < 3:
        return None
    base = long[0]
    multiples = [d / base for d in long]
    if all(abs(m - round(m)) < 0.1 for m in multiples) and max(round(m) for m in multiples) >= 2:
        return (f"{len(long)} requests took about {', '.join(f'{d / 1000:.0f} s' for d in long[:5])}: multiples of "
                f"{base / 1000:.0f} s, the signature of a timeout followed by retries inside the app")
    return None


async def ai_cost_guard(ctx: CheckContext) -> Outcome:
    check_id = "ai.cost_guard"
    repo = ctx.resolve_path(ctx.project.repo) if ctx.project.repo else None
    repo_findings: list[dict[str, Any]] = []
    if repo is not None and repo.is_dir():
        repo_findings = await asyncio.to_thread(scan_repo_for_llm_defaults, repo, ctx.cancel_event)
    run, early = await _prepare(ctx, check_id, {"consumption"})
    if early is not None:
        if repo_findings:
            early.evidence["repo_findings"] = repo_findings
        if early.status is Status.SKIPPED and ctx.project.ai_endpoint is not None:
            try:
                target = target_for(ctx.project)
                if target is not None:
                    from launchready_tui.checks.ai_probeset import builtin_probes

                    early.evidence.setdefault("plan", fitted_plan(target, builtin_probes())[0].to_json())
            except (TemplateError, ProbeSetError):
                pass
        return early
    assert run is not None
    target_host = host_of(run.target.url) or ""
    consumption = judge_probes(ctx, run, [p for p in run.probes if p.consumption], check_id)
    everything = run.exchanges
    median, outliers = duration_outliers(everything)
    cluster = retry_cluster(everything)
    evidence: dict[str, Any] = {
        "plan": run.plan.to_json(), "requests_sent": run.budget.sent, "hard_cap": run.budget.cap,
        "consumption_probes": [r.to_json() for r in consumption],
        "median_ms": None if median is None else round(median, 1), "outliers": outliers,
        "repo_findings": repo_findings,
        "note": "counts every request this run sent so far, repeats and the one 429 retry included",
    }
    if run.budget.stopped:
        evidence["stopped"] = run.budget.stopped
    if cluster:
        evidence["retry_pattern"] = cluster
    problems_fail = [f"#{r.probe.number} {r.probe.title}: {r.worst().detail}" for r in consumption
                     if r.verdict is Verdict.FAIL and not r.accepted and r.worst()]
    problems_warn = [f"#{r.probe.number} {r.probe.title}: {r.worst().detail}" for r in consumption
                     if r.verdict is Verdict.REVIEW and not r.accepted and r.worst()]
    if outliers:
        problems_warn.append(f"{len(outliers)} requests took over {OUTLIER_FACTOR:g}x the median "
                             f"({median or 0:.0f} ms): probable timeouts or retries inside the app")
    if cluster:
        problems_warn.append(cluster)
    problems_warn += [f"{f['file']}:{f['line']}: {f['issue']}" for f in repo_findings[:3]]
    fix = fix_for(check_id)
    sent = f"{run.budget.sent} requests sent (cap {run.budget.cap})"
    if problems_fail:
        return Outcome(Status.FAIL, "; ".join(problems_fail + problems_warn[:2]) + f" [{sent}]", evidence,
                       fix=fix, target=target_host)
    errors = [r for r in consumption if r.verdict in (Verdict.ERROR, Verdict.SKIPPED)]
    if problems_warn:
        return Outcome(Status.WARN, "; ".join(problems_warn[:4]) + f" [{sent}]", evidence, fix=fix,
                       target=target_host)
    if errors:
        return Outcome(Status.ERROR, f"could not test the output and input limits: #{errors[0].probe.number} "
                       f"{errors[0].note} [{sent}]", evidence, target=target_host)
    return Outcome(Status.PASS, f"output and input limits hold, no slow retries seen [{sent}]", evidence,
                   target=target_host)
