"""Check functions for the runner test below (the runner imports them by module path)."""

from __future__ import annotations

import errno

from launchready_tui.checks.base import CheckContext
from launchready_tui.core.model import Outcome


async def t_unreadable(ctx: CheckContext) -> Outcome:
    raise PermissionError(errno.EACCES, "Permission denied", "/srv/acme/repo")


async def t_bug(ctx: CheckContext) -> Outcome:
    raise KeyError("handover")
