"""``launchready email DOMAIN``: the email-authentication checks alone, headless (contract: commands).

Runs ``email.spf``, ``email.dkim``, ``email.dmarc``, ``email.mx``, ``email.mta_sts``, ``email.tls_rpt`` and
``email.bimi`` concurrently, then ``email.summary`` on their results, and prints the common report (the email
checks appear in stage 1's list). Text and Markdown output end with the records to publish; JSON carries them in
each check's ``fix`` and ``evidence``.

The domain comes from DOMAIN (or ``--domain``); without it, from the project file. When both a project file and
a different DOMAIN are given, the file's network settings are used and its e-mail settings are not (they
describe the file's own domain). ``--sender``/``--selector`` add to the project's lists; ``--rua`` is where DMARC
reports should go in the proposed records; ``--headers FILE`` explains a received e-mail's authentication
headers and uses its DKIM selector; ``--no-mail`` checks for the "this domain sends no mail" template.

Exit codes: 0 nothing at or above ``--fail-on``, 1 findings, 2 bad input, 130 cancelled.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchready_tui.commands.common import (
    EXIT_CANCELLED,
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_network_options,
    cancel_on_sigint,
    check_output,
    load_target,
    network_options,
    say,
    write_output,
)

if TYPE_CHECKING:
    from launchready_tui.checks.runner import CheckEvent
    from launchready_tui.core.model import CheckResult
    from launchready_tui.core.project import Project

FORMATS = ("text", "json", "markdown")
DEFAULT_PROJECT = "launchready.yaml"
MAX_HEADERS_BYTES = 1024 * 1024
EMAIL_CHECKS = ("email.spf", "email.dkim", "email.dmarc", "email.mx", "email.mta_sts", "email.tls_rpt", "email.bimi")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "email", help="the email-authentication checks alone (SPF, DKIM, DMARC, MX, MTA-STS, TLS-RPT, BIMI)",
        description="Check SPF, DKIM, DMARC, MX, MTA-STS, TLS-RPT and BIMI for a domain and print the records "
                    "to publish.")
    p.add_argument("domain_arg", nargs="?", metavar="DOMAIN", help="the domain to check (default: the project's)")
    add_network_options(p, FORMATS)
    p.add_argument("--domain", metavar="D", help="same as DOMAIN")
    p.add_argument("--sender", action="append", default=[], metavar="ID",
                   help="a service that sends mail for the domain, e.g. google-workspace, resend (repeatable)")
    p.add_argument("--selector", action="append", default=[], metavar="S",
                   help="a DKIM selector to fetch, e.g. google or s1 (repeatable)")
    p.add_argument("--rua", metavar="ADDRESS", help="where DMARC reports should go in the records we propose")
    p.add_argument("--headers", metavar="FILE",
                   help="headers of an e-mail you received from your app ('-' reads stdin): explained, and its "
                        "DKIM selector is used")
    p.add_argument("--no-mail", action="store_true",
                   help="this domain never sends mail: check for SPF -all, DMARC reject and a null MX")
    p.add_argument("--progress", action="store_true", help="print each check as it finishes (stderr)")


def _domain(args: argparse.Namespace) -> str | None:
    positional, option = args.domain_arg, args.domain
    if positional and option and positional.strip().lower() != option.strip().lower():
        raise UsageError(f"two different domains given ({positional} and --domain {option}); give one")
    return positional if positional is not None else option  # "" is a (bad) domain, not "use the project's"


def _target(args: argparse.Namespace, domain: str | None) -> tuple[Project, Path]:
    from launchready_tui.core.project import EmailSettings, load_project, normalize_domain, project_from_domain

    if domain is None:
        return load_target(args)
    host, note = normalize_domain(domain)
    if note:
        say(f"launchready: {note}")
    path = Path(args.project)
    explicit = args.project != DEFAULT_PROJECT
    if path.exists():
        project, warnings = load_project(path)
        if explicit or project.domain == host:
            for w in warnings:
                say(f"launchready: warning: {w}")
            if project.domain != host:
                project.domain = host
                project.email = EmailSettings()  # the file's senders and selectors belong to its own domain
            return project, path.resolve().parent
    elif explicit:
        raise UsageError(f"no project file at {path}")
    return project_from_domain(host), Path.cwd()


def _validate(args: argparse.Namespace) -> dict[str, Any]:
    from launchready_tui.checks.emailauth.dkim_signature import is_selector
    from launchready_tui.checks.emailauth.providers import table
    from launchready_tui.checks.emailauth.settings import valid_report_address

    extra: dict[str, Any] = {}
    providers = table()
    for sender in args.sender:
        if providers.get(sender) is None:
            close = difflib.get_close_matches(sender.lower(), sorted(providers.providers), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(f"--sender {sender!r} is not a provider id{hint}; known: "
                             + ", ".join(sorted(providers.providers)))
    for selector in args.selector:
        if not is_selector(selector.strip()):
            raise UsageError(f"--selector {selector!r} is not a DKIM selector (letters, digits, '-', '_', '.')")
    if args.rua is not None and valid_report_address(args.rua) is None:
        raise UsageError(f"--rua {args.rua!r} is not an e-mail address")
    if args.sender:
        extra["email.senders"] = list(args.sender)
    if args.selector:
        extra["email.selectors"] = [s.strip() for s in args.selector]
    if args.rua:
        extra["email.report_address"] = valid_report_address(args.rua)
    if args.no_mail:
        extra["email.sends_mail"] = False
    if args.headers:
        extra["email.headers"] = _read_headers(args.headers)
    return extra


def _read_headers(source: str) -> str:
    try:
        if source == "-":
            if sys.stdin is None:
                raise UsageError("--headers -: standard input is closed; pipe the e-mail in, or give a file")
            stream = getattr(sys.stdin, "buffer", sys.stdin)
            data = stream.read(MAX_HEADERS_BYTES + 1)
            if isinstance(data, str):  # a text-only stdin (embedding, tests)
                data = data.encode("utf-8", "replace")
        else:
            with open(source, "rb") as fh:  # noqa: ASYNC230 - read before the event loop starts
                data = fh.read(MAX_HEADERS_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read --headers {source}: {exc.strerror or exc}") from None
    if len(data) > MAX_HEADERS_BYTES:
        raise UsageError(f"--headers {source} is larger than 1 MB; paste only the message headers")
    text = data.decode("utf-8", "replace")
    if not text.strip():
        raise UsageError(f"--headers {source} is empty")
    return text


def _progress(ev: CheckEvent) -> None:
    if ev.kind == "finished" and ev.result is not None:
        sys.stderr.write(f"[{ev.done}/{ev.total}] {ev.result.status.label:<10} {ev.check_id}\n")
    elif ev.kind == "progress" and ev.text:
        sys.stderr.write(f"    {ev.check_id}: {ev.text}\n")


def _appendix(results: list[CheckResult], fmt: str, headers_text: str | None) -> str:
    """The records to publish (and the pasted e-mail explained), after the text or Markdown report."""
    from launchready_tui.core.model import Status

    out: list[str] = []
    fixes = [r for r in results if r.fix and r.status in (Status.FAIL, Status.WARN, Status.MANUAL)
             and r.id != "email.summary"]
    if fmt == "markdown":  # the Markdown report prints the fixes of fail/warn checks itself
        for r in (r for r in fixes if r.status is Status.MANUAL):
            out += [f"**What we need for `{r.id}`**", "", r.fix or "", ""]
    elif fixes:
        out.append("What to publish:")
        for r in fixes:
            body = "\n".join(f"    {line}" if line else "" for line in (r.fix or "").splitlines())
            out += ["", f"  {r.id} ({r.status.value}): {r.summary}", body]
        out.append("")
    if headers_text:
        from launchready_tui.checks.emailauth.headers import explain_authentication_results

        explanation = explain_authentication_results(headers_text)
        out.append("## Did it land?" if fmt == "markdown" else "Did it land? (the pasted e-mail)")
        out += ["", explanation.text(), ""]
    return "\n".join(out)


async def _email(args: argparse.Namespace) -> int:
    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.email_summary import records_only_fix
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.core import catalogue
    from launchready_tui.report.formats import build_report, exceeds, render

    check_output(args.output, project=args.project)
    extra = _validate(args)
    project, project_dir = _target(args, _domain(args))
    options = CheckOptions(extra=extra)
    on_event = _progress if args.progress else None
    async with check_context(project, project_dir, network_options(args), options) as ctx:
        with cancel_on_sigint(ctx.cancel_event):
            results = await run_checks([catalogue.get(i) for i in EMAIL_CHECKS], ctx, on_event=on_event)
            if not ctx.cancel_event.is_set():
                results += await run_checks([catalogue.get("email.summary")], ctx, on_event=on_event)
        cancelled = ctx.cancel_event.is_set()
    for result in results:
        if result.id == "email.summary":
            result.fix = records_only_fix(result)  # the seven checks are in the report with their own steps
    report = build_report(project, results)
    text = render(report, args.format)
    if args.format in ("text", "markdown"):
        appendix = _appendix(results, args.format, extra.get("email.headers"))
        if appendix:
            text = text.rstrip("\n") + "\n\n" + appendix + "\n"
    write_output(text, args.output, args.format)
    if cancelled:  # the partial report is out; the exit code says it is partial
        return EXIT_CANCELLED
    return EXIT_FINDINGS if exceeds(results, args.fail_on) else EXIT_OK


def run(args: argparse.Namespace) -> int:
    import asyncio  # late: keeps `launchready --help` fast

    return asyncio.run(_email(args))
