"""``launchready loadtest``: the stage-6 load plan headless (contract: commands).

Shows the plan (users -> req/s per endpoint) before the run, streams one progress line a second to stderr,
and prints the report (``--format text|json``). A target that is not on this machine needs
``--yes-i-own-this`` (alias ``--yes``), which is stored in the project file's ``load.confirmed_targets``;
without it the command exits 2 with one line. Ctrl-C stops the generator within a second and still prints
the partial results (exit 130). ``--export-k6`` / ``--export-locust`` write the same plan for other tools.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchready_tui.commands.common import (
    EXIT_CANCELLED,
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_network_options,
    check_output,
    load_target,
    network_options,
    say,
    write_output,
)

if TYPE_CHECKING:
    from launchready_tui.checks.load import LoadRun
    from launchready_tui.core.model import CheckResult

FORMATS = ("text", "json")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("loadtest", help="run the stage-6 load plan headless",
                       description="Load your endpoints step by step (10 -> 25 -> 50 -> 100 users by default), "
                       "judge p95 and errors against the targets, and print what traffic is safe today and what "
                       "breaks first.")
    add_network_options(p, FORMATS)
    p.add_argument("--users", metavar="N,N,...", help="users per step (default 10,25,50,100)")
    p.add_argument("--step-seconds", type=float, metavar="N", help="seconds per step (default 30)")
    p.add_argument("--warmup-seconds", type=float, metavar="N", help="warm-up before the first step, not counted "
                   "(default 5)")
    p.add_argument("--endpoint", action="append", default=[], metavar="NAME",
                   help="only this endpoint of the project file (repeatable)")
    p.add_argument("--model", choices=("open", "closed"), help="open (default): arrivals on schedule, timed from "
                   "the intended send; closed: users wait for each answer (like wrk)")
    p.add_argument("--think-ms", type=float, metavar="N", help="think time between a user's requests in ms "
                   "(default 5000; 0 = back-to-back like wrk); also used to turn users into req/s")
    p.add_argument("--rate", metavar="R[,R...]", help="open model: fixed arrivals per second per endpoint, one "
                   "step per value, instead of users")
    p.add_argument("--yes-i-own-this", "--yes", dest="yes", action="store_true",
                   help="confirm you own (or may load-test) a target that is not on this machine")
    p.add_argument("--export-k6", metavar="FILE", help="write the plan as a k6 script and exit (no load sent)")
    p.add_argument("--export-locust", metavar="FILE", help="write the plan as a Locust file and exit")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    from launchready_tui.loadgen.plan import PlanError, parse_rates, parse_users

    opts: dict[str, Any] = {"explicit": True}  # the load test itself: the full plan, never the audit's quick one
    if args.users is not None:
        opts["users"] = parse_users(args.users)
    if args.rate is not None:
        if args.model == "closed":
            raise PlanError("--rate is for the open model; the closed model takes --users and --think-ms")
        rates = parse_rates(args.rate)
        if not rates or any(r <= 0 for r in rates):
            raise PlanError("--rate must be above zero requests per second")
        opts["rates"] = rates
    for key in ("step_seconds", "warmup_seconds", "think_ms", "model"):
        if getattr(args, key) is not None:
            opts[key] = getattr(args, key)
    if args.endpoint:
        opts["endpoints"] = list(dict.fromkeys(args.endpoint))
    return opts


def _progress(event: dict[str, Any]) -> None:
    from launchready_tui.checks.load import _tick_line

    if event.get("type") == "plan":
        sys.stderr.write("launchready: load plan\n  " + "\n  ".join(event["lines"]) + "\n")
    elif event.get("type") == "tick":
        sys.stderr.write(_tick_line(event) + "\n")
    elif event.get("type") == "step":
        step = int(event["step"])
        what = "warm-up" if step < 0 else f"step {step + 1}"
        sys.stderr.write(f"-- {what}: {event['users']} users\n")
    elif event.get("type") == "retired":
        sys.stderr.write(f"-- {event['endpoint']} is not pushed further: {event['reason']}\n")
    sys.stderr.flush()


async def _loadtest(args: argparse.Namespace) -> int:
    import asyncio

    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.load import LOAD_IDS, OPTIONS_KEY, build_plan, shared_run
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.core import catalogue
    from launchready_tui.core.project import save_project
    from launchready_tui.loadgen.plan import validate
    from launchready_tui.report.formats import exceeds

    check_output(args.output, project=args.project)
    check_output(args.export_k6, "--export-k6", args.project)
    check_output(args.export_locust, "--export-locust", args.project)
    opts = _options(args)
    project, project_dir = load_target(args)
    stop_event = asyncio.Event()
    opts["stop_event"] = stop_event
    if not args.quiet:
        opts["on_event"] = _progress
    options = CheckOptions(yes=args.yes, extra={OPTIONS_KEY: opts})
    async with check_context(project, project_dir, network_options(args), options) as ctx:
        plan = build_plan(ctx)  # bad options are usage errors (exit 2) before anything is sent
        validate(plan)
        if args.export_k6 or args.export_locust:
            _export(plan, args)
            return EXIT_OK
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):  # Ctrl-C: stop the generator, keep partial results
            loop.add_signal_handler(signal.SIGINT, stop_event.set)
        try:
            run = await shared_run(ctx)
            if run.skipped and not run.error and run.analysis is None and "not on this machine" in run.skipped:
                raise UsageError(run.skipped)
            results = await run_checks([catalogue.get(i) for i in LOAD_IDS], ctx)
        finally:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signal.SIGINT)
    if run.confirmed_now and project.source is not None:
        save_project(project, project.source)
        say(f"launchready: recorded your confirmation in {project.source} (load.confirmed_targets)")
    write_output(_render(args.format, project, results, run), args.output, args.format)
    if run.cancelled:
        return EXIT_CANCELLED
    return EXIT_FINDINGS if exceeds(results, args.fail_on) else EXIT_OK


def _export(plan: Any, args: argparse.Namespace) -> None:
    from launchready_tui.report.k6_export import k6_script
    from launchready_tui.report.locust_export import locust_file

    for path, text, what in ((args.export_k6, k6_script, "k6 script"), (args.export_locust, locust_file,
                                                                          "Locust file")):
        if path:
            try:
                Path(path).write_text(text(plan), encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
            say(f"launchready: {what} written to {path}")


def _render(fmt: str, project: Any, results: list[CheckResult], run: LoadRun) -> str:
    from launchready_tui.report.formats import build_report, render

    if fmt == "json":
        return render(build_report(project, results), "json")
    return render_text(results, run)


def render_text(results: list[CheckResult], run: LoadRun) -> str:
    """The load report for people: the step table, the capacity note, then each check's verdict."""
    lines: list[str] = []
    a = run.analysis
    if a is not None and a.cells:
        lines.append(f"{'endpoint':<16} {'users':>5} {'offered/s':>9} {'done/s':>7} {'p50':>8} {'p95':>8} "
                     f"{'p99':>8} {'errors':>7}  verdict")
        for c in a.cells:
            r = c.row
            lines.append(f"{c.endpoint[:16]:<16} {c.users:>5} {r['offered_rps']:>9.1f} {r['rps']:>7.1f} "
                         f"{_ms(r['p50_ms']):>8} {_ms(r['p95_ms']):>8} {_ms(r['p99_ms']):>8} "
                         f"{r['error_rate']:>7.1%}  {c.verdict if c.verdict != 'ok' else 'ok'}")
        lines.append("(p95 is shown from 20 timed requests and p99 from 100; latency is timed from the intended "
                     "send)")
        lines.append("")
        lines.append(a.note)
        lines.append("")
    for r in results:
        lines.append(f"{r.status.label:<10} {r.id:<22} {r.summary}")
    return "\n".join(lines) + "\n"


def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


def run(args: argparse.Namespace) -> int:
    import asyncio  # late: keeps `launchready --help` fast

    return asyncio.run(_loadtest(args))
