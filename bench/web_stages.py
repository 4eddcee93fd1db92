"""Stages 1-3 together on the lab with 50 ms DNS delay and 100 ms server delay (issue 4, performance).

Starts the built-in lab in-process, adds the delays (``lab.dns.set_fault("*", delay_ms=50)``,
``lab.web.set_fault("*", delay_ms=100)``), runs every check of stages 1, 2 and 3 through the runner
(as ``launchready audit --stage 1 --stage 2 --stage 3`` does) and reports:

* wall time ÷ the slowest single check (goal ≤ 1.5: the checks overlap instead of queueing);
* the requests each host received, counted by wrapping the run's HTTP client (every check's
  requests go through it); TLS handshakes and DNS queries are not HTTP requests and are not counted.

The good project is routed through the lab's HTTP/2 edge (as a CDN-fronted site), the flawed one
straight to the origin. Not a test: nothing here asserts a time.

    .venv/bin/python bench/web_stages.py [--runs 3] [--domain good.test|flawed.test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

GOAL = 1.5
EDGE_HOSTS = ["good.test", "www.good.test", "app.good.test", "api.good.test"]


async def one_run(domain: str, dns_ms: int, web_ms: int) -> dict[str, Any]:
    import yaml

    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.core.catalogue import for_stage
    from launchready_tui.core.project import parse_project
    from launchready_tui.lab import Lab

    async with Lab(make_repos=False) as lab:
        assert lab.dns is not None and lab.web is not None and lab.edge is not None
        data = lab.project_dict(domain)
        if domain == "good.test":
            data["network"]["connect_to"] = lab.edge.connect_to(EDGE_HOSTS) + data["network"]["connect_to"]
        project, _ = parse_project(yaml.safe_dump(data))
        lab.dns.set_fault("*", delay_ms=dns_ms)
        lab.web.set_fault("*", delay_ms=web_ms)
        specs = [s for n in (1, 2, 3) for s in for_stage(n)]
        per_host: Counter[str] = Counter()
        with tempfile.TemporaryDirectory() as tmp:
            async with check_context(project, Path(tmp)) as ctx:
                original = ctx.http.fetch

                async def counting(url: str, *args: Any, **kwargs: Any) -> Any:
                    per_host[urlsplit(url).hostname or url] += 1
                    return await original(url, *args, **kwargs)

                ctx.http.fetch = counting  # type: ignore[method-assign]
                started = time.perf_counter()
                results = await run_checks(specs, ctx)
                wall = (time.perf_counter() - started) * 1000
    built = [r for r in results if "not built" not in r.summary]
    slowest = max(built, key=lambda r: r.duration_ms)
    return {"wall_ms": wall, "slowest": slowest.id, "slowest_ms": slowest.duration_ms, "checks": len(built),
            "per_host": dict(per_host), "statuses": Counter(r.status.value for r in built),
            "durations": sorted(((r.duration_ms, r.id) for r in built), reverse=True)[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--domain", default="good.test")
    parser.add_argument("--dns-ms", type=int, default=50)
    parser.add_argument("--web-ms", type=int, default=100)
    args = parser.parse_args()
    runs = [asyncio.run(one_run(args.domain, args.dns_ms, args.web_ms)) for _ in range(args.runs)]
    ratios = [r["wall_ms"] / max(r["slowest_ms"], 1) for r in runs]
    last = runs[-1]
    print(f"stages 1-3 on {args.domain}: {last['checks']} built checks, DNS +{args.dns_ms} ms, "
          f"server +{args.web_ms} ms, {args.runs} runs")
    for i, (r, ratio) in enumerate(zip(runs, ratios, strict=True), 1):
        print(f"  run {i}: wall {r['wall_ms']:.0f} ms, slowest {r['slowest']} {r['slowest_ms']} ms, "
              f"ratio {ratio:.2f}")
    print(f"median ratio wall/slowest: {statistics.median(ratios):.2f} (goal <= {GOAL})")
    print("slowest checks (last run): " + ", ".join(f"{cid} {ms} ms" for ms, cid in last["durations"]))
    print("statuses (last run): " + ", ".join(f"{k} {v}" for k, v in sorted(last["statuses"].items())))
    total = sum(last["per_host"].values())
    print(f"HTTP requests per host (last run, {total} in all):")
    for host, n in sorted(last["per_host"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {n:4d}  {host}")


if __name__ == "__main__":
    main()
