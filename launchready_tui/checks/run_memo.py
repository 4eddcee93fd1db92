"""Work shared by the checks of one run: each request, walk, probe or detection is done once per run.

Several checks read the same responses (the home page feeds the header, routing, cache, provider and
mixed-content checks). Politeness (a bounded number of requests per host) and speed both want each
of them made once, so the first check to ask starts an asyncio task and the others await the same
task. The memo lives on ``CheckContext.shared`` and belongs to one run: a context rebuilt for a new
run (the wizard gives every run its own cancel event) gets a fresh memo, so a re-run after the
founder fixed something measures again, while checks of the same run never repeat a request.

* A shared task is shielded: one check hitting its own timeout never cancels another check's wait.
* A task that failed (raised) or was cancelled is forgotten, so a later caller tries again.
* A task's exception is always retrieved, so a task whose waiters all went away logs nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


class RunMemo:
    """Memoised work of one run, keyed by tuples such as ``("walk", url, ...)``."""

    __slots__ = ("run", "_tasks")

    def __init__(self, run: asyncio.Event | None = None) -> None:
        self.run = run  # the cancel event of the run this memo belongs to
        self._tasks: dict[Hashable, asyncio.Task[Any]] = {}

    async def once(self, key: Hashable, factory: Callable[[], Awaitable[T]]) -> T:
        """``await factory()`` once per run for ``key``; concurrent and later callers share the result."""
        task = self._tasks.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = asyncio.ensure_future(factory())
            task.add_done_callback(_retrieve)
            self._tasks[key] = task
        return await asyncio.shield(task)
