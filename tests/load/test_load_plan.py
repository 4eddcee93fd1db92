"""The pure parts: Little's law, validation messages, percentiles, classification, safety records, verdicts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from launchready_tui.loadgen import samples as S
from launchready_tui.loadgen.analysis import analyse
from launchready_tui.loadgen.plan import (
    Caps,
    LoadEndpoint,
    LoadPlan,
    PlanError,
    Step,
    build_steps,
    implied_rate,
    parse_users,
    validate,
)
from launchready_tui.loadgen.safety import (
    Target,
    parse_confirmation,
    record_confirmations,
    refusal,
    unconfirmed,
)


def _plan(users: list[int] | None = None, **kw: Any) -> LoadPlan:
    eps = [LoadEndpoint("login", "https://api.acme.example/v1/login", "POST", '{"a": 1}'),
           LoadEndpoint("generate", "https://api.acme.example/v1/generate", "POST", kind="ai", expected_ms=800)]
    steps = build_steps(eps, users or [10, 25, 50, 100], kw.pop("think_ms", 5000))
    return LoadPlan(eps, steps, **kw)


def test_littles_law_matches_the_design_example() -> None:
    # loadtest.md §2: 100 active users, Z = 5 s, R = 0.2 s -> about 19 req/s
    assert implied_rate(100, 5000, 200) == pytest.approx(19.23, abs=0.01)
    plan = _plan([10, 100])
    assert plan.steps[1].rates["generate"] == pytest.approx(100 / 5.8)
    text = "\n".join(plan.describe())
    assert "step 2: 100 users -> login 19.2 req/s, generate 17.2 req/s" in text
    assert "AI endpoints: the plan would make about" in text and "during step 2 (100 users)" in text


def test_ai_budget_is_said_before_the_run_and_bounded() -> None:
    within = "\n".join(_plan([10], step_seconds=30).describe())
    assert "AI endpoints: about 51 calls (budget 300)" in within
    # default plan: 10/25/50/100 users, 30 s steps, 5 s warm-up -> far more AI calls than the budget
    over = "\n".join(_plan(step_seconds=30, warmup_seconds=5).describe())
    assert "the plan would make about 956 calls, but they stop at the budget of 300 (load.max_ai_requests), " \
           "during step 3 (50 users)" in over
    for bad in (0, 10_001):
        with pytest.raises(PlanError, match="load.max_ai_requests must be between 1 and 10,000"):
            validate(_plan([10], caps=Caps(max_ai_requests=bad)))
    validate(_plan([10], caps=Caps(max_ai_requests=2000)))


def test_plan_survives_the_process_boundary() -> None:
    plan = _plan(model="closed", think_ms=0)
    again = LoadPlan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan


@pytest.mark.parametrize(("change", "message"), [
    ({"users": [0]}, "at least 1 user"),
    ({"users": [10, -5]}, "at least 1 user"),
    ({"users": [101]}, "safety cap of 100"),
    ({"step_seconds": -1}, "--step-seconds must be between 1 and 60"),
    ({"step_seconds": 0}, "--step-seconds must be between 1 and 60"),
    ({"step_seconds": 61}, "--step-seconds must be between 1 and 60"),
    ({"step_seconds": float("nan")}, "--step-seconds"),
    ({"warmup_seconds": -2}, "warm-up must be between 0 and 60"),
    ({"model": "half-open"}, "must be 'open' or 'closed'"),
])
def test_bad_plans_are_refused_in_plain_words(change: dict[str, Any], message: str) -> None:
    users = change.pop("users", None)
    plan = _plan(users, **change)
    with pytest.raises(PlanError, match=message.replace("(", r"\(")):
        validate(plan)


def test_negative_think_time_and_rate_caps() -> None:
    with pytest.raises(PlanError, match="--think-ms must be 0 or more"):
        _plan(think_ms=-1)
    plan = _plan([10])
    plan.think_ms = -5
    with pytest.raises(PlanError, match="--think-ms must be between 0 and 600000"):
        validate(plan)
    eps = [LoadEndpoint("home", "https://acme.example/")]
    plan = LoadPlan(eps, [Step(10, {"home": 600.0})], caps=Caps())
    with pytest.raises(PlanError, match="above the safety cap of 500 req/s"):
        validate(plan)
    plan = LoadPlan(eps, [Step(10, {"home": 0.0})])
    with pytest.raises(PlanError, match="must be above zero"):
        validate(plan)
    with pytest.raises(PlanError, match="not an http"):
        validate(LoadPlan([LoadEndpoint("x", "ftp://acme.example/")], [Step(1, {"x": 1.0})]))
    with pytest.raises(PlanError, match="cap is 600 s"):
        validate(_plan([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100], step_seconds=60))


def test_parse_users_messages() -> None:
    assert parse_users("10, 25,50") == [10, 25, 50]
    with pytest.raises(PlanError, match="not a whole number"):
        parse_users("10,lots")
    with pytest.raises(PlanError, match="at least one"):
        parse_users(" , ")


def test_in_flight_cap_is_bounded() -> None:
    assert _plan([10]).in_flight_cap() == 32  # the floor
    closed = _plan([100], model="closed", think_ms=0)
    assert closed.in_flight_cap() == 200  # every user of every endpoint can be waiting at once
    big = LoadPlan([LoadEndpoint("a", "https://x.example/", expected_ms=10_000)], [Step(100, {"a": 400.0})])
    assert big.in_flight_cap() == 1000


def test_nearest_rank_percentiles_are_exact() -> None:
    values = [float(v) for v in range(1, 101)]
    assert S.percentile(values, 50) == 50.0
    assert S.percentile(values, 95) == 95.0
    assert S.percentile(values, 99) == 99.0
    assert S.percentile([7.0], 95) == 7.0
    # below 20 samples the nearest-rank p95 is the maximum: the reason the verdict judges the maximum
    assert S.percentile(sorted(values[:19]), 95) == 19.0


def test_summarize_classifies_every_outcome() -> None:
    s = S.Samples()
    rows = [
        (200, S.OK, 0.010), (200, S.OK, 0.020), (503, S.OK, 0.001), (429, S.OK, 0.001), (404, S.OK, 0.002),
        (301, S.OK, 0.002), (0, S.TIMEOUT, 0.500), (0, S.CONNECT, 0.001), (0, S.TLS, 0.001), (0, S.DNS, 0.001),
        (0, S.PROTOCOL, 0.003), (0, S.DROPPED, 0.0),
    ]
    for i, (status, err, latency) in enumerate(rows):
        t = i * 0.1
        s.add(0, 0, t, t + 0.001, t + 0.001 + latency, status, err)
    st = S.summarize(s, range(len(s)), "api", 10, 12.0, 1.2)
    row = st.contract()
    assert set(row) == {"endpoint", "users", "offered_rps", "rps", "p50_ms", "p95_ms", "p99_ms", "error_rate",
                        "errors"}
    assert row["errors"] == {"timeout": 1, "5xx": 1, "connect": 3}
    # failures: 503, 429, timeout, 3 connect, protocol, dropped = 8 of 12; 404 and 301 are not load failures
    assert row["error_rate"] == pytest.approx(8 / 12, abs=1e-4)
    d = st.details()
    assert (d["status_429"], d["status_4xx"], d["redirects"], d["drops"], d["protocol_errors"]) == (1, 1, 1, 1, 1)
    assert st.n == 7  # six answers + one timeout carry a latency
    assert row["p95_ms"] is None and d["max_ms"] == pytest.approx(501, abs=0.5)  # n < 20: no p95 reported


def test_intended_time_shows_what_the_send_time_hides() -> None:
    s = S.Samples()
    for i in range(100):  # the generator sent 7 requests late (its own loop was blocked)
        intended = i * 0.01
        sent = intended + (0.9 if i % 15 == 0 else 0.0)
        s.add(0, 0, intended, sent, sent + 0.005, 200, S.OK)
    st = S.summarize(s, range(100), "x", 1, 100, 1)
    assert st.p95_send_ms == pytest.approx(5, abs=0.1)
    assert st.p95_ms == pytest.approx(905, abs=1)
    assert st.lag_p95_ms == pytest.approx(900, abs=1)


def test_confirmation_records_cover_only_what_was_confirmed() -> None:
    plan = _plan([10, 50])
    target = Target("api.acme.example", 443, ["203.0.113.7"])
    settings: dict[str, Any] = {"confirmed_targets": ["old.example addresses=198.51.100.1"]}
    assert unconfirmed([target], plan, settings) == [target]
    assert "--yes-i-own-this" in refusal([target], plan)
    lines = record_confirmations(settings, [target], plan)
    assert settings["confirmed_targets"][0].startswith("old.example")
    assert lines[0].startswith("api.acme.example addresses=203.0.113.7 max_users=50 max_rps=")
    assert unconfirmed([target], plan, settings) == []
    moved = Target("api.acme.example", 443, ["203.0.113.99"])
    assert unconfirmed([moved], plan, settings) == [moved]  # a new address: ask again
    bigger = _plan([10, 100])
    assert unconfirmed([target], bigger, settings) == [target]  # more users than confirmed: ask again
    bare = {"confirmed_targets": ["api.acme.example"]}
    assert unconfirmed([moved], plan, bare) == []  # a hand-written host: any address, default caps
    assert parse_confirmation("x.example max_rps=oops").max_rps is None
    assert unconfirmed([Target("lab.test", 443, ["127.0.0.1", "::1"])], plan, {}) == []  # loopback is free


def _result(cells: list[tuple[int, str, float | None, float, dict[str, int]]], cpu: float = 0.1,
            lag: float = 1.0, users: tuple[int, ...] = (10, 25, 50)) -> dict[str, Any]:
    steps = []
    for step, name, p95, err_rate, errors in cells:
        row = {"endpoint": name, "users": users[step], "offered_rps": 5.0, "rps": 5.0, "p50_ms": (p95 or 0) / 2,
               "p95_ms": p95, "p99_ms": None, "error_rate": err_rate,
               "errors": {"timeout": 0, "5xx": 0, "connect": 0, **errors}}
        details = {"endpoint": name, "users": users[step], "n": 150, "attempted": 150, "max_ms": p95,
                   "p95_send_ms": p95, "schedule_lag_p95_ms": lag, "drops": 0, "longest_silence_ms": 0.0}
        steps.append({"step": step, "row": row, "details": details})
    windows = [{"step": i, "users": u, "cpu_cores": cpu} for i, u in enumerate(users)
               if any(c[0] == i for c in cells)]
    return {"steps": steps, "windows": windows, "run_id": "t", "stop_reason": None, "cancelled": False}


def test_knee_and_what_breaks_first() -> None:
    plan = _plan([10, 25, 50])
    res = _result([
        (0, "login", 40.0, 0.0, {}), (0, "generate", 900.0, 0.0, {}),
        (1, "login", 60.0, 0.0, {}), (1, "generate", 1400.0, 0.0, {}),
        (2, "login", 80.0, 0.004, {"5xx": 1}), (2, "generate", 5200.0, 0.0, {}),
    ])
    a = analyse(plan, res)
    assert (a.safe_users, a.breaks_first) == (25, "generate")
    assert "between 25 and 50 users" in a.knee_text
    assert a.note.startswith("Safe today: about 25 active users")
    assert "Breaks first: AI endpoint generate: p95 5,200 ms at 50 users (target < 2,000 ms)" in a.note
    assert "job queue" in a.note and "not production" in a.note


def test_errors_break_a_step_and_first_step_failure_has_no_safe_level() -> None:
    plan = _plan([10, 25, 50])
    res = _result([(0, "login", 40.0, 0.03, {"5xx": 4}), (0, "generate", 900.0, 0.0, {})])
    a = analyse(plan, res)
    assert a.safe_users is None and a.breaks_first == "login"
    assert "3.0% errors at 10 users (4 server errors (5xx)" in a.breaks_how
    assert a.note.startswith("Not safe at the first step (10 users)")


def test_a_generator_limited_step_is_not_blamed_on_the_app() -> None:
    plan = _plan([10, 25, 50])
    res = _result([(0, "login", 40.0, 0.0, {}), (0, "generate", 900.0, 0.0, {})], cpu=0.95)
    a = analyse(plan, res)
    assert all(c.verdict == "unmeasured" for c in a.cells)
    assert a.breaks_first is None and a.safe_users is None
    assert "our generator was the limit" in a.note
    slipped = analyse(plan, _result([(0, "login", 40.0, 0.0, {})], lag=60.0))
    assert "behind schedule" in slipped.health[0].reason and not slipped.health[0].trustworthy
    busy = analyse(plan, _result([(0, "login", 40.0, 0.0, {})], lag=12.0))
    assert busy.health[0].trustworthy and "good to about ±12 ms" in busy.health[0].note
    assert busy.cells[0].ok


def test_a_pause_is_explained() -> None:
    plan = _plan([10])
    res = _result([(0, "login", 760.0, 0.0, {})])
    res["steps"][0]["row"].update(p50_ms=4.0, p99_ms=990.0)
    res["steps"][0]["details"].update(longest_silence_ms=1002.0, max_ms=1010.0)
    a = analyse(plan, res)
    assert a.stalls and "no answer came for 1,002 ms" in a.stalls[0]
    assert "paused" in a.note


def test_confirmation_date_is_today() -> None:
    plan = _plan([10])
    line = record_confirmations({}, [Target("a.example", 443, ["192.0.2.1"])], plan)[0]
    assert line.endswith(f"confirmed={dt.datetime.now(dt.UTC).date().isoformat()}")


def test_expensive_paths_come_from_the_project_file() -> None:
    from launchready_tui.checks.load import load_endpoint
    from launchready_tui.core.project import parse_project

    text = """
version: 1
domain: acme.example
endpoints:
  - {name: avatar, method: POST, url: "https://api.acme.example/v1/avatar", load: {kind: upload, upload_kb: 64}}
  - {name: callback, url: "https://acme.example/auth/callback", load: {kind: auth_callback, weight: 0.5}}
  - {name: chat, method: POST, url: "https://api.acme.example/v1/chat", ai: true}
  - {name: bad, url: "https://acme.example/", load: {kind: teleport}}
"""
    project, warnings = parse_project(text)
    assert warnings == []  # endpoints[].load is a known extension, kept without a warning
    avatar, callback, chat, bad = project.endpoints
    up = load_endpoint(avatar)
    assert (up.kind, up.upload_bytes, up.method) == ("upload", 64 * 1024, "POST")
    assert load_endpoint(callback).weight == 0.5
    ai = load_endpoint(chat, measured_ms=900)
    assert (ai.kind, ai.slo_ms, ai.expected_ms, ai.timeout_s) == ("ai", 2000.0, 900, 15.0)
    with pytest.raises(PlanError, match="load.kind must be one of"):
        load_endpoint(bad)
