"""``launchready lab``: run the built-in lab in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from launchready_tui.commands.common import UsageError

LAB_DOMAINS = ("good.test", "flawed.test")
LAB_HEADER = "# launchready project wired to the built-in lab"  # the first line of every file the lab writes


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("lab", help="run the built-in demo target (DNS + HTTPS + app with known flaws)",
                       description="Run the built-in lab on loopback until Ctrl-C.")
    p.add_argument("--write-project", metavar="PATH",
                   help="write a project file wired to the lab (nameserver, CA, connect-to)")
    p.add_argument("--domain", default=None, metavar="D", choices=LAB_DOMAINS,
                   help="which lab domain the project targets: good.test (passes) or flawed.test (default)")


def project_target(text: str) -> Path:
    """Where ``--write-project`` may write, checked before the lab starts. A project file the lab did not write
    is never replaced: it holds the founder's answers, and the lab's file is only valid while the lab runs."""
    if not text.strip():
        raise UsageError("--write-project needs a file path, like lab/launchready.yaml")
    path = Path(text).expanduser()
    if path.is_dir():
        raise UsageError(f"--write-project: {text} is a folder; give a file path, like {path / 'launchready.yaml'}")
    if path.exists():
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                first = fh.readline()
        except OSError as exc:
            raise UsageError(f"--write-project: cannot read {text}: {exc.strerror or exc}") from None
        if not first.startswith(LAB_HEADER):
            raise UsageError(f"--write-project: {text} already exists and was not written by the lab; it is kept "
                             "as is (your answers live there): choose another path")
    parent = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"--write-project: cannot write {text} (permission denied)")
    return path


def run(args: argparse.Namespace) -> int:
    from launchready_tui.lab.server import run_lab_foreground

    write = project_target(args.write_project) if args.write_project is not None else None
    if args.domain:
        return run_lab_foreground(write, domain=args.domain)
    return run_lab_foreground(write)
