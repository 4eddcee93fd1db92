"""What the headless commands share: options, loading the project, writing output, exit codes.

Also the bad-input plumbing every command relies on: option types that refuse values which cannot work
(``seconds``, ``positive_int``), output paths checked before a long run (``check_output``), stdout that is
closed, cut short by ``| head`` or not UTF-8 (``headless_streams``, ``write_output``), and Ctrl-C that keeps
what finished (``cancel_on_sigint``: the command prints the partial report and exits 130).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio

    from launchready_tui.checks.context import NetworkOptions
    from launchready_tui.core.project import Project

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell shows for a tool whose reader went away mid-output
REPORT_FORMATS = ("text", "json", "markdown", "junit", "sarif")
# Formats read by programs: always UTF-8 (JSON, SARIF and JUnit XML say so), whatever the terminal's locale.
MACHINE_FORMATS = frozenset({"json", "junit", "sarif"})


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def seconds(text: str) -> float:
    """argparse type for a duration: a finite number above zero. Zero or less times every request out at once,
    nan and inf never do; either way the report would blame the product for a typo."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds above zero, like 5 or 0.5")
    return value


def positive_int(text: str) -> int:
    """argparse type for a count that must be at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def add_project_option(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: `launchready --project P audit` (the top-level option, default ./launchready.yaml) must not be
    # reset by this subcommand's default.
    p.add_argument("--project", metavar="PATH", default=argparse.SUPPRESS,
                   help="project file (default: ./launchready.yaml)")


def add_network_options(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    add_project_option(p)
    p.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--fail-on", choices=("fail", "warn", "never"), default="fail",
                   help="exit 1 when a finding is at or above this level (default: fail)")
    add_network_group(p)


def add_network_group(p: argparse.ArgumentParser, title: str = "network") -> None:
    """The shared network options (read back with ``network_options(args)``)."""
    g = p.add_argument_group(title)
    g.add_argument("--nameserver", action="append", default=[], metavar="HOST[:PORT]",
                   help="resolve through these servers only (repeatable)")
    g.add_argument("--resolve", action="append", default=[], metavar="HOST:PORT:ADDR",
                   help="use ADDR for HOST:PORT instead of DNS, as curl (repeatable)")
    g.add_argument("--connect-to", action="append", default=[], metavar="HOST1:PORT1:HOST2:PORT2",
                   help="connect to HOST2:PORT2 for requests to HOST1:PORT1, as curl (repeatable)")
    g.add_argument("--ca-file", metavar="PEM", help="trust this CA in addition to the system store")
    g.add_argument("--dns-timeout", type=seconds, default=3.0, metavar="S", help="per-query DNS timeout (default 3)")
    g.add_argument("--timeout", type=seconds, default=10.0, metavar="S", help="HTTP timeout (default 10)")


def network_options(args: argparse.Namespace) -> NetworkOptions:
    from launchready_tui.checks.context import NetworkOptions

    return NetworkOptions(
        nameservers=list(args.nameserver), resolve=list(args.resolve), connect_to=list(args.connect_to),
        ca_file=args.ca_file, dns_timeout=args.dns_timeout, http_timeout=args.timeout,
    )


def say(text: str) -> None:
    print(text, file=sys.stderr)  # noqa: T201 - the CLI's own voice goes to stderr, reports to stdout


def load_target(args: argparse.Namespace) -> tuple[Project, Path]:
    """The project from ``--domain`` or the project file; notes about the input go to stderr."""
    from launchready_tui.core.project import load_project, normalize_domain, project_from_domain

    domain_arg = getattr(args, "domain", None)
    if domain_arg is not None:
        domain, note = normalize_domain(domain_arg)
        if note:
            say(f"launchready: {note}")
        return project_from_domain(domain), Path.cwd()
    path = Path(args.project)
    if not path.exists():
        raise UsageError(f"no project file at {path}; pass --project PATH, or --domain DOMAIN to audit a domain "
                         "with defaults (`launchready lab --write-project PATH` writes one for the built-in lab)")
    project, warnings = load_project(path)
    for w in warnings:
        say(f"launchready: warning: {w}")
    return project, path.resolve().parent


def check_output(output: str | None, what: str = "--output", project: str | None = None) -> None:
    """Refuse an output path that cannot be written *before* the run: finding out after a long audit or load test
    would throw its answers away. (Written for real at the end; this only catches the usual mistakes.) Nor may a
    report replace the project file it was made from (``--output launchready.yaml``): that is the founder's data."""
    if not output:
        return
    with contextlib.suppress(OSError):
        if project and Path(output).expanduser().resolve() == Path(project).expanduser().resolve():
            raise UsageError(f"{what}: {output} is your project file; the report would replace it (choose "
                             "another file name, like report.json)")
    try:
        _check_output_path(output, what)
    except OSError as exc:  # a folder on the way that we may not enter: pathlib raises instead of saying False
        raise UsageError(f"{what}: cannot write {output} ({exc.strerror or exc})") from None


