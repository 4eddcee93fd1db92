"""The wizard entry points (Textual is imported here, only when the wizard really opens)."""

from __future__ import annotations

import argparse
import importlib.util

from launchready_tui.commands.common import UsageError


def _require_app() -> None:
    if importlib.util.find_spec("launchready_tui.app") is None:
        raise UsageError("the wizard is not built yet in this version; use `launchready audit` or "
                         "`launchready demo --headless`")


def run_wizard(args: argparse.Namespace) -> int:
    _require_app()
    from launchready_tui.app import run_app

    return run_app(project_path=args.project, presenter=args.presenter)


def run_demo_wizard(args: argparse.Namespace) -> int:
    _require_app()
    from launchready_tui.app import run_demo_app

    return run_demo_app(domain=args.domain, presenter=getattr(args, "presenter", False))
