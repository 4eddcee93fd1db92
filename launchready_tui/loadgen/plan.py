"""The load plan: endpoints, the user steps converted to request rates (Little's law), caps and limits.

A plan is plain data that crosses the process boundary as JSON (parent -> generator child on stdin), so
everything here is a dataclass of JSON-able values. Validation happens once, in :func:`validate`, with
messages worded for the founder ("--step-seconds must be between 1 and 60"); the engine trusts a valid plan.

Little's law (loadtest.md §2): ``rate ≈ N / (R + Z)`` for N active users, response time R and think time
Z. Each step of the founder's user list becomes an arrival rate per endpoint that is shown before the run.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Model = Literal["open", "closed"]
EndpointKind = Literal["core", "ai", "upload", "auth_callback", "webhook_retry"]
KINDS: tuple[str, ...] = ("core", "ai", "upload", "auth_callback", "webhook_retry")

CORE_SLO_MS = 500.0
AI_SLO_MS = 2000.0
ERROR_SLO = 0.01  # errors + timeouts must stay under 1 %
DEFAULT_USERS = (10, 25, 50, 100)
DEFAULT_THINK_MS = 5000
DEFAULT_STEP_SECONDS = 30.0
DEFAULT_WARMUP_SECONDS = 5.0
# Response time assumed for the users -> rate conversion when stage 1 measured nothing.
ASSUMED_CORE_MS = 200.0
ASSUMED_AI_MS = 1000.0
CORE_TIMEOUT_S = 10.0
AI_TIMEOUT_S = 15.0


class PlanError(ValueError):
    """A plan that cannot run; the message is one plain sentence for the founder."""


MAX_AI_BUDGET = 10_000  # even a founder who raises the AI budget cannot make one run cost a fortune


@dataclass(frozen=True, slots=True)
class Caps:
    """Safety bounds (loadtest.md §7): a founder-facing tool must not be a DoS button."""

    max_users: int = 100  # per step
    max_rps: float = 500.0  # offered, all endpoints together, per step
    hard_max_rps: float = 2000.0  # what one generator process can honestly drive
    max_step_seconds: float = 60.0
    max_run_seconds: float = 600.0
    max_requests: int = 600_000
    max_ai_requests: int = 300  # AI calls cost money: a hard budget per run
    max_in_flight: int = 1000


@dataclass(frozen=True, slots=True)
class Abort:
    """When the generator stops on its own, keeping partial results (loadtest.md §7)."""

    window_s: float = 5.0
    min_completions: int = 20
    error_rate: float = 0.05  # errors + timeouts in the rolling window
    shed_responses: int = 10  # 429/503 answers in the window: the target is shedding load
    consecutive_connect_failures: int = 3
    slo_multiple: float = 3.0  # p95 above 3x the SLO ...
    slo_windows: int = 2  # ... in this many windows in a row


@dataclass(slots=True)
class LoadEndpoint:
    name: str
    url: str
    method: str = "GET"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "core"  # one of KINDS
    weight: float = 1.0  # share of each user's requests (1 = every user calls it once per cycle)
    expected_ms: float = ASSUMED_CORE_MS  # R in Little's law
    timeout_s: float = CORE_TIMEOUT_S
    upload_bytes: int = 0  # kind "upload": size of the generated file
    upload_field: str = "file"

    @property
    def ai(self) -> bool:
        return self.kind == "ai"

    @property
    def slo_ms(self) -> float:
        return AI_SLO_MS if self.ai else CORE_SLO_MS


@dataclass(slots=True)
class Step:
    users: int
    rates: dict[str, float]  # endpoint name -> arrivals per second (open model) / expected rate (closed)

    @property
    def total_rps(self) -> float:
        return sum(self.rates.values())


@dataclass(slots=True)
class Network:
    """The project's network overrides, applied by the generator's own resolver (see loadgen/dns.py)."""

    nameservers: list[str] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    connect_to: list[str] = field(default_factory=list)
    ca_file: str | None = None
    dns_timeout: float = 3.0


@dataclass(slots=True)
class LoadPlan:
    endpoints: list[LoadEndpoint]
    steps: list[Step]
    model: str = "open"
    think_ms: float = DEFAULT_THINK_MS
    step_seconds: float = DEFAULT_STEP_SECONDS
    warmup_seconds: float = DEFAULT_WARMUP_SECONDS
    network: Network = field(default_factory=Network)
    caps: Caps = field(default_factory=Caps)
    abort: Abort = field(default_factory=Abort)
    retire_on_breach: bool = True  # an endpoint that broke its target is not pushed harder in later steps
    run_id: str = field(default_factory=lambda: secrets.token_hex(6))
    user_agent: str = "launchready-loadtest"
    quick: bool = False  # the short sanity plan of a whole audit (the note says so)

    # -- derived -----------------------------------------------------------------------------

    def endpoint(self, name: str) -> LoadEndpoint:
        return next(e for e in self.endpoints if e.name == name)

    def in_flight_cap(self) -> int:
        """Requests allowed to wait at once: room for queueing, never unbounded sockets (32 to the cap)."""
        if self.model == "closed":
            peak_users = max((s.users for s in self.steps), default=1)
            need = sum(math.ceil(peak_users * e.weight) for e in self.endpoints)
        else:
            peak = max(self.steps, key=lambda s: s.total_rps) if self.steps else None
            busy = 0.0 if peak is None else sum(
                peak.rates.get(e.name, 0.0) * e.expected_ms / 1000 for e in self.endpoints)
            # 4x the expected concurrency, and at least 2 s of arrivals: a server pause of up to 2 s is
            # measured as waiting (the honest latency), not turned into drops
            need = math.ceil(max(4 * busy, 2 * (peak.total_rps if peak else 0.0)))
        return int(min(self.caps.max_in_flight, max(32, need)))

    def expected_requests(self) -> int:
        if self.model == "closed":
            return int(sum(s.total_rps for s in self.steps) * self.step_seconds)
        return int(sum(s.total_rps for s in self.steps) * self.step_seconds)

    def expected_ai_requests(self) -> int:
        ai = {e.name for e in self.endpoints if e.ai}
        return int(sum(r for s in self.steps for n, r in s.rates.items() if n in ai) * self.step_seconds)

    def duration_s(self) -> float:
        return self.warmup_seconds + self.step_seconds * len(self.steps)

    def describe(self) -> list[str]:
        """The plan in the founder's words, shown before the run."""
        z = self.think_ms / 1000
        lines = []
        if self.model == "open":
            lines.append(f"open model: requests arrive on schedule whatever the response time "
                         f"(users -> req/s with think time {z:g} s, Little's law)")
        else:
            lines.append(f"closed model: each user waits for the answer, then thinks {z:g} s "
                         "(stalls are under-sampled: for comparison with wrk-style numbers)")
        for i, s in enumerate(self.steps, 1):
            per = ", ".join(f"{n} {r:.1f} req/s" for n, r in s.rates.items())
            lines.append(f"step {i}: {s.users} users -> {per} ({s.total_rps:.1f} req/s in total)")
        lines.append(f"{self.step_seconds:g} s per step after {self.warmup_seconds:g} s of warm-up; about "
                     f"{self.expected_requests():,} requests in {self.duration_s():.0f} s")
        if (ai := self.expected_ai_requests()) > 0:
            budget = self.caps.max_ai_requests
            if ai <= budget:
                lines.append(f"AI endpoints: about {ai:,} calls (budget {budget:,}); each costs what your AI "
                             "provider charges per call")
            else:
                lines.append(f"AI endpoints: the plan would make about {ai:,} calls, but they stop at the budget "
                             f"of {budget:,} (load.max_ai_requests){self._budget_runs_out()}; each call costs "
                             "what your AI provider charges")
        return lines

    def _budget_runs_out(self) -> str:
        """Where the AI budget is spent: ', during step 3 (50 users)', counting the warm-up at step 1's rate."""
        ai = {e.name for e in self.endpoints if e.ai}
        spent = 0.0
        for i, s in enumerate(self.steps, 1):
            per_s = sum(r for n, r in s.rates.items() if n in ai)
            spent += per_s * (self.step_seconds + (self.warmup_seconds if i == 1 else 0.0))
            if spent > self.caps.max_ai_requests:
                return f", during step {i} ({s.users} users)" if s.users else f", during step {i}"
        return ""

    # -- JSON --------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadPlan:
        return cls(
            endpoints=[LoadEndpoint(**e) for e in data["endpoints"]],
            steps=[Step(int(s["users"]), {k: float(v) for k, v in s["rates"].items()}) for s in data["steps"]],
            model=data["model"], think_ms=float(data["think_ms"]), step_seconds=float(data["step_seconds"]),
            warmup_seconds=float(data["warmup_seconds"]), network=Network(**data["network"]),
            caps=Caps(**data["caps"]), abort=Abort(**data["abort"]),
            retire_on_breach=bool(data["retire_on_breach"]), run_id=str(data["run_id"]),
            user_agent=str(data["user_agent"]), quick=bool(data.get("quick", False)),
        )


