"""Stage 1: response times of the core endpoints, p50/p95 over a few sequential samples.

Targets from the product brief: p95 < 500 ms for core endpoints, < 2 s for AI endpoints. With a
handful of samples p95 is the nearest-rank value (the slowest of 5): a quick signal, not a load
test (stage 6 measures under load). Samples run one after the other so we time the server, not
our own concurrency; the first sample includes DNS, TCP and TLS setup and is reported as such.
"""

from __future__ import annotations

import math
import statistics

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.targets import core_endpoints
from launchready_tui.core.model import Outcome, Status
from launchready_tui.core.project import Endpoint
from launchready_tui.net.http import FetchError

CORE_TARGET_MS = 500.0
AI_TARGET_MS = 2000.0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p95 is a latency that happened)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


async def _sample(ctx: CheckContext, ep: Endpoint, n: int) -> dict[str, object]:
    target = AI_TARGET_MS if ep.ai else CORE_TARGET_MS
    times: list[float] = []
    codes: dict[str, int] = {}
    errors: list[str] = []
    phases: list[dict[str, float]] = []
    for i in range(n):
        if ctx.cancel_event.is_set():
            break
        ctx.say("http.response_time", f"{ep.name}: sample {i + 1} of {n}")
        try:
            resp = await ctx.http.fetch(ep.url, method=ep.method.upper(), headers=ep.headers or None,
                                        content=ep.body, timeout=max(10.0, target / 1000 * 5))
        except FetchError as exc:
            errors.append(exc.message)
            continue
        codes[str(resp.status)] = codes.get(str(resp.status), 0) + 1
        times.append(resp.timings.total_ms)
        phases.append(resp.timings.to_json())
    row: dict[str, object] = {
        "name": ep.name, "method": ep.method.upper(), "url": ep.url, "ai": ep.ai, "target_ms": target,
        "samples": len(times), "status_codes": codes, "errors": errors[:5],
    }
    if times:
        row.update(
            p50_ms=round(percentile(times, 50), 1), p95_ms=round(percentile(times, 95), 1),
            max_ms=round(max(times), 1), first_ms=round(times[0], 1),
            phases_median_ms={k: round(statistics.median(p[k] for p in phases), 1) for k in phases[0]},
        )
    return row


async def http_response_time(ctx: CheckContext) -> Outcome:
    n = max(1, ctx.options.samples)
    rows = [await _sample(ctx, ep, n) for ep in core_endpoints(ctx.project)]
    evidence: dict[str, object] = {"endpoints": rows, "samples_per_endpoint": n,
                                   "method": "sequential samples, nearest-rank percentiles"}
    slow_fail, slow_warn, broken, unmeasured = [], [], [], []
    for row in rows:
        if "p95_ms" not in row:
            unmeasured.append(f"{row['name']}: {row['errors'][0] if row['errors'] else 'no sample'}")  # type: ignore[index]
            continue
        p95, target = float(row["p95_ms"]), float(row["target_ms"])  # type: ignore[arg-type]
        label = f"{row['name']} p95 {p95:.0f} ms (target < {target:.0f} ms)"
        if p95 >= 2 * target:
            slow_fail.append(label)
        elif p95 >= target:
            slow_warn.append(label)
        codes = row["status_codes"]
        server_errors = sum(c for s, c in codes.items() if s.startswith("5"))  # type: ignore[union-attr]
        if server_errors:
            broken.append(f"{row['name']} answered HTTP 5xx on {server_errors} of {row['samples']} requests")
    target_host = ctx.project.domain
    fix = fix_for("http.response_time", domain=target_host)
    if broken or slow_fail:
        return Outcome(Status.FAIL, "; ".join(broken + slow_fail + slow_warn), evidence, fix=fix, target=target_host)
    if unmeasured and len(unmeasured) == len(rows):
        return Outcome(Status.ERROR, "could not time any endpoint: " + "; ".join(unmeasured), evidence,
                       target=target_host)
    if slow_warn:
        return Outcome(Status.WARN, "; ".join(slow_warn), evidence, fix=fix, target=target_host)
    if unmeasured:
        return Outcome(Status.ERROR, "some endpoints could not be timed: " + "; ".join(unmeasured), evidence,
                       target=target_host)
    summary = ", ".join(f"{r['name']} p95 {float(r['p95_ms']):.0f} ms" for r in rows)  # type: ignore[arg-type]
    return Outcome(Status.PASS, f"all within target: {summary}", evidence, target=target_host)
