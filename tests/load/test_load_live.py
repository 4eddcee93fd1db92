"""The live chart text (pure): per-second events in, p95 and error bars per step out."""

from __future__ import annotations

from launchready_tui.loadgen.live import BAR_WIDTH, LiveChart


def _tick(step: int, p95: float, completed: int = 10, failed: int = 0) -> dict[str, object]:
    return {"type": "tick", "step": step, "users": 10, "completed": completed, "in_flight": 2, "cpu": 0.05,
            "endpoints": {"login": {"completed": completed, "failed": failed, "p95_ms": p95, "in_flight": 1}}}


def test_chart_follows_ticks_then_takes_the_exact_rows() -> None:
    chart = LiveChart()
    assert chart.lines()[0].startswith("Not run yet")
    chart.on_event({"type": "plan", "endpoints": ["login"], "users": [10, 25], "slo_ms": {"login": 500.0},
                    "lines": ["step 1: 10 users"]})
    chart.on_event({"type": "step", "step": 0})
    chart.on_event(_tick(0, 120.0))
    chart.on_event(_tick(0, 180.0, failed=1))
    lines = chart.lines()
    assert lines[0].startswith("Running: step 1 of 2 · 10 users")
    assert lines[1] == "10 users"
    assert "p95~ 180 ms" in lines[2] and "✔ ok" in lines[2] and "errors 5.0% ✖" in lines[2]
    assert lines[2].count("│") == 1  # the target mark
    chart.on_event({"type": "step", "step": 1})
    chart.on_event(_tick(1, 1400.0))
    assert "»" in chart.lines()[-1] and "✖ slow" in chart.lines()[-1]  # beyond twice the target
    chart.apply_steps([
        {"endpoint": "login", "users": 10, "p50_ms": 90.0, "p95_ms": 150.0, "error_rate": 0.0},
        {"endpoint": "login", "users": 25, "p50_ms": 700.0, "p95_ms": 1300.0, "error_rate": 0.02},
    ], note="Safe today: about 10 active users")
    lines = chart.lines()
    assert lines[0].startswith("Finished")
    assert "p95 150 ms" in lines[2] and "errors 0.0%" in lines[2]
    assert "p95 1.30 s" in lines[4] and "errors 2.0% ✖" in lines[4]
    assert chart.note.startswith("Safe today")
    bar = lines[2].split()[1]
    assert len(bar) == BAR_WIDTH


def _login_retired_at_10_users(p95_ms: float) -> LiveChart:
    """login and home at 10 then 25 users; login broke its target at 10 users and was retired."""
    chart = LiveChart()
    chart.on_event({"type": "plan", "endpoints": ["login", "home"], "users": [10, 25],
                    "slo_ms": {"login": 500.0, "home": 500.0}})
    chart.on_event({"type": "retired", "endpoint": "login", "reason": f"p95 {p95_ms:.0f} ms at 10 users"})
    return chart


def test_retired_endpoint_is_shown_as_not_run() -> None:
    chart = _login_retired_at_10_users(610)
    chart.on_event({"type": "tick", "step": 1, "users": 25, "completed": 5, "in_flight": 0, "cpu": 0.0,
                    "endpoints": {"home": {"completed": 5, "failed": 0, "p95_ms": 4.0}}})
    text = "\n".join(chart.lines())
    assert "login          not run: p95 610 ms at 10 users" in text


def test_late_answers_of_a_retired_endpoint_do_not_stay_on_the_finished_chart() -> None:
    """login broke at 10 users and was retired; its last answers arrived during step 2's first second."""
    chart = _login_retired_at_10_users(603)
    chart.on_event({"type": "tick", "step": 1, "users": 25, "completed": 6, "in_flight": 0, "cpu": 0.0,
                    "endpoints": {"home": {"completed": 5, "failed": 0, "p95_ms": 4.0},
                                  "login": {"completed": 1, "failed": 0, "p95_ms": 603.0}}})
    assert "p95~ 603 ms" in "\n".join(chart.lines())  # live: what arrived is shown
    chart.apply_steps([
        {"endpoint": "login", "users": 10, "p50_ms": 600.0, "p95_ms": 603.0, "error_rate": 0.0},
        {"endpoint": "home", "users": 10, "p50_ms": 2.0, "p95_ms": 3.0, "error_rate": 0.0},
        {"endpoint": "home", "users": 25, "p50_ms": 2.0, "p95_ms": 3.0, "error_rate": 0.0},
    ])
    lines = chart.lines()
    assert "p95~" not in "\n".join(lines)
    assert lines[lines.index("25 users") + 1] == "  login          not run: p95 603 ms at 10 users"
