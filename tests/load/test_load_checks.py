"""The five load.* checks through the runner, on the lab: one shared run, verdicts, and bad input."""

from __future__ import annotations

import re
from typing import Any

from load_helpers import ContextFactory

from launchready_tui.checks import load as load_checks
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.lab import Lab

IDS = load_checks.LOAD_IDS


async def run_all(ctx: Any) -> dict[str, CheckResult]:
    results = await run_checks([catalogue.get(i) for i in IDS], ctx)
    return {r.id: r for r in results}


async def test_good_lab_passes_with_one_shared_run(load_context: ContextFactory) -> None:
    plans: list[dict[str, Any]] = []
    unsubscribe = load_checks.subscribe(lambda ev: plans.append(ev) if ev["type"] == "plan" else None)
    try:
        async with load_context("good.test", users=[5, 15]) as ctx:
            res = await run_all(ctx)
    finally:
        unsubscribe()
    assert len(plans) == 1, "the five checks must share one generator run"
    assert {r.status for k, r in res.items() if k != "load.generator_health"} == {Status.PASS}, \
        {k: r.summary for k, r in res.items()}
    health = res["load.generator_health"]
    # a machine shared with other work may delay our sends by a few ms: said as a margin, never a failure
    assert health.status is Status.PASS or (health.status is Status.WARN and "busy machine" in health.summary)
    cap = res["load.capacity"].evidence
    assert cap["safe_users"] == 15 and cap["breaks_first"] is None
    assert cap["note"].startswith("Safe today: about 15 active users")
    steps = cap["steps"]
    assert {s["endpoint"] for s in steps} == {"home", "login", "generate"}
    assert all(set(s) == {"endpoint", "users", "offered_rps", "rps", "p50_ms", "p95_ms", "p99_ms", "error_rate",
                          "errors"} for s in steps)
    assert {s["endpoint"] for s in res["load.ai_p95"].evidence["steps"]} == {"generate"}
    assert "generate" not in {s["endpoint"] for s in res["load.core_p95"].evidence["steps"]}
    assert re.match(r"generator used at most 0\.\d\d core", res["load.generator_health"].summary)
    hev = health.evidence
    # keep-alive works: a handful of connections for the whole run (one per request would be >= sum of rps)
    assert 0 < hev["connections_opened"] * 5 < sum(s["rps"] for s in steps), hev
    assert hev["cpu_ms_per_1000_requests"] > 0


async def test_flawed_lab_fails_and_names_what_breaks_first(load_context: ContextFactory) -> None:
    async with load_context("flawed.test", users=[4, 12], step_seconds=2) as ctx:
        res = await run_all(ctx)
    assert res["load.core_p95"].status is Status.FAIL
    assert re.match(r"login: .*6\d\d ms at 4 users \(target < 500 ms\)", res["load.core_p95"].summary)
    assert res["load.core_p95"].fix and "Profile that" in res["load.core_p95"].fix
    cap = res["load.capacity"]
    assert cap.status is Status.FAIL and cap.blocker
    assert cap.evidence["breaks_first"] == "login" and cap.evidence["safe_users"] is None
    assert "Not safe at the first step (4 users)" in cap.evidence["note"]
    assert res["load.generator_health"].status in (Status.PASS, Status.WARN)


async def test_unreachable_target_is_an_error_not_a_failure(lab: Lab, load_context: ContextFactory) -> None:
    data = lab.project_dict("good.test")
    data["endpoints"] = [{"name": "down", "url": "https://down.good.test/", "method": "GET"}]
    # nothing listens on port 9 of 127.0.0.2: the connection is refused
    data["network"]["connect_to"] = ["down.good.test:443:127.0.0.2:9", *data["network"]["connect_to"]]
    async with load_context(project=data, users=[2]) as ctx:
        res = await run_all(ctx)
    for r in res.values():
        if r.id == "load.ai_p95":
            continue
        assert r.status is Status.ERROR, (r.id, r.summary)
        assert "could not reach any endpoint" in r.summary and "refused" in r.summary


async def test_dns_failure_is_reported_in_plain_words(lab: Lab, load_context: ContextFactory) -> None:
    data = lab.project_dict("good.test")
    data["endpoints"] = [{"name": "nope", "url": "https://nope.flawed.test/", "method": "GET"}]
    async with load_context(project=data, users=[2]) as ctx:
        res = await run_all(ctx)
    r = res["load.core_p95"]
    assert r.status is Status.ERROR and "does not exist" in r.summary


async def test_tls_failure_is_reported(lab: Lab, load_context: ContextFactory) -> None:
    data = lab.project_dict("flawed.test")
    data["endpoints"] = [{"name": "expired", "url": "https://expired.flawed.test/", "method": "GET"}]
    async with load_context(project=data, users=[2]) as ctx:
        res = await run_all(ctx)
    r = res["load.error_rate"]
    assert r.status is Status.ERROR and "certificate" in r.summary


