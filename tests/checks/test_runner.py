"""The runner: concurrency cap, timeouts, exceptions to `error`, cancellation keeps finished results."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.runner import CheckEvent, run_checks
from launchready_tui.core.catalogue import CheckSpec
from launchready_tui.core.model import Impact, Status
from launchready_tui.core.project import Project
from launchready_tui.net.http import HttpClient
from launchready_tui.net.resolver import Resolver

sys.path.insert(0, str(Path(__file__).parent))
MOD = "fixture_checks"


def spec(name: str, timeout: float = 5.0) -> CheckSpec:
    return CheckSpec(f"t.{name}", name, 1, Impact.OPS, MOD, timeout)


@pytest.fixture
def ctx() -> CheckContext:
    resolver = Resolver(["127.0.0.1:9"], timeout=0.2)
    return CheckContext(project=Project(domain="example.test"), resolver=resolver, http=HttpClient(resolver))


async def test_results_in_order_and_exceptions_become_error(ctx: CheckContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckSpec, "module_path", property(lambda self: MOD))
    events: list[CheckEvent] = []
    results = await run_checks([spec("ok"), spec("boom"), spec("wrong")], ctx, on_event=events.append)
    assert [r.id for r in results] == ["t.ok", "t.boom", "t.wrong"]
    assert results[0].status is Status.PASS
    assert results[1].status is Status.ERROR and "the parser choked" in results[1].summary
    assert results[2].status is Status.ERROR and "not Outcome" in results[2].summary
    assert [e.kind for e in events].count("finished") == 3
    assert events[-1].done == events[-1].total == 3
    assert ctx.results["t.ok"].status is Status.PASS


async def test_timeout_is_error_not_fail(ctx: CheckContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckSpec, "module_path", property(lambda self: MOD))
    [result] = await run_checks([spec("slow", timeout=0.2)], ctx)
    assert result.status is Status.ERROR
    assert "did not finish within 0.2 s" in result.summary


async def test_checks_overlap_under_the_cap(ctx: CheckContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckSpec, "module_path", property(lambda self: MOD))
    specs = [CheckSpec(f"t.ok{i}", "ok", 1, Impact.OPS, MOD, 5) for i in range(6)]
    monkeypatch.setattr(CheckSpec, "function_name", property(lambda self: "t_ok"))
    running = 0
    peak = 0

    def on_event(ev: CheckEvent) -> None:
        nonlocal running, peak
        running += 1 if ev.kind == "started" else -1 if ev.kind == "finished" else 0
        peak = max(peak, running)

    await run_checks(specs, ctx, on_event=on_event, concurrency=3)
    assert peak == 3  # overlapped, and never more than the cap


async def test_cancel_event_keeps_finished_results(ctx: CheckContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckSpec, "module_path", property(lambda self: MOD))

    async def cancel_soon() -> None:
        await asyncio.sleep(0.3)
        ctx.cancel_event.set()

    canceller = asyncio.create_task(cancel_soon())
    results = await run_checks([spec("ok"), spec("slow", timeout=20)], ctx)
    await canceller
    assert results[0].status is Status.PASS
    assert results[1].status is Status.SKIPPED and "cancelled" in results[1].summary


async def test_unbuilt_check_is_skipped_with_reason(ctx: CheckContext) -> None:
    ghost = CheckSpec("t.ghost", "ghost", 1, Impact.OPS, "no_such_module_anywhere", 5)
    [result] = await run_checks([ghost], ctx)
    assert result.status is Status.SKIPPED
    assert "not built yet" in result.summary


async def test_a_check_that_winds_down_keeps_its_partial_result(ctx: CheckContext,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Esc on a load test: the check reports what it measured; the ordinary slow check is cut at once."""
    import dataclasses

    from launchready_tui.checks import runner

    monkeypatch.setattr(CheckSpec, "module_path", property(lambda self: MOD))
    monkeypatch.setattr(runner, "WIND_DOWN_S", 0.5)
    partial = dataclasses.replace(spec("partial", timeout=20), winds_down=True)
    stubborn = dataclasses.replace(spec("stubborn", timeout=20), winds_down=True)
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, ctx.cancel_event.set)
    started = loop.time()
    results = await run_checks([spec("slow", timeout=20), partial, stubborn], ctx)
    elapsed = loop.time() - started
    assert results[0].status is Status.SKIPPED and "cancelled" in results[0].summary
    assert results[1].status is Status.WARN and "3 of 10 steps" in results[1].summary
    assert results[2].status is Status.SKIPPED and "cancelled" in results[2].summary
    assert elapsed < 10  # the grace ended the stubborn one (it would sleep 30 s)


async def test_cancelling_the_caller_cancels_every_check(ctx: CheckContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckSpec, "module_path", property(lambda self: MOD))
    task = asyncio.ensure_future(run_checks([spec("slow", timeout=20), spec("ok")], ctx))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
