"""The parent side of the generator process: start it, stream its events, stop it within a second.

``LoadProcess(plan).run(on_event, stop)`` starts ``python -m launchready_tui.loadgen`` with the plan on its
stdin and returns the final ``result`` dict. ``on_event`` receives every ``tick``/``step``/``retired`` event
(small JSON-able dicts) as they arrive, for live charts and progress lines. Setting ``stop`` (or calling
``cancel()``) writes ``{"cancel": true}`` to the child, which stops sending at once and still prints its
partial result; a child that has not finished 2 s later is killed (by its own pid) and the events seen so
far are all there is.

Plain asyncio subprocess pipes: no sockets, so a Textual panel may drive it from a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from typing import Any

from launchready_tui.loadgen.plan import LoadPlan

EventCallback = Callable[[dict[str, Any]], None]
CANCEL_GRACE_S = 2.0
START_TIMEOUT_S = 20.0


class GeneratorError(RuntimeError):
    """The generator process could not run the plan; the message says why in plain words."""


class LoadProcess:
    def __init__(self, plan: LoadPlan, python: str | None = None) -> None:
        self.plan = plan
        self.python = python or sys.executable
        self.events: list[dict[str, Any]] = []
        self.pid: int | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._cancel_sent = False

    async def cancel(self) -> None:
        """Ask the generator to stop now (idempotent)."""
        proc = self._proc
        if proc is None or proc.returncode is not None or self._cancel_sent:
            return
        self._cancel_sent = True
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, RuntimeError, AttributeError):
            assert proc.stdin is not None
            proc.stdin.write(b'{"cancel": true}\n')
            await proc.stdin.drain()

    async def run(self, on_event: EventCallback | None = None, stop: asyncio.Event | None = None) -> dict[str, Any]:
        proc = await asyncio.create_subprocess_exec(
            self.python, "-m", "launchready_tui.loadgen",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            limit=16 * 1024 * 1024,  # the final result line can be long (every step of every endpoint)
        )
        self._proc, self.pid = proc, proc.pid
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write((json.dumps(self.plan.to_json()) + "\n").encode())
        await proc.stdin.drain()
        stderr_task = asyncio.ensure_future(proc.stderr.read())
        watcher = asyncio.ensure_future(self._watch(stop)) if stop is not None else None
        result: dict[str, Any] | None = None
        error: str | None = None
        try:
            async for raw in proc.stdout:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                if event.get("type") == "result":
                    result = event
                elif event.get("type") == "error":
                    error = str(event.get("message"))
                else:
                    self.events.append(event)
                    if on_event is not None:
                        on_event(event)
            await proc.wait()
        except asyncio.CancelledError:
            await self._shutdown()
            raise
        finally:
            if watcher is not None:
                watcher.cancel()
            if proc.returncode is None:
                await self._shutdown()
        stderr = (await stderr_task).decode("utf-8", "replace").strip()
        if result is not None:
            return result
        if error:
            raise GeneratorError(error)
        tail = stderr.splitlines()[-1] if stderr else f"exit code {proc.returncode}"
        raise GeneratorError(f"the load generator stopped without a result ({tail})")

    async def _watch(self, stop: asyncio.Event) -> None:
        await stop.wait()
        await self.cancel()
        await asyncio.sleep(CANCEL_GRACE_S)
        await self._kill()

    async def _shutdown(self) -> None:
        await self.cancel()
        proc = self._proc
        if proc is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), CANCEL_GRACE_S)
        except TimeoutError:
            await self._kill()

    async def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()  # our own child, by its pid
            with contextlib.suppress(Exception):
                await asyncio.wait_for(proc.wait(), 2.0)
