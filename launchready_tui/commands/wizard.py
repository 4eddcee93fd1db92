"""The wizard entry points (Textual is imported here, only when the wizard really opens).

``run_wizard`` takes plain values: the bare ``launchready`` path reaches it without argparse (see ``cli.py``).
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def _require_app() -> None:
    if importlib.util.find_spec("launchready_tui.app") is None:
        from launchready_tui.commands.common import UsageError

        raise UsageError("the wizard is not built yet in this version; use `launchready audit` or "
                         "`launchready demo --headless`")


def run_wizard(project: str, presenter: bool = False) -> int:
    _require_app()
    from launchready_tui.app import run_app

    return run_app(project_path=project, presenter=presenter)


def run_demo_wizard(args: argparse.Namespace) -> int:
    _require_app()
    from launchready_tui.app import run_demo_app

    return run_demo_app(domain=args.domain, presenter=getattr(args, "presenter", False))
