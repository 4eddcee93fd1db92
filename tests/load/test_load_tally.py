"""The engine's running tallies give exactly what a scan of the raw samples gives (the final summary's rules).

Hypothesis draws answers of every kind (2xx-5xx, 429/503, timeouts, refused connections, drops) over
several steps and endpoints; each tally is compared with a direct computation over the same samples.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from launchready_tui.loadgen.samples import (
    CONNECT,
    DROPPED,
    OK,
    PROTOCOL,
    TIMEOUT,
    Samples,
    counts_latency,
    is_failure,
    percentile,
    summarize,
)
from launchready_tui.loadgen.tally import Tally, TickTally, bucket_of, window_p95_above

OUTCOMES = st.sampled_from([(200, OK)] * 6 + [(204, OK), (302, OK), (404, OK), (429, OK), (500, OK), (503, OK),
                                             (0, TIMEOUT), (0, CONNECT), (0, PROTOCOL), (0, DROPPED)])
ROW = st.tuples(st.integers(0, 2), st.integers(-1, 2), st.floats(0, 100), st.floats(0, 0.05),
                st.floats(0, 3), OUTCOMES)


def _fill(rows: list[tuple[int, int, float, float, float, tuple[int, int]]]) -> tuple[Samples, Tally]:
    samples, tally = Samples(), Tally(3)
    for ei, step, intended, lag, took, (status, error) in rows:
        sent, done = intended + lag, intended + lag + took
        samples.add(ei, step, intended, sent, done, status, error)
        tally.add(ei, step, intended, sent, done, status, error)
    return samples, tally


@settings(max_examples=150, deadline=None)
@given(st.lists(ROW, max_size=300))
def test_step_tally_matches_the_summary(rows: list[tuple[int, int, float, float, float, tuple[int, int]]]) -> None:
    samples, tally = _fill(rows)
    for step in range(-1, 3):
        for ei in range(3):
            idx = [i for i in range(len(samples)) if samples.step[i] == step and samples.endpoint[i] == ei]
            ref = summarize(samples, idx, "e", 1, 0.0, 1.0)
            got = tally.step(step, ei)
            assert (got.attempted, got.failed) == (ref.attempted, ref.failed)
            assert got.error_rate == ref.error_rate
            judged = ref.p95_ms if ref.p95_ms is not None else (ref.max_ms if ref.n else None)
            assert got.judged_p95() == judged


@settings(max_examples=150, deadline=None)
@given(st.lists(ROW, max_size=300))
def test_tick_tally_matches_a_scan(rows: list[tuple[int, int, float, float, float, tuple[int, int]]]) -> None:
    samples, tally = _fill(rows)
    tick = tally.take_tick()
    assert tally.tick.completed == [0, 0, 0]  # a fresh tick starts
    ref = TickTally(3)
    for i in range(len(samples)):
        ei, status, error = samples.endpoint[i], samples.status[i], samples.error[i]
        ref.completed[ei] += 1
        ref.failed[ei] += is_failure(status, error)
        if counts_latency(status, error):
            ref.latency_ms[ei].append((samples.done[i] - samples.intended[i]) * 1000)
        if error != DROPPED:
            ref.lag_ms.append((samples.sent[i] - samples.intended[i]) * 1000)
        ref.shed += status in (429, 503)
    assert (tick.completed, tick.failed, tick.shed) == (ref.completed, ref.failed, ref.shed)
    assert [sorted(x) for x in tick.latency_ms] == [sorted(x) for x in ref.latency_ms]
    assert sorted(tick.lag_ms) == sorted(ref.lag_ms)
    kinds = {"timeout": 0, "5xx": 0, "connect": 0, "429": 0, "dropped": 0, "other": 0}
    for status, error in zip(samples.status, samples.error, strict=True):
        if error != OK:
            kinds[{TIMEOUT: "timeout", CONNECT: "connect", DROPPED: "dropped"}.get(error, "other")] += 1
        elif status >= 500 or status == 429:
            kinds["5xx" if status >= 500 else "429"] += 1
    assert tick.errors == kinds


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(0, 3000), max_size=60), min_size=1, max_size=5), st.floats(0, 3000))
def test_window_p95_above_is_the_exact_p95_test(seconds: list[list[float]], limit: float) -> None:
    buckets = []
    for values in seconds:
        tick = TickTally(1)
        tick.latency_ms[0].extend(values)
        buckets.append(bucket_of(tick, [limit]))
    everything = sorted(v for values in seconds for v in values)
    got = window_p95_above(buckets, 0, limit)
    if len(everything) < 20:
        assert got is None
    else:
        exact = percentile(everything, 95)
        assert got == (exact if exact > limit else None)
