"""Stage 6: the load sanity test. One generator run per audit, shared by the five ``load.*`` checks.

Flow of the shared run (:func:`shared_run`, cached on the context so the five checks wait for one run):

1. the plan: the project's endpoints (``ai: true`` -> 2 s target; ``load: {kind: upload|auth_callback|
   webhook_retry}`` for the expensive paths), the user steps (``--users``, default 10/25/50/100) turned into
   request rates with Little's law, caps checked (loadgen/plan.py);
2. safety: every host routed and resolved like the generator will; a host that is not loopback needs the
   owner's confirmation in ``load.confirmed_targets`` (``--yes`` / ``--yes-i-own-this`` records it), else the
   checks are ``skipped`` and say why;
3. a pre-flight request per endpoint through the project's HTTP client, so an unreachable host, a DNS
   failure, a TLS failure or a redirect is reported in plain words before any load is sent;
4. the generator process runs the plan (loadgen/process.py); every per-second event goes to ``ctx.say``
   and to in-process listeners (the wizard's live chart, :func:`subscribe`);
5. verdicts, the knee and the capacity note (loadgen/analysis.py).

Options come from ``ctx.options.extra["load"]`` (the ``loadtest`` command and the wizard set them) over the
project file's ``load:`` keys (``users``, ``step_seconds``, ``think_ms``, ``model``, ``warmup_seconds``).
A run stopped by the user (``extra["load"]["stop_event"]``, Esc in the wizard, Ctrl-C in the CLI) keeps
its partial results; the checks then say they are partial.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.targets import core_endpoints, host_of
from launchready_tui.core.model import Impact, Outcome, Status
from launchready_tui.core.project import Endpoint
from launchready_tui.loadgen.analysis import CPU_WARN, Analysis, analyse
from launchready_tui.loadgen.plan import (
    AI_TIMEOUT_S,
    ASSUMED_AI_MS,
    ASSUMED_CORE_MS,
    CORE_TIMEOUT_S,
    DEFAULT_STEP_SECONDS,
    DEFAULT_THINK_MS,
    DEFAULT_USERS,
    DEFAULT_WARMUP_SECONDS,
    KINDS,
    Caps,
    LoadEndpoint,
    LoadPlan,
    Network,
    PlanError,
    build_steps,
    validate,
)
from launchready_tui.loadgen.safety import Target, inspect_targets, record_confirmations, refusal, unconfirmed

# The short plan of a whole audit (see is_quick): about 20 s of load instead of two minutes.
QUICK_USERS = (10, 25, 50)
QUICK_STEP_SECONDS = 5.0
QUICK_WARMUP_SECONDS = 1.0
PLAN_KEYS = ("users", "rates", "step_seconds", "think_ms", "model", "warmup_seconds")

LOAD_IDS = ("load.core_p95", "load.ai_p95", "load.error_rate", "load.capacity", "load.generator_health")
RUN_KEY = "load.run"  # ctx.options.extra: the shared run (an asyncio task)
OPTIONS_KEY = "load"  # ctx.options.extra: options from the CLI / the wizard

Listener = Callable[[dict[str, Any]], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Receive every generator event of load runs in this process (the wizard's chart). Returns unsubscribe."""
    _listeners.append(listener)

    def unsubscribe() -> None:
        with contextlib.suppress(ValueError):
            _listeners.remove(listener)

    return unsubscribe


def _publish(event: dict[str, Any]) -> None:
    for listener in list(_listeners):
        with contextlib.suppress(Exception):  # a broken listener must not break the measurement
            listener(event)


@dataclass(slots=True)
class LoadRun:
    plan: LoadPlan | None = None
    analysis: Analysis | None = None
    skipped: str | None = None  # not run on purpose (no confirmation, nothing to load)
    error: str | None = None  # could not measure
    preflight: dict[str, str] = field(default_factory=dict)  # endpoint -> why it was left out
    targets: list[Target] = field(default_factory=list)
    confirmed_now: list[str] = field(default_factory=list)  # confirmation lines added to the project

    @property
    def cancelled(self) -> bool:
        return bool(self.analysis and self.analysis.result.get("cancelled"))


