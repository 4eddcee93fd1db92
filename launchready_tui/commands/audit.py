"""``launchready audit``: the automated checks, headless, in the report formats of the contract."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from launchready_tui.commands.common import (
    EXIT_CANCELLED,
    EXIT_FINDINGS,
    EXIT_OK,
    REPORT_FORMATS,
    UsageError,
    add_network_options,
    cancel_on_sigint,
    check_output,
    load_target,
    network_options,
    positive_int,
    write_output,
)

if TYPE_CHECKING:
    from launchready_tui.checks.runner import CheckEvent
    from launchready_tui.core.catalogue import CheckSpec
    from launchready_tui.core.model import CheckResult


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("audit", help="run the automated checks headless",
                       description="Run the automated checks headless and print a report.")
    add_network_options(p, REPORT_FORMATS)
    p.add_argument("--domain", metavar="D", help="audit this domain with defaults instead of a project file")
    p.add_argument("--stage", type=int, action="append", default=[], metavar="N", help="only stage N (repeatable)")
    p.add_argument("--check", action="append", default=[], metavar="ID", help="only this check (repeatable)")
    p.add_argument("--samples", type=int, default=5, metavar="N", help="requests per endpoint for response times")
    p.add_argument("--concurrency", type=positive_int, default=8, metavar="N", help="checks run at once (default 8)")
    p.add_argument("--yes", action="store_true", help="answer yes to confirmation prompts (costly probes)")
    p.add_argument("--progress", action="store_true", help="print each check as it finishes (stderr)")


LOAD_PREFIX = "load."
LOAD_NOT_RUN = ("not run: a load test sends real traffic, so it runs only when asked for — "
                "`launchready audit --stage 6` for a short sanity run (about 25 s), "
                "`launchready loadtest` for the full 10→100 users plan")


def select(args: argparse.Namespace) -> list[CheckSpec]:
    from launchready_tui.core import catalogue, stages

    chosen: list[CheckSpec] = []
    for n in args.stage:
        try:
            chosen += list(stages.get(n).checks)
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
    for check_id in args.check:
        try:
            chosen.append(catalogue.get(check_id))
        except KeyError:
            raise UsageError(f"unknown check id {check_id!r}; see docs/checks.md for the list") from None
    if not chosen:
        # Default: every check of the seven stages, except the load test: it takes minutes and puts real
        # load on the product, so it runs only when asked for (--stage 6, --check load.*, `loadtest`).
        chosen = [c for c in catalogue.CHECKS if c.stage > 0 and not c.id.startswith(LOAD_PREFIX)]
    if not 1 <= args.samples <= 100:
        raise UsageError("--samples must be between 1 and 100")
    return list(dict.fromkeys(chosen))


def _progress(ev: CheckEvent) -> None:
    if ev.kind == "finished" and ev.result is not None:
        sys.stderr.write(f"[{ev.done}/{ev.total}] {ev.result.status.label:<10} {ev.check_id}\n")


async def _audit(args: argparse.Namespace) -> int:
    # Heavy imports (httpx, dnspython, cryptography) only when the command really runs.
    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.report.formats import build_report, exceeds, render

    check_output(args.output, project=args.project)
    specs = select(args)
    project, project_dir = load_target(args)
    options = CheckOptions(samples=args.samples, yes=args.yes)
    async with check_context(project, project_dir, network_options(args), options) as ctx:
        ctx.write_artifacts = args.domain is None
        with cancel_on_sigint(ctx.cancel_event):
            results = await run_checks(specs, ctx, on_event=_progress if args.progress else None,
                                       concurrency=args.concurrency)
        cancelled = ctx.cancel_event.is_set()
        # email.summary runs the email checks itself; list their own results in stage 1 too.
        ran = {r.id for r in results}
        results += [r for check_id, r in ctx.results.items() if check_id.startswith("email.") and check_id not in ran]
    if not args.stage and not args.check:
        results += [_not_run(spec, LOAD_NOT_RUN) for spec in catalogue_checks() if spec.id.startswith(LOAD_PREFIX)]
    report = build_report(project, results)
    write_output(render(report, args.format), args.output, args.format)
    if cancelled:  # the partial report is out; the exit code says it is partial
        return EXIT_CANCELLED
    return EXIT_FINDINGS if exceeds(results, args.fail_on) else EXIT_OK


def catalogue_checks() -> tuple[CheckSpec, ...]:
    from launchready_tui.core import catalogue

    return catalogue.CHECKS


def _not_run(spec: CheckSpec, why: str) -> CheckResult:
    from launchready_tui.core.model import CheckResult, Status

    return CheckResult(id=spec.id, title=spec.title, status=Status.SKIPPED, stage=spec.stage, impact=spec.impact,
                       summary=why)


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_audit(args))
