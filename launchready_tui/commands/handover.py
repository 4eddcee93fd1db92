"""``launchready handover``: run stage 7 and export the handover document (handover.md §4, contract).

``launchready handover --format md,html,pdf --output DIR [--force] [--include-recovery-locations]``
runs ``handover.accounts``, ``env_vars``, ``rollback``, ``contacts`` and the e-mail re-check (live DNS,
through the shared network options), builds the document, applies the no-secret gate, and writes
``handover-<domain>-<date>.{md,html,pdf}`` into DIR. An existing file is never replaced without
``--force``; a read-only or impossible folder is exit 2 with one plain line, as is a refused secret.
Exit 1 when a stage-7 check is at or above ``--fail-on`` (the document is written all the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from launchready_tui.commands.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_network_group,
    add_project_option,
    network_options,
    say,
)

if TYPE_CHECKING:
    from launchready_tui.checks.runner import CheckEvent
    from launchready_tui.core.model import CheckResult

STAGE7_CHECKS = ("handover.accounts", "handover.env_vars", "handover.rollback", "handover.contacts",
                 "handover.email_recheck")
# Quick, read-only checks whose evidence fills the dates and expiring items (run fresh at every export).
DOCUMENT_INPUTS = ("domain.registration", "tls.cert_expiry")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("handover", help="export the handover document (md, html, pdf)",
                       description="Run the stage-7 checks and write the handover document: who owns what, where "
                       "settings and secrets live (never a secret), how to deploy and roll back, whom to call.")
    add_project_option(p)
    p.add_argument("--format", default="md,html,pdf", metavar="LIST",
                   help="comma-separated formats: md, html, pdf (default: all three)")
    p.add_argument("--output", default=".", metavar="DIR", help="folder to write into (default: the current one)")
    p.add_argument("--force", action="store_true", help="replace files of the same name in DIR")
    p.add_argument("--include-recovery-locations", action="store_true",
                   help="print WHERE each account's recovery codes are kept (the new owner's private copy)")
    p.add_argument("--fail-on", choices=("fail", "warn", "never"), default="fail",
                   help="exit 1 when a stage-7 check is at or above this level (default: fail)")
    p.add_argument("--progress", action="store_true", help="print each check as it finishes (stderr)")
    p.add_argument("--results", metavar="FILE",
                   help="a `launchready audit --format json` report whose results (capacity note, monitoring, "
                   "risks) go into the document; checks run now replace its entries")
    add_network_group(p, "network (for the e-mail re-check)")


def parse_formats(text: str) -> tuple[str, ...]:
    from launchready_tui.report.handover import FORMATS

    wanted = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()))
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise UsageError(f"--format: {', '.join(bad) or 'nothing given'}; choose from md, html, pdf "
                         "(comma-separated, e.g. --format md,pdf)")
    return wanted


MAX_RESULTS_BYTES = 64 * 2**20  # a full audit report with every secret finding is a few MB


def load_results(path: str) -> dict[str, CheckResult]:
    """Check results from an audit JSON report (contract: schema launchready.report/1)."""
    import json

    from launchready_tui.core import catalogue
    from launchready_tui.core.model import CheckResult, Impact, Status

    try:
        with open(path, "rb") as fh:  # noqa: ASYNC230 - read before the checks start
            raw = fh.read(MAX_RESULTS_BYTES + 1)  # bounded: /dev/zero or a wrong multi-GB file is not a report
        if len(raw) > MAX_RESULTS_BYTES:
            raise UsageError(f"--results: {path} is larger than {MAX_RESULTS_BYTES // 2**20} MB; that is not a "
                             "launchready report")
        data = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--results: {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"--results: {path} is not a JSON report ({exc})") from None
    if not isinstance(data, dict) or data.get("schema") != "launchready.report/1":
        raise UsageError(f"--results: {path} is not a launchready report (expected schema launchready.report/1; "
                         "write one with `launchready audit --format json --output FILE`)")
    stages = data.get("stages")
    if not isinstance(stages, list):
        raise UsageError(f"--results: {path} has no list of stages (\"stages\": [...]); write a fresh one with "
                         "`launchready audit --format json --output FILE`")
    out: dict[str, CheckResult] = {}
    for stage in stages:
        checks = stage.get("checks") if isinstance(stage, dict) else None
        for c in checks if isinstance(checks, list) else []:
            try:  # a hand-edited report: a check we cannot read is left out rather than guessed
                spec = catalogue.get(str(c["id"]))
                status = Status(c["status"])
                impact = Impact(c.get("impact") or spec.impact.value)
                if status is Status.SKIPPED:
                    continue
                fix = c.get("fix")
                out[spec.id] = CheckResult(
                    id=spec.id, title=str(c.get("title") or spec.title), status=status,
                    summary=str(c.get("summary", "")), stage=spec.stage, impact=impact, blocker=bool(c.get("blocker")),
                    target=str(c.get("target") or ""),
                    evidence=c.get("evidence") if isinstance(c.get("evidence"), dict) else {},
                    fix=fix if isinstance(fix, str) else None, duration_ms=int(c.get("duration_ms") or 0))
            except (KeyError, ValueError, TypeError, AttributeError, OverflowError):
                continue
    return out


def check_output_folder(text: str) -> Path:
    """``--output`` is a folder (created when missing); a file's name there would become a folder, so say so."""
    from launchready_tui.report.handover import FORMATS

    folder = Path(text).expanduser()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output: {text} is a file; --output takes the folder to write the documents into")
    if not folder.exists() and folder.suffix.lower().lstrip(".") in FORMATS:
        raise UsageError(f"--output: {text} looks like a file name; --output takes a folder (the file names are "
                         "chosen for you, like handover-<domain>-<date>.md)")
    return folder