async def test_endpoint_answering_500_always(lab: Lab, load_context: ContextFactory) -> None:
    data = lab.project_dict("good.test")
    data["endpoints"] = [{"name": "broken", "url": "https://app.good.test/", "method": "GET"}]
    lab.web.set_fault("app.good.test", status=500)  # type: ignore[union-attr]
    async with load_context(project=data, users=[10], think_ms=100) as ctx:
        # the pre-flight sees a 500 too, but that is an answer: the load runs and counts them
        res = await run_all(ctx)
    err = res["load.error_rate"]
    assert err.status is Status.FAIL and "server errors (5xx)" in err.summary
    assert err.evidence["steps"][0]["errors"]["5xx"] > 0
    assert "stopped" in err.evidence.get("stop_reason", "")  # the error-spike rule stopped it early
    assert res["load.core_p95"].status is Status.ERROR  # fast 500s are not a fast endpoint
    assert res["load.capacity"].status is Status.FAIL


async def test_zero_users_and_negative_durations_are_errors_with_reasons(load_context: ContextFactory) -> None:
    async with load_context("good.test", users=[0]) as ctx:
        res = await run_all(ctx)
    assert {r.status for r in res.values()} == {Status.ERROR}
    assert "at least 1 user" in res["load.capacity"].summary
    async with load_context("good.test", users=[5], step_seconds=-3) as ctx:
        res = await run_all(ctx)
    assert "--step-seconds must be between 1 and 60" in res["load.core_p95"].summary
    async with load_context("good.test", users=[5], max_ai_requests="lots") as ctx:
        res = await run_all(ctx)
    assert "load.max_ai_requests must be a whole number of AI calls, not 'lots'" in res["load.capacity"].summary
    async with load_context("good.test", users=[5], step_seconds=True) as ctx:
        res = await run_all(ctx)
    assert "--step-seconds must be a number, not true" in res["load.capacity"].summary
    async with load_context("good.test", rates="fast") as ctx:
        res = await run_all(ctx)
    assert "load.rates must be a list of arrivals per second" in res["load.capacity"].summary


async def test_non_loopback_target_needs_confirmation(lab: Lab, load_context: ContextFactory) -> None:
    data = lab.project_dict("good.test")
    # pinned to a documentation address (TEST-NET-1): refused before any packet is sent
    data["endpoints"] = [{"name": "prod", "url": "https://api.acme.example/v1/login", "method": "POST"}]
    data["network"]["resolve"] = ["api.acme.example:443:192.0.2.10"]
    async with load_context(project=data, users=[10]) as ctx:
        res = await run_all(ctx)
    for r in res.values():
        assert r.status is Status.SKIPPED
        assert "not on this machine" in r.summary and "--yes-i-own-this" in r.summary
        assert "192.0.2.10" in r.summary


async def test_unknown_endpoint_name(load_context: ContextFactory) -> None:
    async with load_context("good.test", users=[5], endpoints=["checkout"]) as ctx:
        res = await run_all(ctx)
    assert res["load.capacity"].status is Status.ERROR
    assert "no endpoint named checkout" in res["load.capacity"].summary


async def test_stop_event_keeps_partial_results(load_context: ContextFactory) -> None:
    async with load_context("good.test", users=[5, 10, 15], step_seconds=20) as ctx:
        def stop_after_first_tick(ev: dict[str, Any]) -> None:
            if ev["type"] == "tick":
                load_checks.stop(ctx)

        ctx.options.extra["load"]["on_event"] = stop_after_first_tick
        res = await run_all(ctx)
    cap = res["load.capacity"]
    assert cap.evidence["cancelled"] is True
    assert "partial" in cap.summary or cap.status is Status.WARN
    assert cap.evidence["steps"], "the partial step is kept"
    assert "Stopped by you after 1 of 3 steps" in cap.evidence["note"]


async def test_a_whole_audit_runs_the_quick_plan(lab: Lab, tmp_path: Any) -> None:
    import yaml

    from launchready_tui.checks.base import CheckOptions
    from launchready_tui.checks.context import check_context
    from launchready_tui.core.project import parse_project

    project, _ = parse_project(yaml.safe_dump(lab.project_dict("good.test")))
    async with check_context(project, tmp_path, options=CheckOptions()) as ctx:
        plan = load_checks.build_plan(ctx)
    assert plan.quick and [s.users for s in plan.steps] == [10, 25, 50] and plan.step_seconds == 5
    async with check_context(project, tmp_path, options=CheckOptions(extra={"load": {"explicit": True}})) as ctx:
        plan = load_checks.build_plan(ctx)
    assert not plan.quick and [s.users for s in plan.steps] == [10, 25, 50, 100] and plan.step_seconds == 30
    project.load["step_seconds"] = 10  # a plan in the project file is what the founder wants, audit or not
    async with check_context(project, tmp_path, options=CheckOptions()) as ctx:
        plan = load_checks.build_plan(ctx)
    assert not plan.quick and plan.step_seconds == 10


async def test_a_plan_saved_in_the_project_file_is_used(lab: Lab, load_context: ContextFactory) -> None:
    data = lab.project_dict("good.test")
    data["endpoints"] = [e for e in data["endpoints"] if e["name"] == "home"]
    data["load"] = {"confirmed_targets": [], "rates": [4, 8], "max_ai_requests": 50}
    async with load_context(project=data) as ctx:
        res = await run_all(ctx)
    cap = res["load.capacity"]
    assert [s["offered_rps"] for s in cap.evidence["steps"]] == [4, 8], cap.evidence["steps"]
    assert cap.evidence["plan"]["max_ai_requests"] == 50
