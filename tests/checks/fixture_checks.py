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


async def t_partial(ctx: CheckContext) -> Outcome:
    """Winds down on cancel: reports what it measured instead of being killed."""
    await ctx.cancel_event.wait()
    await asyncio.sleep(0.1)  # flushing what it has
    return Outcome(Status.WARN, "stopped early: 3 of 10 steps measured")


async def t_stubborn(ctx: CheckContext) -> Outcome:
    """Claims to wind down but never does: the runner's grace must still end it."""
    await asyncio.sleep(30)
    return Outcome(Status.PASS, "never")