def _progress(ev: CheckEvent) -> None:
    if ev.kind == "finished" and ev.result is not None:
        sys.stderr.write(f"[{ev.done}/{ev.total}] {ev.result.status.label:<10} {ev.check_id}\n")


def _exceeds(results: list[CheckResult], fail_on: str) -> bool:
    from launchready_tui.core.model import Status

    if fail_on == "never":
        return False
    levels = {Status.FAIL} if fail_on == "fail" else {Status.FAIL, Status.WARN}
    return any(r.status in levels for r in results)


async def _handover(args: argparse.Namespace) -> int:
    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.commands.accounts import load_project_for, open_vault_for
    from launchready_tui.core import catalogue
    from launchready_tui.core.model import Status
    from launchready_tui.report.handover import ExportRequest
    from launchready_tui.vault.accounts import vault_refs

    formats = parse_formats(args.format)
    project, path = load_project_for(args)
    options = CheckOptions()
    if vault_refs(project) or project.extra.get("accounts"):
        vault = open_vault_for(project, create_id=False)
        options.extra["vault"] = vault.store
        say(f"launchready: account details from {vault.describe()}")
    previous = load_results(args.results) if args.results else {}
    request = ExportRequest(check_output_folder(args.output), formats, args.force, args.include_recovery_locations)
    async with check_context(project, path.resolve().parent, network_options(args), options) as ctx:
        ctx.results.update(previous)
        specs = [catalogue.get(i) for i in (*DOCUMENT_INPUTS, *STAGE7_CHECKS)]
        fresh = await run_checks(specs, ctx, on_event=_progress if args.progress else None)
        results = [r for r in fresh if r.id in STAGE7_CHECKS]
        ctx.options.extra["handover_export"] = request
        export_result = (await run_checks([catalogue.get("handover.export")], ctx))[0]
    for r in results:
        say(f"launchready: {r.status.label:<10} {r.id}: {r.summary}")
    if export_result.status is not Status.PASS:
        raise UsageError(export_result.summary)
    for note in export_result.evidence.get("notes") or []:
        say(f"launchready: note: {note}")
    for file in export_result.evidence.get("files") or []:
        sys.stdout.write(f"{file}\n")
    return EXIT_FINDINGS if _exceeds(results, args.fail_on) else EXIT_OK


def run(args: argparse.Namespace) -> int:
    import asyncio  # late: keeps `launchready --help` fast

    return asyncio.run(_handover(args))