# --------------------------------------------------------------------------- the plan from the project


def _options(ctx: CheckContext) -> dict[str, Any]:
    opts = ctx.options.extra.get(OPTIONS_KEY)
    return opts if isinstance(opts, dict) else {}


def _setting(ctx: CheckContext, key: str, default: Any) -> Any:
    opts = _options(ctx)
    if opts.get(key) is not None:
        return opts[key]
    value = ctx.project.load.get(key) if isinstance(ctx.project.load, dict) else None
    return default if value is None else value


def _stage1_ms(ctx: CheckContext) -> dict[str, float]:
    """p50 per endpoint measured by http.response_time in this session, for Little's law."""
    result = ctx.results.get("http.response_time")
    out: dict[str, float] = {}
    for row in (result.evidence.get("endpoints") if result else None) or []:
        if isinstance(row, dict) and isinstance(row.get("p50_ms"), int | float):
            out[str(row.get("name"))] = float(row["p50_ms"])
    return out


def load_endpoint(ep: Endpoint, measured_ms: float | None = None) -> LoadEndpoint:
    spec = ep.extra.get("load") if isinstance(ep.extra.get("load"), dict) else {}
    kind = str(spec.get("kind") or ("ai" if ep.ai else "core"))
    if kind not in KINDS:
        raise PlanError(f"endpoint {ep.name}: load.kind must be one of {', '.join(KINDS)}, not {kind!r}")
    ai = kind == "ai" or ep.ai
    if ep.ai and kind != "ai":
        kind = "ai"  # an AI endpoint keeps its 2 s target whatever else it is
    try:
        size = int(spec.get("upload_bytes") or 0) or int(float(spec.get("upload_kb") or 0) * 1024)
        weight = float(spec.get("weight", 1.0))
        timeout = float(spec.get("timeout_s") or (AI_TIMEOUT_S if ai else CORE_TIMEOUT_S))
    except (TypeError, ValueError):
        raise PlanError(f"endpoint {ep.name}: load.upload_kb, load.weight and load.timeout_s must be numbers") \
            from None
    if kind == "upload" and size <= 0:
        size = 1024 * 1024  # 1 MiB: a typical photo or PDF
    expected = measured_ms if measured_ms and measured_ms > 0 else (ASSUMED_AI_MS if ai else ASSUMED_CORE_MS)
    return LoadEndpoint(name=ep.name, url=ep.url, method=ep.method, body=ep.body, headers=dict(ep.headers),
                        kind=kind, weight=weight, expected_ms=expected, timeout_s=timeout, upload_bytes=size,
                        upload_field=str(spec.get("field") or "file"))


def _selected(ctx: CheckContext) -> list[Endpoint]:
    endpoints = core_endpoints(ctx.project)
    names = _options(ctx).get("endpoints") or []
    if not names:
        return endpoints
    known = {e.name: e for e in endpoints}
    missing = [n for n in names if n not in known]
    if missing:
        raise PlanError(f"no endpoint named {', '.join(missing)} in the project (known: {', '.join(known)})")
    return [known[n] for n in names]


def _network(ctx: CheckContext) -> Network:
    http = ctx.http
    overrides = ctx.resolver.overrides
    resolve = [f"{h}:{p}:{','.join(f'[{x}]' if ':' in x else x for x in a)}"
               for (h, p), a in overrides.resolve.items()]
    connect = [f"{r.host or ''}:{r.port or ''}:{r.to_host}:{r.to_port}" for r in overrides.connect_to]
    nameservers = [f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in ctx.resolver.servers]
    return Network(nameservers=nameservers, resolve=resolve, connect_to=connect,
                   ca_file=getattr(http, "ca_file", None), dns_timeout=ctx.resolver.timeout)


