"""Check functions used by the runner tests (the runner imports them by module path)."""

from __future__ import annotations

import asyncio

from launchready_tui.checks.base import CheckContext
from launchready_tui.core.model import Outcome, Status

STARTED: list[str] = []


async def t_ok(ctx: CheckContext) -> Outcome:
    await asyncio.sleep(0.05)
    return Outcome(Status.PASS, "fine")




async def t_boom(ctx: CheckContext) -> Outcome:
    raise RuntimeError("the parser choked")


async def t_slow(ctx: CheckContext) -> Outcome:
    STARTED.append("slow")
    await asyncio.sleep(30)
    return Outcome(Status.PASS, "never")


async def t_wrong(ctx: CheckContext) -> Outcome:
    return "not an outcome"  # type: ignore[return-value]
