"""Running tallies the engine keeps as answers arrive, so nothing during a run re-reads the raw samples.

The raw samples (``samples.Samples``) stay the one source of the reported figures, computed once at the
end. During the run the engine needs three things every second and at every step boundary: the tick's
counts and running p95 (the live chart), the abort rules' rolling window, and each step's error rate and
p95 (retire an endpoint that broke its target before the next step). Scanning the samples for those took
3 ms a second at 5 k answers/s and 200 ms at the boundary after a 120 k-request step; during that time the
event loop reads no answer, so the scan itself showed up in the latencies it measured. Here each answer
costs a few increments and two appends, and a tick costs one sort of that second's latencies.

Classification is ``samples.is_failure`` / ``counts_latency`` (the same rules as the final summary); the
common case (an answer below 300) takes the shortest path.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from launchready_tui.loadgen.samples import (
    CONNECT,
    DNS,
    DROPPED,
    MIN_N_P95,
    OK,
    TIMEOUT,
    TLS,
    counts_latency,
    is_failure,
    nearest_rank,
    percentile,
)

ERROR_KEYS = ("timeout", "5xx", "connect", "429", "dropped", "other")


@dataclass(slots=True)
class TickTally:
    """One second of answers (of any step), per endpoint."""

    n_endpoints: int
    completed: list[int] = field(init=False)
    failed: list[int] = field(init=False)
    latency_ms: list[list[float]] = field(init=False)  # from the intended send, per endpoint
    lag_ms: list[float] = field(default_factory=list)  # actual send minus intended send
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ERROR_KEYS, 0))
    shed: int = 0  # 429/503: the target is shedding load

    def __post_init__(self) -> None:
        self.completed = [0] * self.n_endpoints
        self.failed = [0] * self.n_endpoints
        self.latency_ms = [[] for _ in range(self.n_endpoints)]


@dataclass(slots=True)
class StepTally:
    """One endpoint in one step so far: what ``retire_on_breach`` judges at the step's end."""

    attempted: int = 0
    failed: int = 0
    latency_ms: array[float] = field(default_factory=lambda: array("d"))

    @property
    def error_rate(self) -> float:
        return self.failed / self.attempted if self.attempted else 0.0

    def judged_p95(self) -> float | None:
        """p95 from at least 20 samples, else the slowest one (n < 20: the nearest-rank p95 is the maximum)."""
        if not self.latency_ms:
            return None
        if len(self.latency_ms) < MIN_N_P95:
            return max(self.latency_ms)
        return percentile(sorted(self.latency_ms), 95)


class Tally:
    """The engine's per-answer bookkeeping: the current tick and every (step, endpoint) so far."""

    def __init__(self, n_endpoints: int) -> None:
        self.n_endpoints = n_endpoints
        self.tick = TickTally(n_endpoints)
        self.steps: dict[tuple[int, int], StepTally] = {}

    def take_tick(self) -> TickTally:
        done, self.tick = self.tick, TickTally(self.n_endpoints)
        return done

    def step(self, step: int, ei: int) -> StepTally:
        st = self.steps.get((step, ei))
        if st is None:
            st = self.steps[(step, ei)] = StepTally()
        return st

    def add(self, ei: int, step: int, intended: float, sent: float, done: float, status: int, error: int) -> None:
        tick = self.tick
        st = self.steps.get((step, ei)) or self.step(step, ei)
        tick.completed[ei] += 1
        st.attempted += 1
        if error == OK and 0 < status < 300:  # the common case: an answer, nothing to classify
            ms = (done - intended) * 1000
            tick.latency_ms[ei].append(ms)
            st.latency_ms.append(ms)
            tick.lag_ms.append((sent - intended) * 1000)
            return
        if is_failure(status, error):
            tick.failed[ei] += 1
            st.failed += 1
        errors = tick.errors
        if error == TIMEOUT:
            errors["timeout"] += 1
        elif error in (CONNECT, DNS, TLS):
            errors["connect"] += 1
        elif error == DROPPED:
            errors["dropped"] += 1
        elif error != OK:
            errors["other"] += 1
        elif status >= 500:
            errors["5xx"] += 1
        elif status == 429:
            errors["429"] += 1
        if status in (429, 503):
            tick.shed += 1
        if error != DROPPED:
            tick.lag_ms.append((sent - intended) * 1000)
        if counts_latency(status, error):
            ms = (done - intended) * 1000
            tick.latency_ms[ei].append(ms)
            st.latency_ms.append(ms)


@dataclass(slots=True)
class Bucket:
    """One tick in the abort rules' rolling window, reduced to what the rules ask."""

    completed: int
    failed: int
    shed: int
    latency_ms: list[list[float]]  # kept to name the p95 when the rule fires
    over: list[int]  # per endpoint: latencies above the abort threshold


def bucket_of(tick: TickTally, thresholds_ms: list[float]) -> Bucket:
    over = [sum(map(limit.__lt__, lat)) for limit, lat in zip(thresholds_ms, tick.latency_ms, strict=True)]
    return Bucket(sum(tick.completed), sum(tick.failed), tick.shed, tick.latency_ms, over)


def window_p95_above(buckets: list[Bucket], ei: int, limit_ms: float) -> float | None:
    """The window's exact p95 for endpoint ``ei`` when it is above ``limit_ms`` (counted, then named), else None.

    Nearest rank: p95 = v[r - 1] of the sorted values with r = ⌈0.95·n⌉, so p95 > limit exactly when fewer
    than r values are <= limit; only then are the values sorted, to name the p95 in the stop reason.
    """
    n = sum(len(b.latency_ms[ei]) for b in buckets)
    if n < MIN_N_P95:
        return None
    over = sum(b.over[ei] for b in buckets)
    if n - over >= nearest_rank(95, n):
        return None
    values = sorted(v for b in buckets for v in b.latency_ms[ei])
    return percentile(values, 95)