def implied_rate(users: int, think_ms: float, expected_ms: float, weight: float = 1.0) -> float:
    """Little's law: arrivals per second that ``users`` active users produce on one endpoint."""
    if not (math.isfinite(think_ms) and think_ms >= 0):
        raise PlanError(f"--think-ms must be 0 or more (got {think_ms:g})")
    cycle_s = (think_ms + expected_ms) / 1000
    if cycle_s <= 0:
        raise PlanError("think time plus response time must be above zero to turn users into a request rate")
    return users * weight / cycle_s


def implied_users(rate: float, think_ms: float, expected_ms: float, weight: float = 1.0) -> int:
    return max(1, round(rate * (think_ms + expected_ms) / 1000 / max(weight, 1e-9)))


def build_steps(endpoints: list[LoadEndpoint], users: list[int], think_ms: float,
                rates: list[float] | None = None) -> list[Step]:
    """One step per user count (or per fixed rate, ``--rate``), with each endpoint's arrival rate."""
    if rates:
        steps = []
        for r in rates:
            rep = endpoints[0] if endpoints else None
            n = implied_users(r, think_ms, rep.expected_ms, rep.weight) if rep else 0
            steps.append(Step(n, {e.name: float(r) * e.weight for e in endpoints}))
        return steps
    return [Step(n, {e.name: implied_rate(n, think_ms, e.expected_ms, e.weight) for e in endpoints})
            for n in users]


