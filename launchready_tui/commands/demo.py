"""``launchready demo``: start the built-in lab and open the wizard against it.

``--headless`` (or an install without the wizard) runs the audit against the lab and prints the report.
"""

from __future__ import annotations

import argparse
import importlib.util

from launchready_tui.commands.common import EXIT_CANCELLED, cancel_on_sigint, write_output


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="start the built-in lab and open the wizard against it",
                       description="Start the built-in lab on loopback and open the wizard against it.")
    p.add_argument("--domain", default=None, metavar="D", choices=("good.test", "flawed.test"),
                   help="lab domain: flawed.test (default) or good.test")
    p.add_argument("--headless", action="store_true", help="run the audit on the lab and print it, no wizard")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="report format with --headless")
    # SUPPRESS: `launchready --presenter demo` (the top-level flag) must not be reset by this default.
    p.add_argument("--presenter", action="store_true", default=argparse.SUPPRESS,
                   help="open the wizard in presenter mode (for screen sharing)")


async def _headless(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.checks.runner import run_checks
    from launchready_tui.core import catalogue
    from launchready_tui.core.project import load_project
    from launchready_tui.lab.server import Lab
    from launchready_tui.report.formats import build_report, render

    with tempfile.TemporaryDirectory(prefix="launchready-demo-") as tmp:
        async with Lab() as lab:
            path = Path(tmp) / "launchready.yaml"
            lab.write_project(path, args.domain or lab.flawed_domain)
            project, _ = load_project(path)
            async with check_context(project, path.parent, options=CheckOptions(samples=5)) as ctx:
                with cancel_on_sigint(ctx.cancel_event):
                    results = await run_checks([c for c in catalogue.CHECKS if c.stage > 0], ctx)
                cancelled = ctx.cancel_event.is_set()
            write_output(render(build_report(project, results), args.format), None, args.format)
    return EXIT_CANCELLED if cancelled else 0


def run(args: argparse.Namespace) -> int:
    if args.headless or importlib.util.find_spec("launchready_tui.app") is None:
        import asyncio

        return asyncio.run(_headless(args))
    from launchready_tui.commands.wizard import run_demo_wizard

    return run_demo_wizard(args)
