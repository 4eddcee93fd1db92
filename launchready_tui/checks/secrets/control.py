"""Cancellation and progress for blocking scans run in a worker thread.

A scan runs in ``asyncio.to_thread``; a thread cannot be interrupted, so it polls a ``Control``:
``stopped()`` turns true when the check is cancelled (runner timeout, Esc in the wizard, Ctrl-C) and
``say()`` hands progress text back to the event loop thread-safely.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext

T = TypeVar("T")


class Cancelled(Exception):  # noqa: N818 - reads as "the scan was Cancelled"
    """The scan stopped because it was asked to; the partial result is discarded by the caller."""


@dataclass(slots=True)
class Control:
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Callable[[str], None] | None = None
    extra_stop: Callable[[], bool] | None = None
    every_s: float = 0.5  # progress at most this often
    _last: float = 0.0

    def stopped(self) -> bool:
        return self.stop.is_set() or (self.extra_stop is not None and self.extra_stop())

    def check(self) -> None:
        if self.stopped():
            raise Cancelled()

    def say(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress is not None and (force or now - self._last >= self.every_s):
            self._last = now
            self.progress(text)


async def run_blocking(ctx: CheckContext, check_id: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn(*args, control=…, **kwargs)`` in a thread; cancelling the check stops the thread too."""
    loop = asyncio.get_running_loop()
    control = Control(progress=lambda text: loop.call_soon_threadsafe(ctx.say, check_id, text),
                      extra_stop=ctx.cancel_event.is_set)
    try:
        return await asyncio.to_thread(fn, *args, control=control, **kwargs)
    except asyncio.CancelledError:
        control.stop.set()  # the worker thread sees it at its next poll and kills its git process
        raise
