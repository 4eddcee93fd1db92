"""From a finished (or stopped) run to verdicts: per step, the knee, what breaks first, the capacity note.

Pure functions over the plan and the generator's ``result`` dict, shared by the checks, the CLI and the
wizard's chart. The rules (loadtest.md §5-6):

* a step passes for an endpoint when p95 (from the intended send) is under its target (500 ms core, 2 s
  AI) and errors + timeouts stay under 1 %. With fewer than 20 samples the nearest-rank p95 *is* the
  maximum, so the maximum is what we judge (and say so);
* a step where the generator itself was the bottleneck (CPU > 0.8 core, or its own scheduling slipped:
  lag p95 > 5 ms and > 10 % of the from-send p95, and large enough to move a verdict: ≥ 10 % of the
  tightest target) is *unmeasured*, never blamed on the app; a smaller slip is reported as a margin;
* the knee is the last step where every endpoint passed; "safe today" is that step's users;
* "breaks first" is the endpoint that failed at the lowest step (worst ratio to its target on a tie).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from launchready_tui.loadgen.plan import ERROR_SLO, LoadPlan

CPU_LIMIT = 0.8  # cores: above this the generator, not the app, may be the bottleneck
CPU_WARN = 0.6
LAG_LIMIT_MS = 5.0
LAG_LIMIT_SHARE = 0.10
LAG_VERDICT_SHARE = 0.10  # lag of 10 % of the tightest target (50 ms core) could flip a verdict
STALL_MIN_MS = 500.0
MOSTLY_FAILED = 0.5


@dataclass(slots=True)
class Cell:
    """One endpoint at one step, judged."""

    step: int
    users: int
    endpoint: str
    row: dict[str, Any]  # the contract row
    details: dict[str, Any]
    slo_ms: float
    ai: bool
    verdict: str = "ok"  # ok | slow | errors | mostly-failed | unmeasured
    reason: str = ""
    judged_ms: float | None = None  # p95, or the maximum when n < 20

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


@dataclass(slots=True)
class StepHealth:
    step: int
    users: int
    cpu_cores: float
    lag_p95_ms: float | None
    drops: int
    trustworthy: bool
    reason: str = ""
    note: str = ""  # worth saying, not enough to distrust the step


@dataclass(slots=True)
class Analysis:
    plan: LoadPlan
    result: dict[str, Any]
    cells: list[Cell] = field(default_factory=list)
    health: list[StepHealth] = field(default_factory=list)
    safe_users: int | None = None
    safe_step: int | None = None
    breaks_first: str | None = None
    breaks_how: str = ""
    knee_text: str = ""
    stalls: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def steps_run(self) -> list[int]:
        return sorted({c.step for c in self.cells})

    @property
    def partial(self) -> bool:
        """Stopped by the user, or stopped early by a safety rule before every step ran."""
        if self.result.get("cancelled"):
            return True
        return bool(self.result.get("stop_reason")) and len(self.steps_run) < len(self.plan.steps)

    @property
    def stopped_by_user(self) -> bool:
        return bool(self.result.get("cancelled"))

    def contract_steps(self, ai: bool | None = None) -> list[dict[str, Any]]:
        return [c.row for c in self.cells if ai is None or c.ai == ai]

    def details(self, ai: bool | None = None) -> list[dict[str, Any]]:
        return [c.details for c in self.cells if ai is None or c.ai == ai]

    def cells_for(self, ai: bool | None) -> list[Cell]:
        return [c for c in self.cells if ai is None or c.ai == ai]


def _judge(cell: Cell, health: StepHealth | None) -> None:
    d, row = cell.details, cell.row
    attempted = d.get("attempted", 0)
    if health is not None and not health.trustworthy:
        cell.verdict, cell.reason = "unmeasured", f"generator-limited at {cell.users} users ({health.reason})"
        return
    if not attempted:
        cell.verdict, cell.reason = "unmeasured", f"no request was sent at {cell.users} users"
        return
    rate = float(row["error_rate"])
    if rate >= MOSTLY_FAILED:
        cell.verdict = "mostly-failed"
        cell.reason = f"{rate:.0%} of requests failed at {cell.users} users ({_error_words(cell)})"
        return
    if rate >= ERROR_SLO:
        cell.verdict = "errors"
        cell.reason = f"{rate:.1%} errors at {cell.users} users ({_error_words(cell)}; target < {ERROR_SLO:.0%})"
    judged = row["p95_ms"] if row["p95_ms"] is not None else d.get("max_ms")
    cell.judged_ms = judged
    if judged is not None and judged >= cell.slo_ms and cell.verdict == "ok":
        label = "p95" if row["p95_ms"] is not None else f"slowest of {d.get('n', 0)} requests:"
        cell.verdict = "slow"
        cell.reason = f"{label} {_ms(judged)} at {cell.users} users (target < {_ms(cell.slo_ms)})"
    if judged is None and cell.verdict == "ok":
        cell.verdict, cell.reason = "unmeasured", f"no answer to time at {cell.users} users"


def _error_words(cell: Cell) -> str:
    e, d = cell.row["errors"], cell.details
    parts = []
    if e["timeout"]:
        parts.append(f"{e['timeout']} timeouts")
    if e["5xx"]:
        parts.append(f"{e['5xx']} server errors (5xx)")
    if e["connect"]:
        parts.append(f"{e['connect']} connection failures")
    if d.get("status_429"):
        parts.append(f"{d['status_429']} rate-limited (429)")
    if d.get("drops"):
        parts.append(f"{d['drops']} arrivals dropped at the in-flight cap")
    if d.get("protocol_errors"):
        parts.append(f"{d['protocol_errors']} broken HTTP answers")
    return ", ".join(parts) or "errors"


def _ms(v: float) -> str:
    # milliseconds up to 10 s: "2.0 s" would hide whether 1,996 ms or 2,004 ms met a 2 s target
    return f"{v / 1000:.1f} s" if v >= 10_000 else f"{v:,.0f} ms"


def _health(plan: LoadPlan, result: dict[str, Any]) -> list[StepHealth]:
    out = []
    by_step: dict[int, list[dict[str, Any]]] = {}
    for r in result.get("steps", []):
        by_step.setdefault(int(r["step"]), []).append(r)
    for w in result.get("windows", []):
        step = int(w["step"])
        rows = by_step.get(step, [])
        lags = [r["details"].get("schedule_lag_p95_ms") for r in rows]
        lag = max((x for x in lags if x is not None), default=None)
        send = max((r["details"].get("p95_send_ms") or 0.0 for r in rows), default=0.0)
        drops = sum(int(r["details"].get("drops", 0)) for r in rows)
        cpu = float(w.get("cpu_cores", 0.0))
        reasons = []
        if cpu > CPU_LIMIT:
            reasons.append(f"generator CPU {cpu:.2f} core > {CPU_LIMIT}")
        notes = []
        if lag is not None and lag > LAG_LIMIT_MS and lag > LAG_LIMIT_SHARE * max(send, 1e-9):
            # A slipped schedule adds its lag to every latency: it matters once it can move a verdict.
            slo = min((e.slo_ms for e in plan.endpoints), default=500.0)
            if lag >= LAG_VERDICT_SHARE * slo:
                reasons.append(f"our own sends ran {lag:.0f} ms behind schedule (p95)")
            else:
                notes.append(f"our sends ran up to {lag:.0f} ms late (a busy machine): latencies are good to "
                             f"about ±{lag:.0f} ms")
        out.append(StepHealth(step, int(w["users"]), cpu, lag, drops, not reasons, "; ".join(reasons),
                              "; ".join(notes)))
    return out


def analyse(plan: LoadPlan, result: dict[str, Any]) -> Analysis:
    a = Analysis(plan, result)
    a.health = _health(plan, result)
    health_by_step = {h.step: h for h in a.health}
    for r in result.get("steps", []):
        ep = next((e for e in plan.endpoints if e.name == r["row"]["endpoint"]), None)
        if ep is None:
            continue
        cell = Cell(int(r["step"]), int(r["row"]["users"]), ep.name, r["row"], r["details"], ep.slo_ms, ep.ai)
        _judge(cell, health_by_step.get(cell.step))
        a.cells.append(cell)
        if (stall := _stall(cell)) is not None:
            a.stalls.append(stall)
    _knee(a)
    a.note = capacity_note(a)
    return a


def _stall(cell: Cell) -> str | None:
    d, row = cell.details, cell.row
    silence = float(d.get("longest_silence_ms") or 0.0)
    p50 = row.get("p50_ms") or 0.0
    tail = row.get("p99_ms") or d.get("max_ms") or 0.0
    if silence >= STALL_MIN_MS and silence >= 5 * max(p50, 1.0) and tail >= 3 * max(p50, 1.0):
        return (f"{cell.endpoint} at {cell.users} users: no answer came for {_ms(silence)} while requests kept "
                f"arriving, then they all finished at once (p50 {_ms(p50)}, slowest {_ms(d.get('max_ms') or tail)}). "
                "The server paused (a garbage-collection pause, a blocking call, a deploy or a lock). Visitors who "
                "arrived then waited that long; the open model counts every one of them, where a tool that "
                "waits for each answer before sending the next would have hidden the pause.")
    return None


def _knee(a: Analysis) -> None:
    steps = a.steps_run
    first_bad: dict[str, Cell] = {}
    for c in sorted(a.cells, key=lambda c: c.step):
        if c.verdict in ("slow", "errors", "mostly-failed") and c.endpoint not in first_bad:
            first_bad[c.endpoint] = c
    safe: int | None = None
    for s in steps:
        cells = [c for c in a.cells if c.step == s]
        if cells and all(c.ok for c in cells):
            safe = s
        else:
            break
    a.safe_step = safe
    a.safe_users = a.plan.steps[safe].users if safe is not None else None
    if first_bad:
        worst = min(first_bad.values(), key=lambda c: (c.step, -_severity(c)))
        a.breaks_first = worst.endpoint
        a.breaks_how = worst.reason
    if a.safe_users is not None and first_bad:
        nxt = min(c.users for c in first_bad.values())
        a.knee_text = f"between {a.safe_users} and {nxt} users"
    elif first_bad:
        a.knee_text = f"below {a.plan.steps[steps[0]].users} users, the first step" if steps else ""


def _severity(c: Cell) -> float:
    ratio = (c.judged_ms or 0.0) / c.slo_ms
    return max(ratio, float(c.row["error_rate"]) / ERROR_SLO)


def _step_rps(a: Analysis, step: int) -> float:
    return sum(float(c.row["offered_rps"]) for c in a.cells if c.step == step)


def capacity_note(a: Analysis) -> str:
    """The capacity note in plain words with numbers (loadtest.md §5)."""
    plan = a.plan
    z = plan.think_ms / 1000
    lines: list[str] = []
    target = plan.steps[-1].users if plan.steps else 0
    if not a.cells:
        reason = a.result.get("stop_reason") or "nothing was measured"
        return f"No capacity figure: {reason}."
    if a.safe_users is not None:
        safe_cells = [c for c in a.cells if c.step == a.safe_step]
        p95s = ", ".join(f"{c.endpoint} {_ms(c.judged_ms or 0)}" for c in safe_cells)
        lines.append(f"Safe today: about {a.safe_users} active users (≈ {_step_rps(a, a.safe_step or 0):.1f} req/s "
                     f"in total, {z:g} s between a user's requests); p95 there: {p95s}.")
    else:
        lines.append(f"Not safe at the first step ({plan.steps[0].users} users): something broke already.")
    if a.breaks_first:
        bad = next(c for c in a.cells if c.endpoint == a.breaks_first and not c.ok and c.verdict != "unmeasured")
        kind = "AI endpoint " if bad.ai else ""
        ceiling = max((float(c.row["rps"]) for c in a.cells if c.endpoint == bad.endpoint), default=0.0)
        lines.append(f"Breaks first: {kind}{bad.endpoint}: {bad.reason}; it completed at most {ceiling:.1f} req/s.")
        others = sorted({c.endpoint for c in a.cells if c.verdict in ("slow", "errors", "mostly-failed")}
                        - {bad.endpoint})
        for name in others:
            c = next(c for c in a.cells if c.endpoint == name and c.verdict in ("slow", "errors", "mostly-failed"))
            lines.append(f"Also broke: {name}: {c.reason}.")
        lines.append("Fix before launch: " + _fix_hint(bad))
    elif a.safe_users is not None and a.safe_users >= target:
        lines.append(f"Nothing broke up to {target} users, the highest step tested.")
    if a.knee_text and a.safe_users is not None:
        lines.append(f"The knee is {a.knee_text}; plan to stay at about 70-80 % of it.")
    unmeasured = [h for h in a.health if not h.trustworthy]
    if unmeasured:
        lines.append(f"From {unmeasured[0].users} users on, our generator was the limit ({unmeasured[0].reason}): "
                     "those steps are not evidence against your app. Use the k6 export to load from more machines.")
    lines.extend(a.stalls[:2])
    if a.result.get("cancelled"):
        lines.append(f"Stopped by you after {len(a.steps_run)} of {len(plan.steps)} steps: partial results.")
    elif a.result.get("stop_reason"):
        lines.append(f"The run stopped early: {a.result['stop_reason']}.")
    if plan.quick:
        lines.append(f"This was the quick sanity run of the audit ({plan.step_seconds:g} s per step, up to "
                     f"{target} users): run `launchready loadtest` for the full plan before a launch.")
    lines.append(test_conditions(a))
    return "\n".join(lines)


def _fix_hint(c: Cell) -> str:
    e, d = c.row["errors"], c.details
    if c.ai:
        return ("raise the AI provider's concurrency limit or put generation behind a job queue (submit, then "
                "poll), add per-user rate limits and a 10-15 s timeout with a friendly message.")
    if e["5xx"] or d.get("status_429"):
        return ("the server refuses work under load: give it more workers or instances, add a connection pool "
                "for the database, and return 429 with Retry-After instead of failing.")
    if e["timeout"] or e["connect"]:
        return ("requests time out or are refused: raise the server's worker and connection limits, and find "
                "the slow dependency (database query, external API) behind this endpoint.")
    return ("this endpoint is slow even without much load: profile it (slow query, external call in the "
            "request, no caching), then re-run this test.")


def test_conditions(a: Analysis) -> str:
    plan, res = a.plan, a.result
    cpu = max((h.cpu_cores for h in a.health), default=0.0)
    lags = [h.lag_p95_ms for h in a.health if h.lag_p95_ms is not None]
    n = sum(int(c.details.get("n", 0)) for c in a.cells)
    drops = sum(h.drops for h in a.health)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    hosts = sorted({_host(e.url) for e in plan.endpoints})
    model = "open model (timed from the intended send)" if plan.model == "open" else \
        "closed model (stalls are under-sampled)"
    return (f"Test conditions: {when}; {', '.join(hosts)}; {model}; {plan.step_seconds:g} s per step; "
            f"n = {n:,} timed requests; generator on this machine at most {cpu:.2f} core, scheduling lag p95 "
            f"{max(lags, default=0.0):.1f} ms, {drops} dropped; run id {res.get('run_id', plan.run_id)}. "
            "One machine and this network: a lab or loopback result is not production.")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url
