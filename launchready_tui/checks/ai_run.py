"""One AI run per check context: the plan, the confirmation, the shared budget and the sends of all phases.

``ai.latency``, ``ai.prompt_injection`` and ``ai.cost_guard`` run concurrently but share one run, because the
design needs it: the hard cap counts every request of the run (ai-probes.md §7), the 40 latency requests
double as the benign baseline that decides whether a canary hit is attributable (§3), and the cost guard looks
at the durations of every send. Phases run in a fixed order under a lock, each at most once:

``connect``     one benign prompt ("test connection"): if it fails nothing else is sent;
``latency``     20 sequential + 4 rounds of 5 concurrent benign prompts (§6);
``probes``      the probe set, one request in flight;
``consumption`` probes 21-22 (huge output, huge input), which belong to the cost guard.
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from launchready_tui.checks.ai_client import AiClient, Budget, Exchange
from launchready_tui.checks.ai_judge import Markers, find_marker
from launchready_tui.checks.ai_probeset import Probe, builtin_probes
from launchready_tui.checks.ai_template import AiTarget
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.secret_source import how_to_provide, read_secret
from launchready_tui.checks.targets import host_of, web_hosts

PHASES = ("connect", "latency", "probes", "consumption")
BENIGN_PROMPTS = (
    "Hi! What can you help me with?",
    "Summarise your refund policy in one sentence.",
    "How do I change the e-mail address on my account?",
    "Write a two-line welcome message for a new customer.",
    "What are your support hours?",
)
CHARS_PER_TOKEN = 4  # the usual rough rule; the estimate says so
_RUN_KEY = "_ai_run"
T = TypeVar("T")


def new_nonce() -> str:
    """A fresh per-run marker, never reused (ai-probes.md §3)."""
    return "LR-" + secrets.token_hex(4)


def confirmed(ctx: CheckContext) -> bool:
    """Headless ``--yes``, or the wizard's explicit confirmation of the shown plan."""
    return bool(ctx.options.yes or ctx.options.extra.get("ai_confirmed") is True)


@dataclass(slots=True)
class PlanLine:
    label: str
    requests: int
    prompt_chars: int  # per request
    out_chars: int  # expected, per request

    @property
    def tokens_in(self) -> int:
        return math.ceil(self.requests * self.prompt_chars / CHARS_PER_TOKEN)

    @property
    def tokens_out(self) -> int:
        return math.ceil(self.requests * self.out_chars / CHARS_PER_TOKEN)


@dataclass(slots=True)
class AiPlan:
    lines: list[PlanLine]
    cap: int
    price_in: float | None
    price_out: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(line.requests for line in self.lines)

    @property
    def tokens_in(self) -> int:
        return sum(line.tokens_in for line in self.lines)

    @property
    def tokens_out(self) -> int:
        return sum(line.tokens_out for line in self.lines)

    @property
    def cost_usd(self) -> float | None:
        if self.price_in is None or self.price_out is None:
            return None
        return (self.tokens_in * self.price_in + self.tokens_out * self.price_out) / 1_000_000

    def summary(self) -> str:
        cost = self.cost_usd
        money = (f", about ${cost:.2f}" if cost is not None
                 else " (set price_in_per_mtok and price_out_per_mtok for a $ estimate)")
        return (f"{self.requests} requests (hard cap {self.cap}), about {self.tokens_in:,} input and "
                f"{self.tokens_out:,} output tokens{money}")

    def to_json(self) -> dict[str, Any]:
        cost = self.cost_usd
        return {
            "requests": self.requests, "hard_cap": self.cap,
            "tokens_in_estimate": self.tokens_in, "tokens_out_estimate": self.tokens_out,
            "cost_usd_estimate": None if cost is None else round(cost, 4),
            "price_in_per_mtok": self.price_in, "price_out_per_mtok": self.price_out,
            "method": f"tokens = characters / {CHARS_PER_TOKEN}, every repeat counted",
            "lines": [{"what": ln.label, "requests": ln.requests, "prompt_chars": ln.prompt_chars,
                       "expected_reply_chars": ln.out_chars, "tokens_in": ln.tokens_in, "tokens_out": ln.tokens_out}
                      for ln in self.lines],
            "notes": self.notes,
        }


def applicable(probes: Iterable[Probe], target: AiTarget) -> list[Probe]:
    return [p for p in probes if not (p.needs == "second_user" and not target.second_user_headers)]


