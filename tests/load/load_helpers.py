"""Plan helpers shared by the load tests (a module, not conftest, so tests can import it by name)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.lab import Lab
from launchready_tui.loadgen.plan import Abort, LoadEndpoint, LoadPlan, Network, Step

# Every abort rule switched off: for tests that must see errors pile up instead of the safety stop.
NO_ABORT = Abort(error_rate=1.01, shed_responses=10**9, consecutive_connect_failures=10**9, slo_multiple=1e9)


def lab_network(lab: Lab) -> Network:
    return Network(nameservers=[lab.nameserver], connect_to=list(lab.connect_to), ca_file=str(lab.ca_file))


def rate_plan(lab: Lab, endpoints: list[LoadEndpoint], rates: list[float], step_seconds: float = 2.0,
              **kw: Any) -> LoadPlan:
    """An open-model plan at fixed rates (each endpoint gets the step's rate), no warm-up."""
    steps = [Step(users=max(1, int(r)), rates={e.name: r for e in endpoints}) for r in rates]
    kw.setdefault("warmup_seconds", 0.0)
    return LoadPlan(endpoints=endpoints, steps=steps, step_seconds=step_seconds, network=lab_network(lab), **kw)


# ``load_context(base, yes=, project=, **load options)`` (the fixture in conftest.py) returns one of these.
ContextFactory = Callable[..., AbstractAsyncContextManager[CheckContext]]
