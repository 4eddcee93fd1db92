"""What the network-touching commands share: options, loading the project, writing output, exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from launchready_tui.checks.context import NetworkOptions
    from launchready_tui.core.project import Project

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
REPORT_FORMATS = ("text", "json", "markdown", "junit", "sarif")


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def add_project_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", metavar="PATH", default="launchready.yaml",
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
    g.add_argument("--dns-timeout", type=float, default=3.0, metavar="S", help="per-query DNS timeout (default 3)")
    g.add_argument("--timeout", type=float, default=10.0, metavar="S", help="HTTP timeout (default 10)")


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


def write_output(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        say(f"launchready: report written to {output}")
    else:
        sys.stdout.write(text)


def user_errors() -> tuple[type[Exception], ...]:
    """Exceptions that are the user's input, printed as one line with exit code 2 (imported late: startup)."""
    from launchready_tui.core.project import ProjectError
    from launchready_tui.net.overrides import OverrideError

    return (UsageError, ProjectError, OverrideError)
