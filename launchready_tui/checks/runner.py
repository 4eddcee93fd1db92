"""Runs checks concurrently with a global cap and a per-check timeout, streaming events.

Used by the headless CLI and by the wizard's workers alike (a plain callback, no Textual types).
Every exception becomes ``status: error`` with a plain reason; the traceback goes to the log only.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from launchready_tui.checks.base import CheckContext
from launchready_tui.core.catalogue import CheckSpec
from launchready_tui.core.model import CheckResult, Outcome, Status

log = logging.getLogger("launchready.runner")

DEFAULT_CONCURRENCY = 8
WIND_DOWN_S = 2.5  # below the wizard's 3 s grace (app.CANCEL_GRACE_S) before it cancels a run outright


@dataclass(slots=True)
class CheckEvent:
    kind: str  # "started", "progress", "finished"
    check_id: str
    done: int
    total: int
    result: CheckResult | None = None
    text: str = ""


EventCallback = Callable[[CheckEvent], None]


def _result(spec: CheckSpec, outcome: Outcome, started: float) -> CheckResult:
    return CheckResult(
        id=spec.id, title=spec.title, status=outcome.status, summary=outcome.summary, stage=spec.stage,
        impact=outcome.impact or spec.impact, blocker=outcome.blocker, target=outcome.target or "",
        evidence=outcome.evidence, fix=outcome.fix, duration_ms=int((time.perf_counter() - started) * 1000),
    )


def not_built(spec: CheckSpec) -> CheckResult:
    return CheckResult(
        id=spec.id, title=spec.title, status=Status.SKIPPED, stage=spec.stage, impact=spec.impact,
        summary="coming in a later release: this check is not built yet",
    )


def _plain(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def run_one(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Run a single check, never raising except for cancellation."""
    started = time.perf_counter()
    if not spec.is_built():
        return not_built(spec)
    if ctx.cancel_event.is_set():
        return _result(spec, Outcome(Status.SKIPPED, "cancelled before it started"), started)
    try:
        module = importlib.import_module(spec.module_path)
        func = getattr(module, spec.function_name, None)
        if func is None:
            return not_built(spec)
        async with asyncio.timeout(spec.timeout_s):
            outcome = await func(ctx)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"check returned {type(outcome).__name__}, not Outcome")
    except TimeoutError:
        outcome = Outcome(Status.ERROR, f"did not finish within {spec.timeout_s:g} s, so nothing was measured")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug or an unexpected failure: report, never crash the run
        log.exception("check %s failed", spec.id)
        if isinstance(exc, OSError) and exc.filename:  # a file or folder we may not read: say which, plainly
            outcome = Outcome(Status.ERROR, f"could not read {exc.filename}: {exc.strerror or exc}")
        else:
            outcome = Outcome(Status.ERROR, f"could not run this check ({_plain(exc)})")
    return _result(spec, outcome, started)


async def run_checks(
    specs: Iterable[CheckSpec],
    ctx: CheckContext,
    on_event: EventCallback | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[CheckResult]:
    """Run ``specs`` concurrently; results come back in the order given."""
    todo = list(dict.fromkeys(specs))
    total = len(todo)
    done = 0
    results: dict[str, CheckResult] = {}
    gate = asyncio.Semaphore(max(1, concurrency))
    emit = on_event or (lambda _ev: None)
    previous_progress = ctx.progress
    ctx.progress = lambda check_id, text: emit(CheckEvent("progress", check_id, done, total, text=text))

    async def one(spec: CheckSpec) -> None:
        nonlocal done
        async with gate:
            emit(CheckEvent("started", spec.id, done, total))
            result = await run_one(spec, ctx)
        results[spec.id] = result
        ctx.results[spec.id] = result
        done += 1
        emit(CheckEvent("finished", spec.id, done, total, result=result))

    tasks = {spec.id: asyncio.ensure_future(one(spec)) for spec in todo}

    async def watch_cancel() -> None:
        await ctx.cancel_event.wait()
        # Checks that wind down get a short grace to report what they measured; the rest stop now.
        for spec in todo:
            if not spec.winds_down:
                tasks[spec.id].cancel()
        if any(spec.winds_down and not tasks[spec.id].done() for spec in todo):
            await asyncio.sleep(WIND_DOWN_S)
        for task in tasks.values():
            task.cancel()

    watcher = asyncio.ensure_future(watch_cancel())
    try:
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        for task in tasks.values():
            if not task.cancelled() and (error := task.exception()) is not None:
                raise error  # run_one never raises: this is a bug in an event callback, not a check
        if not ctx.cancel_event.is_set() and any(task.cancelled() for task in tasks.values()):
            raise asyncio.CancelledError
        # Cancelled through the event: keep what finished, mark the rest.
        for spec in todo:
            if spec.id not in results:
                results[spec.id] = CheckResult(
                    id=spec.id, title=spec.title, status=Status.SKIPPED, stage=spec.stage, impact=spec.impact,
                    summary="cancelled before it finished",
                )
    except asyncio.CancelledError:
        for task in tasks.values():
            task.cancel()
        if tasks:
            await asyncio.wait(tasks.values())
        raise
    finally:
        watcher.cancel()
        ctx.progress = previous_progress
    return [results[s.id] for s in todo]
