"""The generator process: reads a plan on stdin, runs the engine, prints one JSON object per line.

Run as ``python -m launchready_tui.loadgen`` by :mod:`launchready_tui.loadgen.process` (the wizard and the
CLI both use it), never inside the Textual process: a render burst in the same event loop would delay
scheduled sends and manufacture a fake stall that we would blame on the founder's server.

Protocol (loadtest.md §3): the first stdin line is the plan as JSON. stdout carries one JSON object per line:
``started``, ``step``, ``tick`` (once a second), ``retired``, and finally ``result`` (or ``error``). A later
stdin line ``{"cancel": true}``, end of stdin (the parent went away), SIGINT or SIGTERM stops the run at once:
in-flight requests are cancelled and the partial ``result`` is still printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from typing import Any, TextIO

from launchready_tui.loadgen.plan import LoadPlan, PlanError, validate


def _writer(out: TextIO) -> Any:
    def emit(event: dict[str, Any]) -> None:
        try:
            out.write(json.dumps(event, separators=(",", ":")) + "\n")
            out.flush()
        except (BrokenPipeError, ValueError):  # the parent is gone: nothing left to tell
            pass

    return emit


def _read_first_line(fd: int) -> tuple[bytes, bytes]:
    """The plan line, read from the raw fd so nothing after it hides in a text buffer (the cancel line)."""
    data = bytearray()
    while b"\n" not in data:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data.extend(chunk)
    line, _, rest = bytes(data).partition(b"\n")
    return line, rest


def _watch_stdin(loop: asyncio.AbstractEventLoop, on_cancel: Any, pending: bytes) -> None:
    """Cancel on ``{"cancel": true}`` or on end of stdin (the parent died or closed the pipe)."""
    fd = sys.stdin.fileno()
    buffer = bytearray(pending)

    def readable() -> None:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            loop.remove_reader(fd)
            on_cancel("the controlling process went away")
            return
        buffer.extend(chunk)
        scan()

    def scan() -> None:
        while b"\n" in buffer:
            line, _, rest = bytes(buffer).partition(b"\n")
            buffer[:] = rest
            with contextlib.suppress(ValueError):
                if json.loads(line or b"{}").get("cancel"):
                    on_cancel("cancelled by you")

    loop.add_reader(fd, readable)
    scan()


async def _run(plan: LoadPlan, emit: Any, pending: bytes) -> None:
    from launchready_tui.loadgen.engine import Engine

    try:
        engine = Engine(plan, emit)
    except ValueError as exc:  # a URL or header that cannot be sent (validate() catches most before this)
        emit({"type": "error", "message": f"the load plan cannot be sent: {exc}"})
        return
    loop = asyncio.get_running_loop()

    def cancel(reason: str) -> None:
        engine.request_stop(reason, cancelled=True)

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, cancel, "cancelled by you")
    with contextlib.suppress(NotImplementedError, OSError, ValueError):
        _watch_stdin(loop, cancel, pending)
    emit(await engine.run())


def _event_loop_policy() -> None:
    # uvloop: +18-28 % req/s when the client is the bottleneck (loadtest.md §3); optional, not on Windows.
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> int:
    emit = _writer(sys.stdout)
    line, pending = _read_first_line(sys.stdin.fileno())
    try:
        plan = LoadPlan.from_json(json.loads(line))
        validate(plan)
    except PlanError as exc:
        emit({"type": "error", "message": str(exc)})
        return 2
    except (ValueError, KeyError, TypeError) as exc:
        emit({"type": "error", "message": f"the load plan could not be read ({type(exc).__name__}: {exc})"})
        return 2
    _event_loop_policy()
    try:
        asyncio.run(_run(plan, emit, pending))
    except KeyboardInterrupt:  # a SIGINT before the handlers were installed
        emit({"type": "error", "message": "cancelled before the run started"})
        return 130
    return 0
