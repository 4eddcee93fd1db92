"""Raw request samples in column arrays, exact nearest-rank percentiles, and per-step summaries.

Every request is one row ``(endpoint, step, t_intended, t_sent, t_done, status, error)`` kept in
``array`` columns (8 bytes a float): a 10-minute run at 1 k req/s is a few MB. Percentiles are exact
nearest-rank values over the raw samples (index ⌈p·n⌉−1), so a reported p95 is a latency that happened;
hdrhistogram is not needed because one process holds all samples (loadtest.md §4: use HDR only to merge
several workers). Latency is timed from the *intended* send (open model, coordinated omission) and, next
to it, from the actual send.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Failure codes for requests that got no HTTP response.
OK, TIMEOUT, CONNECT, DNS, TLS, PROTOCOL, DROPPED = range(7)
ERROR_NAMES = {TIMEOUT: "timeout", CONNECT: "connect", DNS: "dns", TLS: "tls", PROTOCOL: "protocol",
               DROPPED: "dropped"}
# Below these sample counts a percentile is noise (rank-convention effects), so it is not reported.
MIN_N_P95 = 20
MIN_N_P99 = 100
RELIABLE_N_P99 = 1000


def nearest_rank(pct: float, n: int) -> int:
    """The 1-based rank of the ``pct`` percentile among ``n`` sorted values (⌈p·n⌉, at least 1)."""
    return max(1, math.ceil(pct / 100 * n))


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already-sorted ``values``."""
    return values[nearest_rank(pct, len(values)) - 1]


class Samples:
    """Column buffers, appended by the engine and read by summaries."""

    def __init__(self) -> None:
        self.endpoint = array("i")
        self.step = array("i")
        self.intended = array("d")
        self.sent = array("d")
        self.done = array("d")
        self.status = array("i")
        self.error = array("i")

    def __len__(self) -> int:
        return len(self.endpoint)

    def add(self, endpoint: int, step: int, intended: float, sent: float, done: float, status: int,
            error: int) -> None:
        self.endpoint.append(endpoint)
        self.step.append(step)
        self.intended.append(intended)
        self.sent.append(sent)
        self.done.append(done)
        self.status.append(status)
        self.error.append(error)

    def rows(self, start: int = 0, end: int | None = None) -> Iterable[int]:
        return range(start, len(self) if end is None else end)


def is_failure(status: int, error: int) -> bool:
    """Counted in the error rate: timeouts, connection errors, 5xx, 429 (shedding load) and dropped arrivals.

    Other 4xx answers are not load failures (the endpoint answered, probably a wrong body or token); they are
    reported apart so the founder fixes the endpoint configuration instead of reading it as overload.
    """
    if error != OK:
        return True
    return status >= 500 or status == 429


def counts_latency(status: int, error: int) -> bool:
    """Answers and timeouts carry a latency; a refused connection or a dropped arrival does not."""
    return status > 0 or error == TIMEOUT