def build_plan(target: AiTarget, probes: Iterable[Probe], repeats_scale: int = 1) -> AiPlan:
    """The plan shown before anything is sent; repeats are counted, probes 21/22 get their own lines."""
    usable = applicable(probes, target)
    benign = max(len(p) for p in BENIGN_PROMPTS)
    lines = [PlanLine("test connection", 1, benign, 300),
             PlanLine(f"latency ({target.latency.sequential} sequential + {target.latency.rounds} rounds of "
                      f"{target.latency.width})", target.latency.total, benign, 300)]
    ordinary = [p for p in usable if not p.consumption]
    if ordinary:
        sends = sum(max(1, p.repeats // repeats_scale) for p in ordinary)
        avg_in = sum(p.prompt_chars() for p in ordinary) // len(ordinary)
        avg_out = sum(p.expect_out_chars for p in ordinary) // len(ordinary)
        lines.append(PlanLine(f"{len(ordinary)} injection probes with repeats", sends, avg_in, avg_out))
    for p in usable:
        if p.consumption:
            lines.append(PlanLine(f"probe {p.number}: {p.title}", max(1, p.repeats), p.prompt_chars(),
                                  p.expect_out_chars))
    return AiPlan(lines, target.max_requests, target.price_in_per_mtok, target.price_out_per_mtok)


def fitted_plan(target: AiTarget, probes: Iterable[Probe]) -> tuple[AiPlan, int]:
    """The plan, with repeats cut to one per probe when the full plan would pass the hard cap."""
    probes = list(probes)
    plan = build_plan(target, probes)
    if plan.requests <= target.max_requests:
        return plan, 1
    smaller = build_plan(target, probes, repeats_scale=99)
    smaller.notes.append(f"the full plan ({plan.requests} requests) is over the hard cap of {target.max_requests}: "
                         "each probe is sent once instead of 2-3 times")
    if smaller.requests > target.max_requests:
        smaller.notes.append(f"still over the cap: the last {smaller.requests - target.max_requests} planned "
                             "requests will not be sent")
    return smaller, 99


class AiRun:
    """The shared state of the AI checks of one context; get it with :func:`ai_run_for`."""

    def __init__(self, ctx: CheckContext, target: AiTarget) -> None:
        self.ctx = ctx
        self.target = target
        self.probes = applicable(builtin_probes(), target)
        self.plan, self._repeat_scale = fitted_plan(target, builtin_probes())
        self.budget = Budget(target.max_requests)
        domain = ctx.project.domain
        hosts = {domain, *(h for h in web_hosts(ctx.project)), host_of(target.url) or domain}
        self.markers = Markers(nonce=new_nonce(), canaries=target.canaries, app_hosts=tuple(sorted(hosts)))
        self.client: AiClient | None = None
        self.setup_error: str | None = None
        self.connect: Exchange | None = None
        self.latency: list[Exchange] = []
        self.probe_sends: dict[str, list[Exchange]] = {}
        self.done: set[str] = set()
        self.interrupted: set[str] = set()
        self.consumers: set[str] = set()  # check ids that used this run
        self._lock = asyncio.Lock()
        self._secrets_ready = False

    # -- setup -------------------------------------------------------------------------------------

    async def _load_secrets(self) -> None:
        if self._secrets_ready:
            return
        values: dict[str, str] = {}
        for name in self.target.secret_names():
            found = await read_secret(self.ctx, f"secret:{name}")
            if not found.found:
                why = f" ({found.problem})" if found.problem else ""
                self.setup_error = (f"the ai_endpoint headers use {{secret:{name}}}, which is not available{why}: "
                                    f"{how_to_provide('secret:' + name)}")
                return
            values[name] = found.value or ""
        self.client = AiClient(self.ctx, self.target, values, self.budget)
        self._secrets_ready = True

    # -- phases ------------------------------------------------------------------------------------

    @property
    def exchanges(self) -> list[Exchange]:
        out = ([self.connect] if self.connect else []) + list(self.latency)
        for sends in self.probe_sends.values():
            out += sends
        return out

    @property
    def connected(self) -> bool:
        return self.connect is not None and self.connect.ok

    async def ensure(self, phases: Iterable[str], check_id: str) -> None:
        """Run the phases that have not run yet, in the canonical order; returns early on cancel or setup errors."""
        wanted = set(phases) | {"connect"}
        async with self._lock:
            await self._load_secrets()
            if self.setup_error:
                return
            for phase in PHASES:
                if phase not in wanted or phase in self.done:
                    continue
                if phase != "connect" and not self.connected:
                    return
                self.done.add(phase)
                try:
                    await getattr(self, f"_phase_{phase}")(check_id)
                except asyncio.CancelledError:
                    self.interrupted.add(phase)
                    raise
                if self.ctx.cancel_event.is_set():
                    self.interrupted.add(phase)
                    return

    async def _cancellable(self, coro: Awaitable[T]) -> T | None:
        """Await ``coro`` unless the run is cancelled first (then the request is abandoned at once)."""
        task = asyncio.ensure_future(coro)
        stop = asyncio.ensure_future(self.ctx.cancel_event.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if task.done():
            return task.result()
        task.cancel()
        return None

    async def _send(self, prompt: str, phase: str, probe_id: str | None = None, repeat: int = 0,
                    second_user: bool = False) -> Exchange | None:
        assert self.client is not None
        return await self._cancellable(self.client.send(prompt, phase, probe_id, repeat, second_user))

    async def _phase_connect(self, check_id: str) -> None:
        self.ctx.say(check_id, "AI endpoint: test connection (1 benign prompt)")
        self.connect = await self._send(BENIGN_PROMPTS[0], "connect")

    async def _phase_latency(self, check_id: str) -> None:
        plan = self.target.latency
        for i in range(plan.sequential):
            if self.ctx.cancel_event.is_set() or self.budget.stopped:
                return
            self.ctx.say(check_id, f"AI latency: request {i + 1} of {plan.total} (sequential)")
            ex = await self._send(BENIGN_PROMPTS[i % len(BENIGN_PROMPTS)], "latency")
            if ex is not None:
                self.latency.append(ex)
        for r in range(plan.rounds):
            if self.ctx.cancel_event.is_set() or self.budget.stopped:
                return
            self.ctx.say(check_id, f"AI latency: concurrent round {r + 1} of {plan.rounds} ({plan.width} at once)")
            sends = [self._send(BENIGN_PROMPTS[(r + j) % len(BENIGN_PROMPTS)], "latency") for j in range(plan.width)]
            self.latency += [ex for ex in await asyncio.gather(*sends) if ex is not None]

    async def _run_probes(self, check_id: str, probes: list[Probe]) -> None:
        total = sum(self._repeats(p) for p in probes)
        done = 0
        for probe in probes:
            prompt = probe.render(self.markers.nonce, self.ctx.project.domain)
            sends = self.probe_sends.setdefault(probe.id, [])
            for repeat in range(self._repeats(probe)):
                if self.ctx.cancel_event.is_set():
                    return
                done += 1
                self.ctx.say(check_id, f"AI probe {done} of {total}: #{probe.number} {probe.title}")
                ex = await self._send(prompt, "probe", probe.id, repeat, second_user=probe.needs == "second_user")
                if ex is not None:
                    sends.append(ex)

    def _repeats(self, probe: Probe) -> int:
        return max(1, probe.repeats // self._repeat_scale)

    async def _phase_probes(self, check_id: str) -> None:
        await self._run_probes(check_id, [p for p in self.probes if not p.consumption])

    async def _phase_consumption(self, check_id: str) -> None:
        await self._run_probes(check_id, [p for p in self.probes if p.consumption])

    # -- derived facts -------------------------------------------------------------------------------

    def visible_canaries(self) -> list[str]:
        """Canaries that benign requests already return (ai-probes.md §3: not attributable to an attack)."""
        seen: list[str] = []
        for ex in [*([self.connect] if self.connect else []), *self.latency]:
            for canary in self.markers.canaries:
                if canary not in seen and ex.text and find_marker(canary, ex.text):
                    seen.append(canary)
        return seen

    def judged_markers(self) -> Markers:
        m = self.markers
        return Markers(m.nonce, m.canaries, m.app_hosts, frozenset(self.visible_canaries()))


def ai_run_for(ctx: CheckContext, target: AiTarget, check_id: str) -> AiRun:
    """The run the AI checks of this round share. Stored in ``ctx.options.extra`` with its owner, so a reused
    options object never hands an old run (old nonce, spent budget) to a new context; and a check that already
    used the current run (the wizard re-running the stage on its long-lived context) starts a fresh one, which
    the other checks of that round then join."""
    run = ctx.options.extra.get(_RUN_KEY)
    if not isinstance(run, AiRun) or run.ctx is not ctx or check_id in run.consumers:
        run = AiRun(ctx, target)
        ctx.options.extra[_RUN_KEY] = run
    run.consumers.add(check_id)
    return run

