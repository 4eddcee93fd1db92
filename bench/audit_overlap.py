"""Do the checks really overlap? The audit on the lab with a 50 ms delay on every DNS answer.

Starts the built-in lab in-process, adds the delay, runs every built automated check through the
runner (as `launchready audit` does) and reports wall time divided by the slowest single check.
1.0 means perfect overlap; the goal is <= 1.3. The same run with concurrency 1 is shown as the
no-overlap baseline. Not a test: nothing here asserts a time.

    .venv/bin/python bench/audit_overlap.py [--runs 3] [--delay-ms 50] [--domain D]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOAL = 1.3


@dataclass
class Run:
    concurrency: int
    wall_ms: float
    slowest_id: str
    slowest_ms: int
    checks: int
    durations: dict[str, tuple[str, int]]  # id -> (status, ms)

    @property
    def ratio(self) -> float:
        return self.wall_ms / max(self.slowest_ms, 1)

    @property
    def speedup(self) -> float:
        """Sum of the checks' own durations over the wall time: how many ran at once, on average."""
        return sum(ms for _status, ms in self.durations.values()) / max(self.wall_ms, 1.0)


def _set_dns_delay(lab: Any, delay_ms: int) -> None:
    dns_server = lab.dns
    try:
        dns_server.set_fault(delay_ms=delay_ms)  # default name: every name ("*")
    except TypeError:
        dns_server.set_fault(None, delay_ms=delay_ms)


async def one_run(lab: Any, domain: str, tmp: Path, concurrency: int) -> Run:
    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.core import catalogue
    from launchready_tui.core.project import load_project

    path = tmp / "launchready.yaml"
    lab.write_project(path, domain)
    project, _warnings = load_project(path)
    specs = [c for c in catalogue.CHECKS if c.stage > 0 and c.is_built()]
    async with check_context(project, path.parent, options=CheckOptions(samples=5)) as ctx:
        t0 = time.perf_counter()
        results = await run_checks(specs, ctx, concurrency=concurrency)
        wall_ms = (time.perf_counter() - t0) * 1000
    ran = [r for r in results if r.summary != "coming in a later release: this check is not built yet"]
    slowest = max(ran, key=lambda r: r.duration_ms)
    return Run(concurrency, wall_ms, slowest.id, slowest.duration_ms, len(ran),
               {r.id: (r.status.value, r.duration_ms) for r in ran})


async def bench(runs: int, delay_ms: int, domain: str | None) -> list[Run]:
    try:
        from launchready_tui.lab.server import Lab
    except ImportError as exc:
        raise SystemExit(f"the lab is not available yet ({exc}); nothing to measure") from None
    out: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="launchready-bench-") as tmp:
        async with Lab() as lab:
            _set_dns_delay(lab, delay_ms)
            target = domain or getattr(lab, "domain", None) or lab.flawed_domain
            await one_run(lab, target, Path(tmp), 8)  # warm-up: imports, certificates, connection pools
            for _ in range(runs):  # interleaved, so load hits both alike
                out.append(await one_run(lab, target, Path(tmp), 8))
                out.append(await one_run(lab, target, Path(tmp), 1))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=50)
    parser.add_argument("--domain", default=None, help="lab domain to audit (default: the lab's good domain)")
    args = parser.parse_args()
    results = asyncio.run(bench(args.runs, args.delay_ms, args.domain))

    print(f"audit on the lab, {args.delay_ms} ms DNS delay, {args.runs} runs per row, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'concurrency':>11} {'checks':>6} {'wall med':>9} {'slowest check (med)':>28} "
          f"{'wall/slowest':>12} {'sum/wall':>9}")
    for conc in (8, 1):
        rows = [r for r in results if r.concurrency == conc]
        wall = statistics.median(r.wall_ms for r in rows)
        slow = statistics.median(r.slowest_ms for r in rows)
        ratio = statistics.median(r.ratio for r in rows)
        speedup = statistics.median(r.speedup for r in rows)
        slow_id = rows[-1].slowest_id
        print(f"{conc:>11} {rows[-1].checks:>6} {wall:>7.0f}ms {slow_id:>18} {slow:>7.0f}ms "
              f"{ratio:>11.2f}x {speedup:>8.2f}x")
    best = statistics.median(r.ratio for r in results if r.concurrency == 8)
    print(f"\noverlap (concurrency 8): {best:.2f}x wall/slowest; goal <= {GOAL}: "
          f"{'met' if best <= GOAL else 'NOT met'}")
    print("\nper check, last concurrent run:")
    last = [r for r in results if r.concurrency == 8][-1]
    for cid, (status, ms) in sorted(last.durations.items(), key=lambda kv: -kv[1][1]):
        print(f"  {ms:>6} ms  {status:<7} {cid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
