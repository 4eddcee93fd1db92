"""``launchready secrets [PATH]``: the repository's working tree and full git history, headless;
``--url URL`` adds the live site's JavaScript bundles and source maps; ``--accept FINGERPRINT`` records
an accepted finding in the project file (fingerprint, reason, who, date — never the secret).

Progress (files, commits scanned / total) goes to stderr; the report to stdout or ``--output``.
Exit codes as the contract: 0 clean at ``--fail-on``, 1 findings, 2 bad input, 130 cancelled.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from urllib.parse import urlsplit

from launchready_tui.commands.common import (
    EXIT_CANCELLED,
    EXIT_FINDINGS,
    EXIT_OK,
    REPORT_FORMATS,
    UsageError,
    add_network_options,
    cancel_on_sigint,
    check_output,
    network_options,
    say,
    write_output,
)

MAX_RULES_BYTES = 8 * 2**20  # gitleaks' own default config is about 100 KB


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("secrets", help="scan a repository (tree + history) and optionally a live site for keys",
                       description="Scan the working tree and the full git history for keys; --url adds the "
                                   "live site's JavaScript bundles and source maps.")
    p.add_argument("path", nargs="?", default=None, metavar="PATH",
                   help="repository or folder to scan (default: repo: from the project file, else .)")
    add_network_options(p, REPORT_FORMATS)
    p.add_argument("--no-history", action="store_true", help="skip the git history (working tree only)")
    p.add_argument("--url", metavar="URL", help="also scan this site's JavaScript bundles and source maps")
    p.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="extra gitleaks-format rule file (repeatable; the repo's .gitleaks.toml is read anyway)")
    p.add_argument("--merges", action="store_true", help="also scan what merge commits add (first-parent diff)")
    p.add_argument("--accept", metavar="FINGERPRINT", help="accept a finding (record it in the project file)")
    p.add_argument("--reason", metavar="TEXT", help="why the finding is accepted (with --accept)")
    p.add_argument("--who", metavar="NAME", help="who accepts it (default: your user name)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _project(args: argparse.Namespace) -> tuple[object, Path, Path | None]:
    """(project, project_dir, project file path or None when there is none)."""
    from launchready_tui.core.project import Project, load_project

    path = Path(args.project)
    if path.exists():
        project, warnings = load_project(path)
        for w in warnings:
            say(f"launchready: warning: {w}")
        return project, path.resolve().parent, path
    if args.project != "launchready.yaml":
        raise UsageError(f"no project file at {path}")
    domain = "localhost.invalid"
    if args.url:
        from launchready_tui.checks.targets import host_of

        domain = host_of(args.url) or domain
    return Project(domain=domain), Path.cwd(), None


def _accept(args: argparse.Namespace) -> int:
    from launchready_tui.checks.secrets.findings import acceptance_entry
    from launchready_tui.core.project import load_project, save_project

    fp = args.accept.strip()
    if not fp.startswith("sha256:") or len(fp) != 23:
        raise UsageError(f"{fp!r} is not a finding fingerprint (they look like sha256:0123456789abcdef)")
    if not args.reason:
        raise UsageError("--accept needs --reason \"why this is not a leak\"")
    path = Path(args.project)
    if not path.exists():
        raise UsageError(f"no project file at {path}: accepted findings are recorded in the project file")
    project, _warnings = load_project(path)
    project.accepted = [a for a in project.accepted if a.get("fingerprint") != fp]
    who = args.who or getpass.getuser()
    project.accepted.append(acceptance_entry(fp, args.reason, who))
    save_project(project, path)
    say(f"launchready: accepted {fp} in {path} ({args.reason})")
    return EXIT_OK


def _inputs(args: argparse.Namespace) -> tuple[str | None, list[Path]]:
    repo = None
    if args.path is not None:
        target = Path(args.path).expanduser()
        if not target.exists():
            raise UsageError(f"{target} does not exist")
        if not target.is_dir():
            raise UsageError(f"{target} is a file: pass the repository folder")
        repo = str(target.resolve())
    rules = [Path(r).expanduser().resolve() for r in args.rules]
    for rule in rules:  # a wrong path (/dev/zero, a disk image) must not be read whole into memory
        if rule.exists() and not rule.is_dir() and (not rule.is_file() or rule.stat().st_size > MAX_RULES_BYTES):
            raise UsageError(f"{rule}: not a rule file (a gitleaks TOML file is a regular file of at most "
                             f"{MAX_RULES_BYTES // 2**20} MB)")
    return repo, rules


async def _scan(args: argparse.Namespace) -> int:
    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.checks.secrets.findings import Acceptances
    from launchready_tui.checks.secrets.rules import RuleFileError, build_ruleset, read_rule_file
    from launchready_tui.core import catalogue
    from launchready_tui.report.formats import build_report, exceeds, mask_url_passwords, render_json
    from launchready_tui.report.secrets_report import RENDERERS

    check_output(args.output, project=args.project)
    project, project_dir, _file = _project(args)
    repo, rules = _inputs(args)
    if repo is not None:
        project.repo = repo  # type: ignore[attr-defined]
    elif not project.repo:  # type: ignore[attr-defined]
        project.repo = str(project_dir)  # type: ignore[attr-defined]
    try:  # a malformed rule file is bad input: one clear line, exit 2
        build_ruleset([(str(r), read_rule_file(r)) for r in rules])
    except RuleFileError as exc:
        raise UsageError(str(exc)) from None
    ids = ["secrets.repo_tree"] + ([] if args.no_history else ["secrets.repo_history"])
    extra: dict[str, object] = {"secrets_rules": [str(r) for r in rules], "secrets_merges": args.merges}
    if args.url:
        from launchready_tui.core.project import http_url_problem

        problem = http_url_problem(args.url.strip())
        if problem:
            raise UsageError(f"--url {args.url!r} is not a usable address: {problem}")
        if urlsplit(args.url.strip()).password:
            # It would be printed with every finding and progress line, and reports end up in CI logs.
            raise UsageError("--url carries a password (user:password@); launchready would print it in the "
                             "report, so give the address without it")
        from launchready_tui.checks.targets import host_of

        if not project.domain or project.domain == "localhost.invalid":  # type: ignore[attr-defined]
            project.domain = host_of(args.url) or project.domain  # type: ignore[attr-defined]
        extra["secrets_url"] = args.url
        ids += ["secrets.bundle", "secrets.source_maps"]
    specs = [catalogue.get(i) for i in ids]

    tty = sys.stderr.isatty()

    def progress(ev: object) -> None:
        if args.quiet:
            return
        kind, cid, text = ev.kind, ev.check_id, mask_url_passwords(ev.text)  # type: ignore[attr-defined]
        if kind == "progress" and text:
            # a terminal gets one line rewritten in place; a CI log gets plain lines (throttled upstream)
            sys.stderr.write(f"\r\x1b[K{cid}: {text}" if tty else f"{cid}: {text}\n")
            sys.stderr.flush()
        elif kind == "finished":
            clear = "\r\x1b[K" if tty else ""
            sys.stderr.write(f"{clear}{ev.result.status.label:<10} {cid}\n")  # type: ignore[attr-defined]

    async with check_context(project, project_dir, network_options(args),  # type: ignore[arg-type]
                             CheckOptions(extra=extra)) as ctx:
        with cancel_on_sigint(ctx.cancel_event):
            results = await run_checks(specs, ctx, on_event=progress, concurrency=4)
        cancelled = ctx.cancel_event.is_set()
    unused = Acceptances.load(project.accepted).unused() if project.accepted else []  # type: ignore[attr-defined]
    if project.accepted:  # type: ignore[attr-defined]
        seen = {f["fingerprint"] for r in results for f in r.evidence.get("findings", [])}
        unused = [u for u in unused if u not in seen]
    if args.format == "json":
        report = build_report(project, results)  # type: ignore[arg-type]
        report["unused_acceptances"] = unused
        text = render_json(report)
    else:
        # The secrets renderers read findings directly: a user:password@ app_url from the project file is
        # masked here as build_report masks it for JSON.
        text = mask_url_passwords(RENDERERS[args.format](results, unused))
    write_output(text, args.output, args.format)
    if cancelled:  # the partial report is out; the exit code says it is partial
        return EXIT_CANCELLED
    return EXIT_FINDINGS if exceeds(results, args.fail_on) else EXIT_OK


def run(args: argparse.Namespace) -> int:
    import asyncio  # late: keeps `launchready --help` fast

    if args.accept:
        return _accept(args)
    return asyncio.run(_scan(args))