def build_plan(ctx: CheckContext, measured: dict[str, float] | None = None) -> LoadPlan:
    """The plan from the project, the session's measurements and the options; raises PlanError."""
    stage1 = {**_stage1_ms(ctx), **(measured or {})}
    endpoints = [load_endpoint(e, stage1.get(e.name)) for e in _selected(ctx)]
    quick = is_quick(ctx)
    think = _number(_setting(ctx, "think_ms", DEFAULT_THINK_MS), "--think-ms")
    users = _setting(ctx, "users", list(QUICK_USERS if quick else DEFAULT_USERS))
    if not isinstance(users, list) or not all(isinstance(u, int) for u in users):
        raise PlanError("load.users must be a list of whole numbers, like [10, 25, 50, 100]")
    rates = _setting(ctx, "rates", None) or None
    if rates is not None and (not isinstance(rates, list) or not all(
            isinstance(r, int | float) and not isinstance(r, bool) for r in rates)):
        raise PlanError("load.rates must be a list of arrivals per second, like [5, 10, 20]")
    plan = LoadPlan(
        endpoints=endpoints, steps=build_steps(endpoints, users, think, rates),
        model=str(_setting(ctx, "model", "open")), think_ms=think,
        step_seconds=_number(_setting(ctx, "step_seconds", QUICK_STEP_SECONDS if quick else DEFAULT_STEP_SECONDS),
                             "--step-seconds"),
        warmup_seconds=_number(_setting(ctx, "warmup_seconds", QUICK_WARMUP_SECONDS if quick
                                        else DEFAULT_WARMUP_SECONDS), "the warm-up"),
        network=_network(ctx), quick=quick, caps=_caps(ctx),
    )
    if isinstance(_options(ctx).get("abort"), dict):
        from dataclasses import replace

        plan.abort = replace(plan.abort, **_options(ctx)["abort"])
    return plan


def preview(ctx: CheckContext) -> list[str]:
    """The full plan (what the wizard's Run sends) in the founder's words, without sending anything.

    Raises PlanError. ``ctx`` is not changed: an audit of stage 6 still runs its quick plan."""
    opts = {**_options(ctx), "explicit": True}
    view = dataclasses.replace(ctx, options=dataclasses.replace(
        ctx.options, extra={**ctx.options.extra, OPTIONS_KEY: opts}))
    plan = build_plan(view)
    validate(plan)
    return plan.describe()


def _caps(ctx: CheckContext) -> Caps:
    budget = _setting(ctx, "max_ai_requests", None)
    if budget is None:
        return Caps()
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise PlanError(f"load.max_ai_requests must be a whole number of AI calls, not {budget!r}")
    return Caps(max_ai_requests=budget)


