"""``launchready lab``: run the built-in lab in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("lab", help="run the built-in demo target (DNS + HTTPS + app with known flaws)",
                       description="Run the built-in lab on loopback until Ctrl-C.")
    p.add_argument("--write-project", metavar="PATH",
                   help="write a project file wired to the lab (nameserver, CA, connect-to)")
    p.add_argument("--domain", default=None, metavar="D", choices=("good.test", "flawed.test"),
                   help="which lab domain the project targets: good.test (passes) or flawed.test (default)")


def run(args: argparse.Namespace) -> int:
    from launchready_tui.lab.server import run_lab_foreground

    write = Path(args.write_project) if args.write_project else None
    if args.domain:
        return run_lab_foreground(write, domain=args.domain)
    return run_lab_foreground(write)