@dataclass(slots=True)
class StepStats:
    endpoint: str
    users: int
    offered_rps: float
    duration_s: float
    attempted: int = 0
    answered: int = 0
    failed: int = 0
    timeouts: int = 0
    status_5xx: int = 0
    connect: int = 0
    status_429: int = 0
    status_4xx: int = 0
    status_3xx: int = 0
    protocol: int = 0
    dropped: int = 0
    n: int = 0  # latency samples
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    p95_send_ms: float | None = None
    lag_p95_ms: float | None = None
    longest_silence_ms: float = 0.0  # the longest time without any answer while requests were waiting
    completed_in_window: int | None = None  # answers (of any step) that arrived during this step's window

    @property
    def error_rate(self) -> float:
        total = self.attempted
        return self.failed / total if total else 0.0

    @property
    def rps(self) -> float:
        """Throughput: answers that arrived during the step, per second (falls behind offered past the knee)."""
        done = self.answered if self.completed_in_window is None else self.completed_in_window
        return done / self.duration_s if self.duration_s > 0 else 0.0

    def contract(self) -> dict[str, Any]:
        """The step row exactly as the contract's ``evidence.steps`` defines it."""
        return {
            "endpoint": self.endpoint, "users": self.users, "offered_rps": round(self.offered_rps, 2),
            "rps": round(self.rps, 2), "p50_ms": _r(self.p50_ms), "p95_ms": _r(self.p95_ms),
            "p99_ms": _r(self.p99_ms), "error_rate": round(self.error_rate, 4),
            "errors": {"timeout": self.timeouts, "5xx": self.status_5xx, "connect": self.connect},
        }

    def details(self) -> dict[str, Any]:
        """What the contract row leaves out: sample count, from-send p95, drops, other answers."""
        return {
            "endpoint": self.endpoint, "users": self.users, "n": self.n, "attempted": self.attempted,
            "answered": self.answered, "p95_send_ms": _r(self.p95_send_ms), "max_ms": _r(self.max_ms),
            "schedule_lag_p95_ms": _r(self.lag_p95_ms), "drops": self.dropped, "status_429": self.status_429,
            "status_4xx": self.status_4xx, "redirects": self.status_3xx, "protocol_errors": self.protocol,
            "duration_s": round(self.duration_s, 2), "p99_reliable": self.n >= RELIABLE_N_P99,
            "longest_silence_ms": round(self.longest_silence_ms, 1),
        }


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def summarize(samples: Samples, rows: Iterable[int], endpoint: str, users: int, offered_rps: float,
              duration_s: float) -> StepStats:
    st = StepStats(endpoint, users, offered_rps, duration_s)
    lat: list[float] = []
    lat_send: list[float] = []
    lag: list[float] = []
    answers: list[tuple[float, float]] = []  # (sent, done) of answered requests
    for i in rows:
        status, error = samples.status[i], samples.error[i]
        st.attempted += 1
        if status > 0:
            st.answered += 1
        if is_failure(status, error):
            st.failed += 1
        if error == TIMEOUT:
            st.timeouts += 1
        elif error in (CONNECT, DNS, TLS):
            st.connect += 1
        elif error == PROTOCOL:
            st.protocol += 1
        elif error == DROPPED:
            st.dropped += 1
            continue
        if 500 <= status < 600:
            st.status_5xx += 1
        elif status == 429:
            st.status_429 += 1
        elif 400 <= status < 500:
            st.status_4xx += 1
        elif 300 <= status < 400:
            st.status_3xx += 1
        lag.append((samples.sent[i] - samples.intended[i]) * 1000)
        if counts_latency(status, error):
            lat.append((samples.done[i] - samples.intended[i]) * 1000)
            lat_send.append((samples.done[i] - samples.sent[i]) * 1000)
            answers.append((samples.sent[i], samples.done[i]))
    st.longest_silence_ms = _longest_silence(answers) * 1000
    lat.sort()
    lat_send.sort()
    lag.sort()
    st.n = len(lat)
    if lat:
        st.p50_ms = percentile(lat, 50)
        st.max_ms = lat[-1]
    if st.n >= MIN_N_P95:
        st.p95_ms = percentile(lat, 95)
        st.p95_send_ms = percentile(lat_send, 95)
    if st.n >= MIN_N_P99:
        st.p99_ms = percentile(lat, 99)
    if lag:
        st.lag_p95_ms = percentile(lag, 95)
    return st


def _longest_silence(answers: list[tuple[float, float]]) -> float:
    """Longest stretch with requests waiting and no answer arriving: how a server pause looks from outside."""
    if len(answers) < 2:
        return 0.0
    answers.sort(key=lambda a: a[1])
    longest = 0.0
    prev_done = answers[0][1]
    for sent, done in answers[1:]:
        # the gap counts only from when this request was already waiting
        gap = done - max(prev_done, sent)
        longest = max(longest, gap)
        prev_done = done
    return longest


def window_p95(values: list[float]) -> float | None:
    if not values:
        return None
    values.sort()
    return percentile(values, 95)
