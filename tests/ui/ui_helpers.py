"""Helpers for the wizard tests: deterministic results, a fake runner, screen text, waiting on conditions."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.runner import CheckEvent
from launchready_tui.core import catalogue
from launchready_tui.core.catalogue import CheckSpec
from launchready_tui.core.model import CheckResult, Impact, Status
from launchready_tui.core.project import Endpoint, Project

STATUS_CYCLE = (Status.PASS, Status.FAIL, Status.WARN, Status.ERROR, Status.PASS, Status.SKIPPED)


def fake_project() -> Project:
    return Project(
        domain="acme.example", product="Acme AI", app_url="https://app.acme.example",
        api_url="https://api.acme.example",
        endpoints=[Endpoint(name="home", url="https://acme.example/"),
                   Endpoint(name="login", url="https://api.acme.example/v1/login", method="POST")],
        health_url="https://api.acme.example/health",
    )


def fake_result(spec: CheckSpec, status: Status, n: int = 0, **changes: Any) -> CheckResult:
    evidence: dict[str, Any] = {"host": f"{spec.stage}.acme.example", "measured": n}
    if spec.id.startswith("routing."):
        evidence["hops"] = [
            {"url": "http://acme.example/", "status": 301, "location": "https://acme.example/"},
            {"url": "https://acme.example/", "status": 200, "location": None},
        ]
    data = dict(
        id=spec.id, title=spec.title, status=status, stage=spec.stage, impact=spec.impact,
        summary=f"{spec.title.lower()}: {status.value} on acme.example", target="acme.example",
        evidence=evidence, fix=f"Fix {spec.id} at your provider." if status in (Status.FAIL, Status.WARN) else None,
        duration_ms=40 + 17 * n, blocker=status is Status.FAIL and n % 2 == 0,
    )
    data.update(changes)
    return CheckResult(**data)  # type: ignore[arg-type]


def fake_results(stages: Iterable[int] = range(1, 8)) -> list[CheckResult]:
    """A fixed mix of statuses for every check of the given stages (deterministic)."""
    out = []
    for stage in stages:
        for i, spec in enumerate(catalogue.for_stage(stage)):
            out.append(fake_result(spec, STATUS_CYCLE[i % len(STATUS_CYCLE)], i))
    return out


class FakeRunner:
    """Stands in for checks.runner.run_checks in screen tests: emits the same events, returns given results.

    ``delay`` keeps each check "running" for a while so tests can act mid-run; the cancel event is honoured
    the way the real runner does (finished results kept, the rest skipped)."""

    def __init__(self, results: dict[str, CheckResult] | None = None, delay: float = 0.0) -> None:
        self.results = results or {}
        self.delay = delay
        self.calls: list[list[str]] = []

    async def __call__(self, specs: Sequence[CheckSpec], ctx: CheckContext,
                       on_event: Callable[[CheckEvent], None] | None = None, concurrency: int = 8) -> list[CheckResult]:
        emit = on_event or (lambda _e: None)
        self.calls.append([s.id for s in specs])
        out = []
        for done, spec in enumerate(specs):
            if ctx.cancel_event.is_set():
                out.append(CheckResult(id=spec.id, title=spec.title, status=Status.SKIPPED, stage=spec.stage,
                                       impact=spec.impact, summary="cancelled before it finished"))
                continue
            emit(CheckEvent("started", spec.id, done, len(specs)))
            try:
                await asyncio.wait_for(ctx.cancel_event.wait(), self.delay)
            except TimeoutError:
                pass
            if ctx.cancel_event.is_set():
                out.append(CheckResult(id=spec.id, title=spec.title, status=Status.SKIPPED, stage=spec.stage,
                                       impact=spec.impact, summary="cancelled before it finished"))
                continue
            result = self.results.get(spec.id) or fake_result(spec, Status.PASS, done)
            ctx.results[spec.id] = result
            emit(CheckEvent("finished", spec.id, done + 1, len(specs), result=result))
            out.append(result)
        return out


def offline_context_factory(project: Project, folder: Path) -> Any:
    """A CheckContext without network objects, for tests that use FakeRunner (nothing is sent anywhere)."""

    @asynccontextmanager
    async def make() -> Any:
        yield CheckContext(project=project, resolver=None, http=None, project_dir=folder,  # type: ignore[arg-type]
                           options=CheckOptions(samples=1))

    return make()


def screen_text(app: Any) -> str:
    """What a person sees: the current screen as plain text, rendered the way Textual's screenshot does."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().replace("\xa0", " ")


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 30.0,
                     what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; the screen shows:\n"
                                 f"{screen_text(pilot.app)}")
        await pilot.pause(0.05)


def welcome_ready(app: Any) -> bool:
    """The welcome screen is up and has read the project file (it is read after the first paint)."""
    from launchready_tui.screens.welcome import WelcomeScreen

    return isinstance(app.screen, WelcomeScreen) and not app.screen.reading


def spec(check_id: str) -> CheckSpec:
    return catalogue.get(check_id)


IMPACT = Impact
