"""The generator process against the lab (real HTTPS, real DNS through the lab's nameserver, the lab CA).

The lab's planted limits (PLANTED.md): flawed POST /v1/login takes 600 ms and answers 503 beyond 40 in flight;
flawed /v1/generate takes 1.2 s behind a 4-wide gate (3.3 req/s); good endpoints answer in milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import pytest
from load_helpers import NO_ABORT, lab_network, rate_plan

from launchready_tui.lab import Lab
from launchready_tui.loadgen.analysis import analyse
from launchready_tui.loadgen.plan import LoadEndpoint, LoadPlan, Step
from launchready_tui.loadgen.process import LoadProcess

CONTRACT_KEYS = {"endpoint", "users", "offered_rps", "rps", "p50_ms", "p95_ms", "p99_ms", "error_rate", "errors"}


def rows(result: dict[str, Any], endpoint: str | None = None) -> list[dict[str, Any]]:
    return [r for r in result["steps"] if endpoint is None or r["row"]["endpoint"] == endpoint]


async def test_step_results_on_good_endpoints(lab: Lab) -> None:
    eps = [LoadEndpoint("home", "https://good.test/"),
           LoadEndpoint("login", "https://api.good.test/v1/login", "POST", '{"email": "a@good.test"}')]
    plan = rate_plan(lab, eps, [15, 40], step_seconds=1.5)
    ticks: list[dict[str, Any]] = []
    result = await LoadProcess(plan).run(on_event=ticks.append)
    assert [r["step"] for r in rows(result, "home")] == [0, 1]
    for r in rows(result):
        row, d = r["row"], r["details"]
        assert set(row) == CONTRACT_KEYS and set(row["errors"]) == {"timeout", "5xx", "connect"}
        assert row["error_rate"] == 0.0 and d["drops"] == 0
        offered = 15 if r["step"] == 0 else 40
        assert row["offered_rps"] == offered
        assert d["attempted"] == pytest.approx(offered * 1.5, abs=2)  # the schedule was kept
        assert row["p50_ms"] < 100
    assert rows(result, "login")[1]["row"]["p95_ms"] is not None  # 60 samples: p95 reported
    assert rows(result, "login")[0]["row"]["p99_ms"] is None  # 22 samples: too few for a p99
    kinds = {e["type"] for e in ticks}
    assert {"started", "step", "tick"} <= kinds
    assert any(e["type"] == "tick" and e["endpoints"]["home"]["completed"] > 0 for e in ticks)
    a = analyse(plan, result)
    assert a.safe_users == 40 and a.breaks_first is None


async def test_knee_is_found_at_the_lab_ai_gate(lab: Lab) -> None:
    # 4 concurrent 1.2 s calls = 3.3 req/s: 1.5 req/s fits, 8 req/s queues without bound
    gen = LoadEndpoint("generate", "https://api.flawed.test/v1/generate", "POST", "{}", kind="ai",
                       expected_ms=1200, timeout_s=15)
    plan = rate_plan(lab, [gen], [1.5, 8], step_seconds=3, abort=NO_ABORT)
    result = await LoadProcess(plan).run()
    a = analyse(plan, result)
    first, second = (c for c in a.cells)
    assert first.ok and 1150 < (first.judged_ms or 0) < 2000
    assert second.verdict == "slow" and (second.judged_ms or 0) > 2000
    assert (a.safe_users, a.breaks_first) == (1, "generate")
    assert "Breaks first: AI endpoint generate" in a.note
    # the queue grows: answers came at the gate's pace, well below the offered rate
    assert second.row["rps"] < 0.75 * second.row["offered_rps"]


async def test_5xx_beyond_the_login_limit_are_counted(lab: Lab) -> None:
    # 600 ms each: 20 req/s keeps ~12 in flight, 100 req/s ~60 (> 40: the lab sheds load with 503)
    login = LoadEndpoint("login", "https://api.flawed.test/v1/login", "POST", "{}", expected_ms=600)
    plan = rate_plan(lab, [login], [20, 100], step_seconds=1.5, abort=NO_ABORT, retire_on_breach=False)
    result = await LoadProcess(plan).run()
    low, high = (r["row"] for r in rows(result))
    assert low["errors"]["5xx"] == 0 and low["error_rate"] == 0
    assert high["errors"]["5xx"] > 10
    attempted = rows(result)[1]["details"]["attempted"]
    assert high["error_rate"] == pytest.approx(high["errors"]["5xx"] / attempted, abs=1e-3)
    a = analyse(plan, result)
    assert a.cells[1].verdict in ("errors", "mostly-failed") and "server errors (5xx)" in a.cells[1].reason


async def test_stop_on_error_spike_keeps_partial_results(lab: Lab) -> None:
    login = LoadEndpoint("login", "https://api.flawed.test/v1/login", "POST", "{}", expected_ms=600)
    plan = rate_plan(lab, [login], [100, 100, 100], step_seconds=3, retire_on_breach=False)
    started = time.perf_counter()
    result = await LoadProcess(plan).run()
    assert any(w in (result["stop_reason"] or "") for w in ("shedding load", "requests failed"))
    assert not result["cancelled"]
    assert result["elapsed_s"] < 6  # stopped well before the 9 s plan
    assert rows(result) and rows(result)[0]["row"]["errors"]["5xx"] >= 10
    assert time.perf_counter() - started < 20


async def test_timeouts_are_counted_as_timeouts_never_as_missing(lab: Lab) -> None:
    slow = LoadEndpoint("slow", "https://good.test/slow?ms=1500", timeout_s=0.4)
    plan = rate_plan(lab, [slow], [10], step_seconds=1.5, abort=NO_ABORT)
    result = await LoadProcess(plan).run()
    (r,) = rows(result)
    assert r["row"]["errors"] == {"timeout": r["details"]["attempted"], "5xx": 0, "connect": 0}
    assert r["row"]["error_rate"] == 1.0
    assert r["details"]["max_ms"] >= 400  # a timed-out request counts with the time it waited
    assert "no complete answer within 0.4 s" in result["first_errors"]["slow"]["timeout"]


async def test_cancel_stops_within_a_second_and_keeps_partial_results(lab: Lab) -> None:
    home = LoadEndpoint("home", "https://good.test/")
    plan = rate_plan(lab, [home], [20, 20], step_seconds=30)
    stop = asyncio.Event()
    seen: list[float] = []

    def on_event(ev: dict[str, Any]) -> None:
        if ev["type"] == "tick":
            seen.append(time.perf_counter())
            if len(seen) == 2:
                stop.set()

    result = await LoadProcess(plan).run(on_event=on_event, stop=stop)
    stopped_after = time.perf_counter() - seen[1]
    assert result["cancelled"] and "cancelled" in result["stop_reason"]
    assert stopped_after < 2.0  # cancel -> partial result back (the child stops sending at once)
    (r,) = rows(result)
    assert r["details"]["attempted"] >= 20 and r["row"]["rps"] > 0
    a = analyse(plan, result)
    assert a.partial and "Stopped by you after 1 of 2 steps" in a.note


async def test_a_one_second_server_freeze_shows_in_the_open_model(lab: Lab) -> None:
    """The lab's event loop (this test's) blocks for 1 s mid-run, like a GC pause or a blocking call."""
    home = LoadEndpoint("home", "https://good.test/")
    plan = rate_plan(lab, [home], [100], step_seconds=4, abort=NO_ABORT)
    loop = asyncio.get_running_loop()
    froze: list[bool] = []

    def on_event(ev: dict[str, Any]) -> None:
        if ev["type"] == "tick" and not froze:
            froze.append(True)
            loop.call_later(0.5, time.sleep, 1.0)  # the server stops answering for a full second

    result = await LoadProcess(plan).run(on_event=on_event)
    (r,) = rows(result)
    row, d = r["row"], r["details"]
    assert row["error_rate"] == 0, result["first_errors"]  # nothing failed: everyone just waited
    assert row["p50_ms"] < 100
    assert row["p99_ms"] > 700 and d["max_ms"] > 800  # the freeze is in the tail, timed from the intended send
    assert d["longest_silence_ms"] > 700
    a = analyse(plan, result)
    assert a.stalls and "The server paused" in a.note


async def test_closed_model_back_to_back(lab: Lab) -> None:
    home = LoadEndpoint("home", "https://good.test/")
    plan = LoadPlan([home], [Step(4, {"home": 0.0})], model="closed", think_ms=0, step_seconds=1.5,
                    warmup_seconds=0, network=lab_network(lab))
    plan = replace(plan, steps=[Step(4, {"home": 1.0})])
    result = await LoadProcess(plan).run()
    (r,) = rows(result)
    assert r["details"]["attempted"] > 50  # 4 users back-to-back on a fast page
    assert r["row"]["offered_rps"] == pytest.approx(r["row"]["rps"], rel=0.05)
    assert r["details"]["schedule_lag_p95_ms"] == 0.0  # closed: sent when intended, by definition
    assert result["connections_opened"] == 4  # one kept-alive connection per user, TLS handshake once each


async def test_expensive_paths_upload_callback_webhook(lab: Lab) -> None:
    eps = [
        LoadEndpoint("upload", "https://good.test/upload", "POST", kind="upload", upload_bytes=256 * 1024),
        LoadEndpoint("callback", "https://good.test/auth/callback", kind="auth_callback"),
        LoadEndpoint("webhook", "https://good.test/webhooks/stripe", "POST", kind="webhook_retry"),
    ]
    plan = rate_plan(lab, eps, [5], step_seconds=1.2, abort=NO_ABORT)
    result = await LoadProcess(plan).run()
    assert {r["row"]["endpoint"] for r in rows(result)} == {"upload", "callback", "webhook"}
    for r in rows(result):
        # the lab has no such routes: 404 answers, counted apart from load failures
        assert r["details"]["answered"] == r["details"]["attempted"] > 0
        assert r["details"]["status_4xx"] == r["details"]["attempted"]
        assert r["row"]["error_rate"] == 0.0


async def test_ai_budget_stops_the_ai_endpoint_not_the_run(lab: Lab) -> None:
    """AI calls cost money: past the budget the AI endpoint is retired with the reason; core load goes on."""
    from launchready_tui.loadgen.plan import Caps

    gen = LoadEndpoint("generate", "https://api.good.test/v1/generate", "POST", "{}", kind="ai", timeout_s=15)
    home = LoadEndpoint("home", "https://good.test/")
    plan = rate_plan(lab, [gen, home], [6, 6], step_seconds=1.5, caps=Caps(max_ai_requests=7))
    assert "they stop at the budget of 7 (load.max_ai_requests), during step 1" in "\n".join(plan.describe())
    events: list[dict[str, Any]] = []
    result = await LoadProcess(plan).run(on_event=events.append)
    ai_attempted = sum(r["details"]["attempted"] for r in rows(result, "generate"))
    assert ai_attempted == 7
    retired = [e for e in events if e["type"] == "retired"]
    assert retired and retired[0]["endpoint"] == "generate" and "AI budget of 7" in retired[0]["reason"]
    assert [r["step"] for r in rows(result, "home")] == [0, 1]  # the core endpoint ran both steps