def parse_users(text: str) -> list[int]:
    """``"10,25,50,100"`` -> [10, 25, 50, 100], with a plain message for anything else."""
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = int(part)
        except ValueError:
            raise PlanError(f"--users: {part!r} is not a whole number (example: --users 10,25,50,100)") from None
        out.append(value)
    if not out:
        raise PlanError("--users: give at least one user count (example: --users 10,25,50,100)")
    return out


def parse_rates(text: str) -> list[float]:
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = float(part)
        except ValueError:
            raise PlanError(f"--rate: {part!r} is not a number of requests per second") from None
        if not math.isfinite(value):  # nan/inf would pass the range checks and crash the schedule
            raise PlanError(f"--rate: {part!r} is not a number of requests per second")
        out.append(value)
    return out


def header_sendable(name: str, value: str) -> bool:
    """A header that fits on its own line of an HTTP/1.1 request (no injection of another header)."""
    return bool(name) and not any(c in name for c in " \t\r\n:\0") and not any(c in value for c in "\r\n\0")


def validate(plan: LoadPlan) -> None:
    """Raise PlanError with a plain sentence when the plan cannot or must not run."""
    caps = plan.caps
    if plan.model not in ("open", "closed"):
        raise PlanError(f"the load model must be 'open' or 'closed', not {plan.model!r}")
    if not plan.endpoints:
        raise PlanError("no endpoint to load: list your endpoints in the project file (endpoints:)")
    for e in plan.endpoints:
        if e.kind not in KINDS:
            raise PlanError(f"endpoint {e.name}: kind must be one of {', '.join(KINDS)}, not {e.kind!r}")
        if not e.url.lower().startswith(("http://", "https://")):
            raise PlanError(f"endpoint {e.name}: {e.url!r} is not an http:// or https:// URL")
        if not (e.weight > 0 and math.isfinite(e.weight)):
            raise PlanError(f"endpoint {e.name}: weight must be above zero")
        if not 0 < e.timeout_s <= 120:
            raise PlanError(f"endpoint {e.name}: timeout must be between 0 and 120 s")
        for name, value in e.headers.items():
            if not header_sendable(name, str(value)):
                raise PlanError(f"endpoint {e.name}: the header {name!r} cannot be sent (an empty name, a space "
                                "or colon in the name, or a line break in the value)")
        if e.kind == "upload" and not 0 < e.upload_bytes <= 100 * 1024 * 1024:
            raise PlanError(f"endpoint {e.name}: upload size must be between 1 byte and 100 MB")
    if not (math.isfinite(plan.think_ms) and 0 <= plan.think_ms <= 600_000):
        raise PlanError(f"--think-ms must be between 0 and 600000 (got {plan.think_ms:g})")
    if not plan.steps:
        raise PlanError("the plan has no step: give at least one user count or rate")
    if not (math.isfinite(plan.step_seconds) and 1 <= plan.step_seconds <= caps.max_step_seconds):
        raise PlanError(f"--step-seconds must be between 1 and {caps.max_step_seconds:g} "
                        f"(got {plan.step_seconds:g})")
    if not (math.isfinite(plan.warmup_seconds) and 0 <= plan.warmup_seconds <= 60):
        raise PlanError(f"the warm-up must be between 0 and 60 s (got {plan.warmup_seconds:g})")
    for i, s in enumerate(plan.steps, 1):
        if s.users < 1:
            raise PlanError(f"step {i}: {s.users} users; every step needs at least 1 user")
        if s.users > caps.max_users:
            raise PlanError(f"step {i}: {s.users} users is above the safety cap of {caps.max_users} per step")
        for name, r in s.rates.items():
            if not (math.isfinite(r) and r > 0):
                raise PlanError(f"step {i}: the rate for {name} must be above zero (got {r:g})")
        if plan.model == "open" and s.total_rps > min(caps.max_rps, caps.hard_max_rps):
            raise PlanError(f"step {i}: {s.total_rps:.0f} req/s is above the safety cap of "
                            f"{min(caps.max_rps, caps.hard_max_rps):.0f} req/s")
    if plan.duration_s() > caps.max_run_seconds:
        raise PlanError(f"the run would take {plan.duration_s():.0f} s; the cap is {caps.max_run_seconds:.0f} s "
                        "(fewer steps or shorter steps)")
    if not 1 <= caps.max_ai_requests <= MAX_AI_BUDGET:
        raise PlanError(f"load.max_ai_requests must be between 1 and {MAX_AI_BUDGET:,} (got {caps.max_ai_requests})")
    if plan.expected_requests() > caps.max_requests:
        raise PlanError(f"the run would send about {plan.expected_requests():,} requests; the cap is "
                        f"{caps.max_requests:,}")
