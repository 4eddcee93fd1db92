"""How much do the email checks gain from asking DNS concurrently? Side-by-side ratios on the lab.

Starts the built-in lab in-process with a delay on every DNS answer (a slow resolver), then measures, in one run:

* the SPF tree walk of flawed.test (22 lookups, 11 includes) with the per-check query cap at 16 and at 1
  (1 = one query at a time, what a naive recursive walker does);
* DKIM selector discovery on good.test (about 30 selectors) at 16 and at 1;
* ``launchready email``'s work (seven checks, then the summary) against the sum of the seven checks' own times.

Reports ratios measured in the same process, never absolute promises. Not a test: nothing here asserts a time.

    .venv/bin/python bench/email_lookups.py [--runs 3] [--delay-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any


async def timed(make: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await make()
    return (time.perf_counter() - started) * 1000


async def main(runs: int, delay_ms: int) -> None:
    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.email_summary import SUB_CHECKS
    from launchready_tui.checks.emailauth.dkim_discovery import discover
    from launchready_tui.checks.emailauth.dns_source import EmailDns
    from launchready_tui.checks.emailauth.spf_lint import lint_spf
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.core import catalogue
    from launchready_tui.core.project import load_project
    from launchready_tui.lab import Lab
    from launchready_tui.net.resolver import Resolver

    async with Lab(make_repos=False) as lab:
        assert lab.dns is not None
        lab.dns.set_fault("*", delay_ms=delay_ms)
        resolver = Resolver([lab.nameserver], timeout=5.0)
        rows: dict[str, list[float]] = {k: [] for k in ("spf16", "spf1", "dkim16", "dkim1", "email_wall",
                                                        "email_sum")}
        queries: dict[str, int] = {}
        for _ in range(runs):
            for limit in (16, 1):
                dns = EmailDns(resolver, limit=limit)
                rows[f"spf{limit}"].append(await timed(lambda dns=dns: lint_spf(dns, "flawed.test")))
                queries["spf"] = dns.sent
                dns = EmailDns(resolver, limit=limit)
                rows[f"dkim{limit}"].append(await timed(lambda dns=dns: discover(dns, "good.test", {}, [])))
                queries["dkim"] = dns.sent
            with tempfile.TemporaryDirectory() as tmp:
                path = lab.write_project(Path(tmp) / "good.yaml", "good.test")
                project, _ = load_project(path)
                async with check_context(project, path.parent, options=CheckOptions()) as ctx:
                    started = time.perf_counter()
                    results = await run_checks([catalogue.get(i) for i in SUB_CHECKS], ctx)
                    results += await run_checks([catalogue.get("email.summary")], ctx)
                    rows["email_wall"].append((time.perf_counter() - started) * 1000)
                    rows["email_sum"].append(sum(r.duration_ms for r in results if r.id != "email.summary"))
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"DNS delay {delay_ms} ms per answer, {runs} run(s), medians:")
    print(f"  SPF walk of flawed.test ({queries['spf']} queries): cap 16 {med['spf16']:.0f} ms, cap 1 "
          f"{med['spf1']:.0f} ms -> {med['spf1'] / med['spf16']:.1f}x faster concurrently")
    print(f"  DKIM discovery on good.test ({queries['dkim']} queries): cap 16 {med['dkim16']:.0f} ms, "
          f"cap 1 {med['dkim1']:.0f} ms -> {med['dkim1'] / med['dkim16']:.1f}x")
    print(f"  launchready email (7 checks + summary): wall {med['email_wall']:.0f} ms vs "
          f"{med['email_sum']:.0f} ms of check time -> {med['email_sum'] / med['email_wall']:.1f} checks at once")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.delay_ms))
