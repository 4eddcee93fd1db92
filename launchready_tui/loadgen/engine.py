"""The load engine: open and closed models on one keep-alive HTTP/1.1 client, run inside the generator process.

* **Open model** (the verdicts): each endpoint has a schedule of arrivals at a fixed rate; request k of a
  step is *intended* at ``start + k / rate`` and is sent then, whether or not earlier requests have been
  answered. Latency is timed from the intended time, so a server stall shows in p95/p99 instead of being
  hidden by a generator that politely waits (coordinated omission). The time from the actual send is kept
  beside it; the gap between the two is our own scheduling lag (the self-check).
* **Closed model** (for comparison with wrk): N users per endpoint, each sends, waits for the answer,
  thinks ``think_ms`` and repeats (0 = back-to-back).

Safety lives here too, because only the generator sees every answer at once: an in-flight cap (an arrival
that finds it full is *dropped* and counted), budgets for total and AI requests, and the abort rules of
loadtest.md §7 (error spike, the target shedding load with 429/503, consecutive connection failures,
p95 far above target twice in a row). Stopping (abort or cancel) cancels in-flight requests at once and
keeps everything measured so far.

The client is ``http1.Http1Client`` (asyncio protocols + llhttp), not httpx (its pool costs 19-52x
aiohttp's throughput at 50-100 connections, loadtest.md §3) and no longer aiohttp (85-100 µs of CPU per
request against ~20 µs for this engine end to end: at 100 users that difference is a ~8 ms queue in the
reported tail; see http1.py). The hot path allocates little beyond the request's own future (and task,
in the open model): endpoints are encoded once, samples go to ``array`` columns and running tallies
(tally.py) instead of being rescanned every second, errors are formatted only when they happen.
uvloop is used when installed.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yarl import URL

from launchready_tui.loadgen.dns import AddressSource, ssl_context
from launchready_tui.loadgen.http1 import Http1Client, RequestFailed, Target
from launchready_tui.loadgen.payloads import Prepared, prepare
from launchready_tui.loadgen.plan import ERROR_SLO, LoadPlan
from launchready_tui.loadgen.samples import (
    CONNECT,
    DNS,
    DROPPED,
    ERROR_NAMES,
    OK,
    PROTOCOL,
    TIMEOUT,
    TLS,
    Samples,
    StepStats,
    summarize,
    window_p95,
)
from launchready_tui.loadgen.tally import Bucket, Tally, bucket_of, window_p95_above

Emit = Callable[[dict[str, Any]], None]
_clock = time.perf_counter
TICK_S = 1.0
WARMUP_STEP = -1


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


@dataclass(slots=True)
class StepWindow:
    index: int
    users: int
    start: float
    end: float
    cpu_start: float
    cpu_end: float = 0.0
    endpoints: list[int] = field(default_factory=list)  # endpoints loaded in this step

    @property
    def duration(self) -> float:
        return max(self.end - self.start, 1e-9)

    @property
    def cpu_cores(self) -> float:
        return max(self.cpu_end - self.cpu_start, 0.0) / self.duration


class Engine:
    def __init__(self, plan: LoadPlan, emit: Emit) -> None:
        self.plan = plan
        self.emit = emit
        self.samples = Samples()
        self.names = [e.name for e in plan.endpoints]
        self.prepared: list[Prepared] = [prepare(e, plan) for e in plan.endpoints]
        # Encoded once (ValueError in plain words for a header that cannot be sent): a request costs a write.
        self.targets = [Target.build(p.method, p.url, p.headers, p.body) for p in self.prepared]
        self.fresh_query = [p.fresh_query for p in self.prepared]
        self.timeout_s = [e.timeout_s for e in plan.endpoints]
        self.ai_flags = [e.ai for e in plan.endpoints]
        self.client = Http1Client(AddressSource(plan.network), ssl_context(plan.network))
        self.cap = plan.in_flight_cap()
        self.in_flight = 0
        self.ep_in_flight = [0] * len(plan.endpoints)
        self.stop_event = asyncio.Event()
        self.stop_reason: str | None = None
        self.cancelled = False
        self.retired: dict[str, str] = {}
        self.sent_total = 0
        self.ai_sent = 0
        self.unfinished = 0
        self.consecutive_connect = 0
        self.first_errors: dict[str, dict[str, str]] = {}
        self.windows: list[StepWindow] = []
        self.current: StepWindow | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.t0 = time.perf_counter()
        # Rolling per-second buckets for the abort rules (tally.Bucket), and each endpoint's p95 abort threshold
        self.tally = Tally(len(plan.endpoints))
        self._buckets: deque[Bucket] = deque(maxlen=max(1, math.ceil(plan.abort.window_s / TICK_S)))
        self._abort_ms = [plan.abort.slo_multiple * e.slo_ms for e in plan.endpoints]
        self._slo_strikes = [0] * len(plan.endpoints)
        self._tick_cpu = _cpu_seconds()
        self._tick_time = time.perf_counter()
        self._cpu0 = self._tick_cpu

    # -- control -------------------------------------------------------------------------------

    def now(self) -> float:
        return _clock() - self.t0

    def request_stop(self, reason: str, cancelled: bool = False) -> None:
        if self.stop_event.is_set():
            return
        self.stop_reason = reason
        self.cancelled = cancelled
        self.stop_event.set()
        for task in list(self.tasks):
            task.cancel()

    def _retire(self, ei: int, reason: str) -> None:
        name = self.names[ei]
        if name not in self.retired:
            self.retired[name] = reason
            self.emit({"type": "retired", "endpoint": name, "reason": reason, "t": round(self.now(), 3)})

    # -- requests ------------------------------------------------------------------------------

    def _launch(self, ei: int, step: int, intended: float) -> None:
        if self.in_flight >= self.cap:
            t = self.now()
            self._record(ei, step, intended, t, t, 0, DROPPED)
            self.first_errors.setdefault(self.names[ei], {}).setdefault(
                "dropped", f"an arrival found {self.cap} requests already waiting (the in-flight cap)")
            return
        task = asyncio.get_running_loop().create_task(self._fire(ei, step, intended))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _record(self, ei: int, step: int, intended: float, sent: float, done: float, status: int,
                error: int) -> None:
        self.samples.add(ei, step, intended, sent, done, status, error)
        self.tally.add(ei, step, intended, sent, done, status, error)

    def _budget_ok(self, ei: int) -> bool:
        if self.sent_total >= self.plan.caps.max_requests:
            self.request_stop(f"the request cap of {self.plan.caps.max_requests:,} was reached")
            return False
        if self.plan.endpoints[ei].ai and self.ai_sent >= self.plan.caps.max_ai_requests:
            self._retire(ei, f"the AI budget of {self.plan.caps.max_ai_requests} calls per run was reached")
            return False
        return True

    async def _fire(self, ei: int, step: int, intended: float) -> None:
        if not self._budget_ok(ei):
            return
        self.sent_total += 1
        if self.ai_flags[ei]:
            self.ai_sent += 1
        self.in_flight += 1
        self.ep_in_flight[ei] += 1
        t0 = self.t0
        sent = _clock() - t0
        status, error, message = 0, OK, ""
        try:
            target = self.targets[ei]
            head = None if not self.fresh_query[ei] else target.with_path(self._fresh_path(ei))
            status, done_at = await self.client.request(target, self.timeout_s[ei], head)
            done = done_at - t0
        except asyncio.CancelledError:
            self.unfinished += 1
            raise
        except TimeoutError:
            error, message = TIMEOUT, f"no complete answer within {self.timeout_s[ei]:g} s"
        except RequestFailed as exc:
            error, message = exc.kind, exc.message
        except Exception as exc:  # never lose a request: an unforeseen failure is counted and named
            error, message = PROTOCOL, f"HTTP: {type(exc).__name__}: {exc}"
        finally:
            self.in_flight -= 1
            self.ep_in_flight[ei] -= 1
        if error != OK:
            done = _clock() - t0
            self.first_errors.setdefault(self.names[ei], {}).setdefault(ERROR_NAMES[error], message[:300])
        elif status >= 500 or status == 429 or 300 <= status < 400:
            self.first_errors.setdefault(self.names[ei], {}).setdefault(f"http_{status}", f"HTTP {status}")
        self._record(ei, step, intended, sent, done, status, error)
        if error in (CONNECT, DNS, TLS):
            self.consecutive_connect += 1
            if self.consecutive_connect >= self.plan.abort.consecutive_connect_failures:
                self.request_stop(f"stopped after {self.consecutive_connect} connection failures in a row "
                                  f"({message})")
        elif status > 0:
            self.consecutive_connect = 0

    def _fresh_path(self, ei: int) -> str:
        return URL(self.prepared[ei].url_for_request()).raw_path_qs

    # -- drivers -------------------------------------------------------------------------------

    async def _open_driver(self, ei: int, step: int, rate: float, start: float, end: float) -> None:
        interval = 1.0 / rate
        offset = interval * ei / max(1, len(self.names))  # endpoints interleave instead of firing together
        name = self.names[ei]
        k = 0
        while not self.stop_event.is_set() and name not in self.retired:
            intended = start + offset + k * interval
            if intended >= end:
                return
            delay = intended - self.now()
            if delay > 0:
                await asyncio.sleep(delay)
            elif k % 64 == 63:
                await asyncio.sleep(0)  # behind schedule: still let answers be read
            if self.stop_event.is_set():
                return
            self._launch(ei, step, intended)
            k += 1

    async def _closed_user(self, ei: int, step: int, end: float, first_delay: float) -> None:
        think = self.plan.think_ms / 1000
        name = self.names[ei]
        if first_delay > 0:
            await asyncio.sleep(first_delay)
        while self.now() < end and not self.stop_event.is_set() and name not in self.retired:
            t = self.now()
            await self._fire(ei, step, t)
            if think > 0:
                await asyncio.sleep(min(think, max(0.0, end - self.now())))

    def _start_step(self, step: int, users: int, rates: dict[str, float], start: float, end: float) -> None:
        active = [i for i, n in enumerate(self.names) if n not in self.retired and rates.get(n, 0) > 0]
        window = StepWindow(step, users, start, end, _cpu_seconds(), endpoints=active)
        self.current = window
        if step != WARMUP_STEP:
            self.windows.append(window)
        loop = asyncio.get_running_loop()
        for ei in active:
            ep = self.plan.endpoints[ei]
            if self.plan.model == "open":
                coro = self._open_driver(ei, step, rates[ep.name], start, end)
                task = loop.create_task(coro)
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            else:
                n = max(1, math.ceil(users * ep.weight))
                # Users start spread over one think time, as real users arrive (back-to-back: all at once,
                # like wrk; spreading them over a response time measured no better, see bench/load_vs_wrk.py).
                spread = min(self.plan.think_ms / 1000, 1.0)
                for u in range(n):
                    task = loop.create_task(self._closed_user(ei, step, end, spread * u / n))
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)

    async def _wait_until(self, t: float) -> None:
        delay = t - self.now()
        if delay <= 0 or self.stop_event.is_set():
            return
        try:
            await asyncio.wait_for(self.stop_event.wait(), timeout=delay)
        except TimeoutError:
            pass

    # -- live stats and the abort rules --------------------------------------------------------

    def _tick(self) -> None:
        tick = self.tally.take_tick()
        now = time.perf_counter()
        cpu = _cpu_seconds()
        cores = (cpu - self._tick_cpu) / max(now - self._tick_time, 1e-6)
        self._tick_cpu, self._tick_time = cpu, now
        self._buckets.append(bucket_of(tick, self._abort_ms))
        window = self.current
        per_ep = {}
        for ei, name in enumerate(self.names):
            p95 = window_p95(tick.latency_ms[ei])
            per_ep[name] = {"completed": tick.completed[ei], "failed": tick.failed[ei],
                            "in_flight": self.ep_in_flight[ei], "p95_ms": None if p95 is None else round(p95, 1)}
        lag = window_p95(tick.lag_ms)
        self.emit({
            "type": "tick", "t": round(self.now(), 3),
            "step": None if window is None else window.index, "users": None if window is None else window.users,
            "completed": sum(tick.completed), "in_flight": self.in_flight, "errors": tick.errors,
            "cpu": round(cores, 3), "lag_p95_ms": None if lag is None else round(lag, 2),
            "endpoints": per_ep, "retired": sorted(self.retired),
        })
        self._check_abort()

    def _check_abort(self) -> None:
        a = self.plan.abort
        buckets = list(self._buckets)
        comp = sum(b.completed for b in buckets)
        fail = sum(b.failed for b in buckets)
        shed = sum(b.shed for b in buckets)
        if comp >= a.min_completions and fail / comp > a.error_rate:
            self.request_stop(f"stopped: {fail} of {comp} requests failed in the last {a.window_s:g} s "
                              f"(above {a.error_rate:.0%}), to avoid taking the site down")
            return
        if shed >= a.shed_responses:
            self.request_stop(f"stopped: the target answered 429/503 {shed} times in {a.window_s:g} s; "
                              "it is shedding load, and we respect that")
            return
        for ei, ep in enumerate(self.plan.endpoints):
            p95 = window_p95_above(buckets, ei, self._abort_ms[ei])
            if p95 is not None:
                self._slo_strikes[ei] += 1
                if self._slo_strikes[ei] >= a.slo_windows:
                    self.request_stop(f"stopped: {ep.name} p95 was {p95:.0f} ms, above {a.slo_multiple:g}x its "
                                      f"{ep.slo_ms:.0f} ms target, {a.slo_windows} times in a row")
                    return
            else:
                self._slo_strikes[ei] = 0

    async def _ticker(self) -> None:
        next_t = time.perf_counter() + TICK_S
        while True:
            await asyncio.sleep(max(0.0, next_t - time.perf_counter()))
            next_t += TICK_S
            self._tick()

    def _breached(self, window: StepWindow) -> None:
        """After a step: endpoints that broke their target are not pushed harder (retire_on_breach)."""
        for ei in window.endpoints:
            ep = self.plan.endpoints[ei]
            st = self.tally.step(window.index, ei)
            p95 = st.judged_p95()
            if st.attempted and st.error_rate >= ERROR_SLO:
                self._retire(ei, f"{st.error_rate:.1%} errors at {window.users} users")
            elif p95 is not None and p95 >= ep.slo_ms:
                self._retire(ei, f"p95 {p95:.0f} ms at {window.users} users (target < {ep.slo_ms:.0f} ms)")

    # -- the run -------------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        plan = self.plan
        self.t0 = time.perf_counter()
        self._cpu0 = _cpu_seconds()
        ticker = asyncio.get_running_loop().create_task(self._ticker())
        self.emit({"type": "started", "in_flight_cap": self.cap, "steps": len(plan.steps), "model": plan.model})
        try:
            t = self.now()
            if plan.warmup_seconds > 0 and plan.steps:
                first = plan.steps[0]
                self.emit({"type": "step", "step": WARMUP_STEP, "users": first.users, "t": round(t, 3)})
                self._start_step(WARMUP_STEP, first.users, first.rates, t, t + plan.warmup_seconds)
                t += plan.warmup_seconds
                await self._wait_until(t)
            for i, step in enumerate(plan.steps):
                if self.stop_event.is_set():
                    break
                if all(n in self.retired for n in self.names):
                    self.stop_reason = self.stop_reason or "every endpoint reached its limit"
                    break
                t = max(t, self.now())
                self.emit({"type": "step", "step": i, "users": step.users, "t": round(t, 3)})
                self._start_step(i, step.users, step.rates, t, t + plan.step_seconds)
                t += plan.step_seconds
                await self._wait_until(t)
                window = self.windows[-1]
                window.end = min(self.now(), t)
                window.cpu_end = _cpu_seconds()
                if plan.retire_on_breach and not self.stop_event.is_set():
                    self._breached(window)
            self.current = None  # ticks from here on are the drain, not a step
            await self._drain()
        finally:
            ticker.cancel()
            for task in list(self.tasks):
                task.cancel()
            if self.tasks:
                await asyncio.wait(list(self.tasks), timeout=1.0)
            self.client.close()
        if self.windows and self.windows[-1].cpu_end == 0.0:
            self.windows[-1].cpu_end = _cpu_seconds()
            self.windows[-1].end = min(self.windows[-1].end, self.now())
        self._tick()
        return self.summary()

    async def _drain(self) -> None:
        """After the last step: let answers still on their way arrive (bounded by their own timeouts)."""
        if self.stop_event.is_set() or not self.tasks:
            return
        deadline = self.now() + max(e.timeout_s for e in self.plan.endpoints) + 1
        stopper = asyncio.get_running_loop().create_task(self.stop_event.wait())
        try:
            while self.tasks and not self.stop_event.is_set() and self.now() < deadline:
                await asyncio.wait([*self.tasks, stopper], timeout=deadline - self.now(),
                                   return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()

    # -- results -------------------------------------------------------------------------------

    def step_stats(self) -> list[tuple[StepWindow, StepStats]]:
        s = self.samples
        groups: dict[tuple[int, int], list[int]] = {}
        answered_at: dict[int, list[float]] = {}
        for i in range(len(s)):
            groups.setdefault((s.step[i], s.endpoint[i]), []).append(i)
            if s.status[i] > 0:
                answered_at.setdefault(s.endpoint[i], []).append(s.done[i])
        out = []
        for w in self.windows:
            for ei in w.endpoints:
                ep = self.plan.endpoints[ei]
                rows = groups.get((w.index, ei), [])
                if self.plan.model == "open":
                    offered = self.plan.steps[w.index].rates[ep.name]
                else:
                    offered = len(rows) / w.duration
                st = summarize(s, rows, ep.name, w.users, offered, w.duration)
                st.completed_in_window = sum(1 for t in answered_at.get(ei, []) if w.start <= t < w.end)
                out.append((w, st))
        return out

    def summary(self) -> dict[str, Any]:
        rows = []
        for w, st in self.step_stats():
            rows.append({"step": w.index, "row": st.contract(), "details": st.details()})
        windows = [{"step": w.index, "users": w.users, "start": round(w.start, 3), "end": round(w.end, 3),
                    "cpu_cores": round(w.cpu_cores, 3), "endpoints": [self.names[e] for e in w.endpoints]}
                   for w in self.windows]
        warm = [i for i in range(len(self.samples)) if self.samples.step[i] == WARMUP_STEP]
        cpu_run = _cpu_seconds() - self._cpu0
        return {
            "type": "result", "run_id": self.plan.run_id, "model": self.plan.model, "in_flight_cap": self.cap,
            "steps": rows, "windows": windows, "retired": self.retired, "stop_reason": self.stop_reason,
            "cancelled": self.cancelled, "requests": len(self.samples), "warmup_requests": len(warm),
            "unfinished": self.unfinished, "first_errors": self.first_errors, "elapsed_s": round(self.now(), 3),
            "cpu_seconds": round(cpu_run, 3), "connections_opened": self.client.opened,
        }