def is_quick(ctx: CheckContext) -> bool:
    """Inside a whole audit (nobody asked for the load test itself, the project sets no plan) the load checks
    run a short sanity plan, so an audit stays a few minutes; ``launchready loadtest``, the wizard's load
    chart and a project ``load:`` plan get the full one."""
    if _options(ctx).get("explicit") or any(k in _options(ctx) for k in PLAN_KEYS):
        return False
    settings = ctx.project.load if isinstance(ctx.project.load, dict) else {}
    return not any(k in settings for k in PLAN_KEYS)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):  # YAML `true` is not 1 second
        raise PlanError(f"{what} must be a number, not {str(value).lower()}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise PlanError(f"{what} must be a number, not {value!r}") from None


# --------------------------------------------------------------------------- the shared run


async def shared_run(ctx: CheckContext) -> LoadRun:
    """The one load run of this context; the first caller starts it, the others wait for the same run."""
    # The wizard builds one context per run sharing ``options``: a run is identified by its cancel event.
    cached = ctx.options.extra.get(RUN_KEY)
    if isinstance(cached, tuple) and cached[0] is ctx.cancel_event:
        task = cached[1]
    else:
        if cached is not None:
            _options_dict(ctx)["stop_event"] = asyncio.Event()  # a new run starts unstopped
        task = asyncio.ensure_future(_run(ctx))
        ctx.options.extra[RUN_KEY] = (ctx.cancel_event, task)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        _stop_event(ctx).set()  # the checks were cancelled: stop the generator too, keep what it measured
        raise


def _options_dict(ctx: CheckContext) -> dict[str, Any]:
    opts = ctx.options.extra.get(OPTIONS_KEY)
    if not isinstance(opts, dict):
        opts = ctx.options.extra[OPTIONS_KEY] = {}
    return opts


def _stop_event(ctx: CheckContext) -> asyncio.Event:
    opts = _options_dict(ctx)
    ev = opts.get("stop_event")
    if not isinstance(ev, asyncio.Event):
        ev = opts["stop_event"] = asyncio.Event()
    return ev


_active_stops: set[asyncio.Event] = set()


def stop(ctx: CheckContext) -> None:
    """Stop this context's load run now (Esc / Ctrl-C): partial results are kept."""
    _stop_event(ctx).set()


def stop_all() -> bool:
    """Stop every load run of this process (the wizard's Stop key); True when one was running."""
    running = [ev for ev in _active_stops if not ev.is_set()]
    for ev in running:
        ev.set()
    return bool(running)


def running() -> bool:
    return any(not ev.is_set() for ev in _active_stops)


async def _preflight(ctx: CheckContext, plan: LoadPlan) -> tuple[dict[str, str], dict[str, float]]:
    """One request per endpoint through the project's client: clear reasons before any load is sent."""
    from launchready_tui.loadgen.payloads import prepare
    from launchready_tui.net.http import FetchError

    problems: dict[str, str] = {}
    timings: dict[str, float] = {}
    for ep in plan.endpoints:
        ctx.say("load.capacity", f"checking {ep.name} before the load ({ep.url})")
        prep = prepare(ep, plan)
        try:
            resp = await ctx.http.fetch(prep.url_for_request(), method=prep.method, headers=prep.headers,
                                        content=prep.body, timeout=ep.timeout_s, body_cap=1024 * 1024)
        except FetchError as exc:
            problems[ep.name] = f"{ep.name}: {exc.message}"
            continue
        if resp.is_redirect:
            problems[ep.name] = (f"{ep.name}: {ep.url} redirects (HTTP {resp.status}) to "
                                 f"{resp.headers.get('location')}; load the final URL instead (the generator never "
                                 "follows redirects, so it cannot send load to another host)")
            continue
        timings[ep.name] = resp.timings.total_ms
    return problems, timings


async def _run(ctx: CheckContext) -> LoadRun:
    run = LoadRun()
    try:
        plan = build_plan(ctx)
        validate(plan)
    except PlanError as exc:
        return LoadRun(error=str(exc))
    run.plan = plan
    run.targets = await inspect_targets(plan, ctx.resolver, ctx.resolver.overrides)
    missing = unconfirmed(run.targets, plan, ctx.project.load)
    if missing:
        if not ctx.options.yes:
            run.skipped = refusal(missing, plan)
            return run
        run.confirmed_now = record_confirmations(ctx.project.load, missing, plan)
    if ctx.cancel_event.is_set() or _stop_event(ctx).is_set():
        run.skipped = "cancelled before the load started"
        return run
    problems, timings = await _preflight(ctx, plan)
    run.preflight = problems
    reachable = [e.name for e in plan.endpoints if e.name not in problems]
    if not reachable:
        run.error = "could not reach any endpoint, so no load was sent: " + "; ".join(problems.values())
        return run
    # Rebuild with the reachable endpoints and the measured response times (Little's law needs R).
    opts = _options_dict(ctx)
    saved = opts.get("endpoints")
    opts["endpoints"] = reachable
    try:
        plan = build_plan(ctx, measured={n: t for n, t in timings.items() if n in reachable})
        validate(plan)
    except PlanError as exc:
        return LoadRun(error=str(exc), preflight=problems, targets=run.targets)
    finally:
        opts["endpoints"] = saved
    run.plan = plan
    for line in plan.describe():
        ctx.say("load.capacity", line)
    plan_event = {"type": "plan", "lines": plan.describe(), "endpoints": [e.name for e in plan.endpoints],
                  "users": [s.users for s in plan.steps], "slo_ms": {e.name: e.slo_ms for e in plan.endpoints}}
    _publish(plan_event)
    if callable(callback := _options(ctx).get("on_event")):
        callback(plan_event)
    run.analysis = await _generate(ctx, plan)
    if run.analysis is None:
        run.error = "the load generator could not run"
    else:
        _publish({"type": "done", "note": run.analysis.note, "safe_users": run.analysis.safe_users,
                  "breaks_first": run.analysis.breaks_first})
    return run


async def _generate(ctx: CheckContext, plan: LoadPlan) -> Analysis | None:
    from launchready_tui.loadgen.process import GeneratorError, LoadProcess

    stop_ev = _stop_event(ctx)

    async def link_cancel() -> None:
        await ctx.cancel_event.wait()
        stop_ev.set()

    linker = asyncio.ensure_future(link_cancel())
    _active_stops.add(stop_ev)
    user_callback = _options(ctx).get("on_event")

    def on_event(event: dict[str, Any]) -> None:
        if event.get("type") == "tick":
            ctx.say("load.capacity", _tick_line(event))
        elif event.get("type") == "retired":
            ctx.say("load.capacity", f"{event['endpoint']} is not pushed further: {event['reason']}")
        _publish(event)
        if callable(user_callback):
            user_callback(event)

    try:
        result = await LoadProcess(plan).run(on_event=on_event, stop=stop_ev)
    except GeneratorError as exc:
        ctx.say("load.capacity", str(exc))
        return Analysis(plan, {"steps": [], "windows": [], "stop_reason": str(exc)})
    finally:
        linker.cancel()
        _active_stops.discard(stop_ev)
    return analyse(plan, result)


def _tick_line(ev: dict[str, Any]) -> str:
    step = ev.get("step")
    head = "warm-up" if step == -1 else f"step {int(step) + 1}" if step is not None else "draining"
    eps = ", ".join(f"{n} p95 {v['p95_ms']:.0f} ms" for n, v in (ev.get("endpoints") or {}).items()
                    if v.get("p95_ms") is not None)
    errs = sum(int(v) for v in (ev.get("errors") or {}).values())
    users = f"{ev.get('users')} users, " if ev.get("users") is not None else ""
    return (f"{head}: {users}{ev.get('completed')} answers/s, {ev.get('in_flight')} in flight, "
            f"{errs} errors; {eps or 'no answer yet'}; generator {float(ev.get('cpu') or 0):.2f} core")


# --------------------------------------------------------------------------- the five checks


def _target(ctx: CheckContext, run: LoadRun) -> str:
    if run.plan and run.plan.endpoints:
        return host_of(run.plan.endpoints[0].url) or ctx.project.domain
    return ctx.project.domain


def _common_evidence(run: LoadRun) -> dict[str, Any]:
    ev: dict[str, Any] = {}
    if run.plan is not None:
        ev["plan"] = {"model": run.plan.model, "users": [s.users for s in run.plan.steps],
                      "peak_rps": round(max((s.total_rps for s in run.plan.steps), default=0.0), 2),
                      "think_ms": run.plan.think_ms, "step_seconds": run.plan.step_seconds,
                      "warmup_seconds": run.plan.warmup_seconds, "max_ai_requests": run.plan.caps.max_ai_requests,
                      "lines": run.plan.describe()}
    if run.preflight:
        ev["left_out"] = list(run.preflight.values())
    if run.targets:
        ev["targets"] = [{"host": t.host, "addresses": t.addresses, "loopback": t.loopback} for t in run.targets]
    if run.analysis is not None:
        res = run.analysis.result
        ev["run_id"] = res.get("run_id")
        if res.get("stop_reason"):
            ev["stop_reason"] = res["stop_reason"]
        ev["cancelled"] = bool(res.get("cancelled"))
    return ev


def _not_measured(ctx: CheckContext, run: LoadRun) -> Outcome | None:
    target = _target(ctx, run)
    if run.skipped:
        return Outcome(Status.SKIPPED, run.skipped, _common_evidence(run), target=target)
    if run.error:
        return Outcome(Status.ERROR, run.error, _common_evidence(run), target=target)
    if run.analysis is None or not run.analysis.cells:
        reason = (run.analysis.result.get("stop_reason") if run.analysis else None) or "nothing was measured"
        return Outcome(Status.ERROR, f"no load result: {reason}", _common_evidence(run), target=target)
    return None


def _partial_words(run: LoadRun) -> str:
    a = run.analysis
    if a is None:
        return ""
    if a.result.get("cancelled"):
        return f" (partial: stopped by you after {len(a.steps_run)} of {len(a.plan.steps)} steps)"
    if a.result.get("stop_reason") and len(a.steps_run) < len(a.plan.steps):
        return f" (stopped early: {a.result['stop_reason']})"
    return ""


def _latency_outcome(ctx: CheckContext, run: LoadRun, ai: bool, check_id: str) -> Outcome:
    if (early := _not_measured(ctx, run)) is not None:
        return early
    a = run.analysis
    assert a is not None and run.plan is not None
    cells = a.cells_for(ai)
    target = _target(ctx, run)
    ev = _common_evidence(run) | {"steps": a.contract_steps(ai), "details": a.details(ai)}
    what = "AI endpoint" if ai else "core endpoint"
    if not cells:
        if not any((e.ai == ai) for e in run.plan.endpoints) and not any(
                n for n in run.preflight if ai == _is_ai(ctx, n)):
            in_project = any(e.ai == ai for e in ctx.project.endpoints)
            if in_project:  # `loadtest --endpoint home` left them out: say so, not "there are none"
                words = f"no {what} was selected for this run (--endpoint)"
            else:
                words = "no endpoint is marked ai: true in the project" if ai else "every endpoint is an AI endpoint"
            return Outcome(Status.SKIPPED, words, ev, target=target)
        return Outcome(Status.ERROR, f"no {what} could be measured: " + "; ".join(run.preflight.values()), ev,
                       target=target)
    slo = 2000 if ai else 500
    slow = [c for c in cells if c.verdict == "slow"]
    failed = [c for c in cells if c.verdict == "mostly-failed"]
    unmeasured = [c for c in cells if c.verdict == "unmeasured"]
    fix = fix_for(check_id)
    if slow:
        first = min(slow, key=lambda c: c.step)
        names = sorted({c.endpoint for c in slow})
        return Outcome(Status.FAIL, f"{first.endpoint}: {first.reason}" + (
            f"; also slow: {', '.join(n for n in names if n != first.endpoint)}" if len(names) > 1 else "")
            + _partial_words(run), ev, fix=fix, target=target, blocker=first.step == 0,
            impact=Impact.SLOW_DEMO)
    if failed and len({c.endpoint for c in failed}) == len({c.endpoint for c in cells}):
        return Outcome(Status.ERROR, "could not time the answers: " + failed[0].reason +
                       " (see load.error_rate)", ev, target=target)
    if unmeasured and len(unmeasured) == len(cells):
        return Outcome(Status.ERROR, "not measured: " + unmeasured[0].reason, ev, target=target)
    judged = [c for c in cells if c.judged_ms is not None and c.verdict in ("ok", "errors")]
    top = max(c.users for c in cells)
    worst = max(judged, key=lambda c: c.judged_ms or 0.0) if judged else None
    summary = (f"every {what} answered within {slo} ms (p95) up to {top} users" +
               (f"; slowest: {worst.endpoint} {worst.judged_ms:.0f} ms at {worst.users} users" if worst else ""))
    warn_bits = []
    for c in judged:
        p95, p99 = c.row.get("p95_ms"), c.row.get("p99_ms")
        if p95 and p99 and p99 > 2 * p95 and p99 >= 0.5 * slo:
            warn_bits.append(f"{c.endpoint} has a long tail at {c.users} users (p99 {p99:.0f} ms vs p95 {p95:.0f} ms)")
    if unmeasured:
        warn_bits.append("some steps were not measured: " + unmeasured[0].reason)
    if run.plan.model == "closed":
        warn_bits.append("closed model: stalls are under-sampled, so this cannot pass alone; re-run with "
                         "--model open to confirm")
    if a.partial:
        warn_bits.append(_partial_words(run).strip(" ()"))
    if len(a.steps_run) < len(run.plan.steps) and not a.partial:
        warn_bits.append(f"only {len(a.steps_run)} of {len(run.plan.steps)} steps ran")
    if warn_bits:
        return Outcome(Status.WARN, summary + "; but " + "; ".join(warn_bits), ev, fix=fix, target=target)
    return Outcome(Status.PASS, summary, ev, target=target)


def _is_ai(ctx: CheckContext, name: str) -> bool:
    ep = ctx.project.endpoint(name)
    return bool(ep and ep.ai)


async def load_core_p95(ctx: CheckContext) -> Outcome:
    return _latency_outcome(ctx, await shared_run(ctx), ai=False, check_id="load.core_p95")


async def load_ai_p95(ctx: CheckContext) -> Outcome:
    return _latency_outcome(ctx, await shared_run(ctx), ai=True, check_id="load.ai_p95")


async def load_error_rate(ctx: CheckContext) -> Outcome:
    run = await shared_run(ctx)
    if (early := _not_measured(ctx, run)) is not None:
        return early
    a = run.analysis
    assert a is not None
    ev = _common_evidence(run) | {"steps": a.contract_steps(), "details": a.details()}
    target = _target(ctx, run)
    bad = [c for c in a.cells if c.verdict in ("errors", "mostly-failed")]
    # A 4xx on every request is a configuration problem (wrong body or token), not load: say so.
    misconfigured = sorted({c.endpoint for c in a.cells if c.details.get("attempted")
                            and c.details.get("status_4xx", 0) >= 0.5 * c.details["attempted"]})
    redirects = sorted({c.endpoint for c in a.cells if c.details.get("redirects")})
    if bad:
        first = min(bad, key=lambda c: (c.step, -float(c.row["error_rate"])))
        others = sorted({c.endpoint for c in bad} - {first.endpoint})
        return Outcome(Status.FAIL, f"{first.endpoint}: {first.reason}" +
                       (f"; also failing: {', '.join(others)}" if others else "") + _partial_words(run),
                       ev, fix=fix_for("load.error_rate"), target=target, blocker=first.step == 0,
                       impact=Impact.DOWNTIME)
    top = max(c.users for c in a.cells)
    total = sum(int(c.details.get("attempted", 0)) for c in a.cells)
    summary = f"errors and timeouts stayed under 1 % at every step up to {top} users ({total:,} requests)"
    warn = []
    if misconfigured:
        warn.append(f"{', '.join(misconfigured)} answered 4xx to most requests: the endpoint's body, headers or "
                    "token are probably wrong, so the load measured an error page")
    if redirects:
        warn.append(f"{', '.join(redirects)} answered with redirects (not followed)")
    if a.partial:
        warn.append(_partial_words(run).strip(" ()"))
    if warn:
        return Outcome(Status.WARN, summary + "; but " + "; ".join(warn), ev, fix=fix_for("load.error_rate"),
                       target=target)
    return Outcome(Status.PASS, summary, ev, target=target)


async def load_capacity(ctx: CheckContext) -> Outcome:
    run = await shared_run(ctx)
    if (early := _not_measured(ctx, run)) is not None:
        return early
    a = run.analysis
    assert a is not None and run.plan is not None
    target_users = run.plan.steps[-1].users
    ev = _common_evidence(run) | {
        "steps": a.contract_steps(), "note": a.note, "safe_users": a.safe_users, "breaks_first": a.breaks_first,
        "knee": a.knee_text or None, "target_users": target_users, "stalls": a.stalls,
    }
    first_line = a.note.splitlines()[0] if a.note else ""
    target = _target(ctx, run)
    fix = fix_for("load.capacity")
    if a.safe_users is None:
        if a.breaks_first is None:
            return Outcome(Status.ERROR, "no step could be judged: " + first_line, ev, target=target)
        return Outcome(Status.FAIL, f"breaks at the first step ({run.plan.steps[0].users} users): "
                       f"{a.breaks_first}: {a.breaks_how}", ev, fix=fix, target=target, blocker=True)
    if a.breaks_first is not None or a.safe_users < target_users:
        how = f"; breaks first: {a.breaks_first} ({a.breaks_how})" if a.breaks_first else ""
        status = Status.FAIL if a.breaks_first else Status.WARN
        return Outcome(status, f"safe today up to about {a.safe_users} users of the {target_users} planned{how}"
                       + _partial_words(run), ev, fix=fix if a.breaks_first else None, target=target)
    if a.partial or a.stalls or run.plan.model == "closed":
        extra = "; the server paused during the run (see the note)" if a.stalls else ""
        if run.plan.model == "closed":
            extra += "; closed model: confirm with --model open"
        return Outcome(Status.WARN, f"held {target_users} users{extra}{_partial_words(run)}", ev, fix=fix,
                       target=target)
    return Outcome(Status.PASS, f"nothing broke up to {target_users} users: " + first_line, ev, target=target)


async def load_generator_health(ctx: CheckContext) -> Outcome:
    run = await shared_run(ctx)
    if (early := _not_measured(ctx, run)) is not None:
        return early
    a = run.analysis
    assert a is not None
    rows = [{"step": h.step + 1, "users": h.users, "cpu_cores": round(h.cpu_cores, 3),
             "schedule_lag_p95_ms": h.lag_p95_ms, "drops": h.drops, "trustworthy": h.trustworthy,
             "reason": h.reason or h.note or None} for h in a.health]
    res = a.result
    requests = int(res.get("requests") or 0)
    cpu_s = float(res.get("cpu_seconds") or 0.0)
    ev = _common_evidence(run) | {
        "steps": a.contract_steps(), "generator": rows, "in_flight_cap": res.get("in_flight_cap"),
        "cpu_seconds": cpu_s, "cpu_ms_per_1000_requests": round(cpu_s * 1e6 / requests, 1) if requests else None,
        # few = keep-alive works; about one per request = the server closes every connection (TLS each time)
        "connections_opened": res.get("connections_opened"),
    }
    target = _target(ctx, run)
    if not a.health:
        return Outcome(Status.ERROR, "the generator reported no step", ev, target=target)
    peak_cpu = max(h.cpu_cores for h in a.health)
    lag = max((h.lag_p95_ms or 0.0) for h in a.health)
    bad = [h for h in a.health if not h.trustworthy]
    drops = sum(h.drops for h in a.health)
    base = f"generator used at most {peak_cpu:.2f} core, scheduling lag p95 {lag:.1f} ms, {drops} dropped"
    if bad:
        return Outcome(Status.ERROR, f"from {bad[0].users} users on the generator itself was the bottleneck "
                       f"({bad[0].reason}): those numbers are not trustworthy and do not count against your app; "
                       "use the k6 export to load from more machines", ev, fix=fix_for("load.generator_health"),
                       target=target)
    lag_notes = [h.note for h in a.health if h.note]
    if peak_cpu > CPU_WARN or drops or lag_notes:
        why = lag_notes[:1]
        if peak_cpu > CPU_WARN:
            why.append(f"CPU above {CPU_WARN} core")
        if drops:
            why.append(f"{drops} arrivals found {res.get('in_flight_cap')} requests already waiting and were "
                       "dropped (counted as errors)")
        return Outcome(Status.WARN, base + ": " + "; ".join(why), ev, fix=fix_for("load.generator_health"),
                       target=target)
    return Outcome(Status.PASS, base + ": the numbers measure your app, not our tool", ev, target=target)