def _check_output_path(output: str, what: str) -> None:
    path = Path(output).expanduser()
    if not output.strip() or path.is_dir():
        raise UsageError(f"{what}: {output!r} is a folder; give a file name, like report.json")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{what}: the folder {parent} does not exist; create it first or choose another path")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{what}: cannot write {output} (permission denied)")


def write_output(text: str, output: str | None, fmt: str = "text") -> None:
    """The report to ``--output`` or stdout. A reader that stops early (``| head``) is not an error: the command
    still returns its exit code. A closed stdout is (the report would be lost)."""
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        say(f"launchready: report written to {output}")
        return
    if sys.stdout is None:
        raise UsageError("standard output is closed, so the report would be lost; pass --output FILE")
    try:
        _write_stdout(text, fmt)
    except BrokenPipeError:
        silence_stdout()


def _write_stdout(text: str, fmt: str) -> None:
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("_", "-")
    buffer = getattr(sys.stdout, "buffer", None)
    if encoding in ("utf-8", "utf8") or buffer is None:
        sys.stdout.write(text)
    else:
        # A non-UTF-8 locale (LANG=C without coercion, latin-1): machine formats stay UTF-8 as their specs say;
        # text for people keeps every character the terminal can show and marks the rest with '?'.
        sys.stdout.flush()
        buffer.write(text.encode("utf-8" if fmt in MACHINE_FORMATS else encoding, "replace"))
    sys.stdout.flush()


def headless_streams(command: str, output: str | None) -> None:
    """Make the streams safe for a headless command before it runs. A closed stdout is refused when it would lose
    the answers (one clear line, exit 2). A closed stderr silences our notes instead of letting ``print`` fall
    back to stdout, where they would corrupt a JSON report. (A non-UTF-8 locale: ``cli._tolerant_stdout``.)"""
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        if output or command == "lab":  # the report goes to --output; the lab's banner is only a courtesy
            sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
            return
        raise UsageError("standard output is closed, so the answers would be lost; run it with stdout open"
                         + (" or pass --output FILE" if command in ("audit", "email", "secrets", "loadtest") else ""))


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextlib.contextmanager
def cancel_on_sigint(event: asyncio.Event) -> Iterator[None]:
    """While a run is on: the first Ctrl-C sets ``event`` (the runner stops, keeps what finished, and the command
    prints the partial report and exits 130); a second Ctrl-C interrupts at once. Call inside the event loop."""
    import asyncio
    import signal

    loop = asyncio.get_running_loop()

    def first_interrupt() -> None:
        say("launchready: cancelling; the report will show what finished (Ctrl-C again to quit at once)")
        event.set()
        loop.remove_signal_handler(signal.SIGINT)  # back to KeyboardInterrupt for the second Ctrl-C

    try:
        loop.add_signal_handler(signal.SIGINT, first_interrupt)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)


def user_errors() -> tuple[type[Exception], ...]:
    """Exceptions that are the user's input, printed as one line with exit code 2 (imported late: startup)."""
    from launchready_tui.core.project import ProjectError
    from launchready_tui.loadgen.plan import PlanError
    from launchready_tui.net.overrides import OverrideError

    return (UsageError, ProjectError, OverrideError, PlanError)
