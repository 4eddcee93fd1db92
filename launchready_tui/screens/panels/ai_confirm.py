"""Stage 6 panel: the founder's OK before the AI probes spend money (ai-probes.md cost guard).

Headless runs confirm with ``--yes``; in the wizard the AI checks stay ``skipped`` and show their plan
(request count, token and price estimate, hard cap) until this panel's button is pressed. The OK holds for
this wizard session only (it is never written to the project file) and the three AI checks are re-run at
once through the screen, so the panel opens no socket.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from launchready_tui.core.model import CheckResult
    from launchready_tui.core.project import Project
    from launchready_tui.screens.panels import PanelHost

AI_CHECKS = ("ai.latency", "ai.prompt_injection", "ai.cost_guard")
CONFIRM_KEY = "ai_confirmed"  # read by checks/ai_run.py
HEADLESS_HINT = re.compile(r"\.\s*Run with --yes, or confirm in the wizard\.?$")


def planned_requests(project: Project) -> str:
    """What the AI checks would send, computed from the setup alone (pure: no request, no secret read), so the
    panel shows the real count and cap before the stage has run, not "a bounded set of requests"."""
    from launchready_tui.checks.ai_probeset import ProbeSetError, builtin_probes
    from launchready_tui.checks.ai_run import fitted_plan
    from launchready_tui.checks.ai_template import TemplateError, target_for

    try:
        target = target_for(project)
        if target is None:
            return "No AI endpoint in the setup."
        plan, _ = fitted_plan(target, builtin_probes())
    except (TemplateError, ProbeSetError) as exc:
        return f"The AI endpoint's setup cannot be used yet: {exc} (s: Setup)"
    notes = "".join(f"\nNote: {note}." for note in plan.notes)
    return f"The AI checks would send {plan.summary()} to {target.url}.{notes}"


class AiConfirmPanel(Vertical):
    """Show the AI test plan; run it only after an explicit OK."""

    PANEL_TITLE = "AI probes"
    DEFAULT_CSS = """
    AiConfirmPanel { height: auto; padding: 1; }
    AiConfirmPanel Horizontal { height: auto; }
    """

    def __init__(self, host: PanelHost) -> None:
        super().__init__(classes="stage-panel")
        self.host = host
        self.confirmed = False

    def compose(self) -> ComposeResult:
        yield Static(self._plan_text(self.host.results), id="ai-plan", markup=False)
        with Horizontal():
            yield Button("Confirm and run the AI probes", id="ai-confirm", variant="warning")
        yield Static("", id="ai-status", markup=False)

    def _plan_text(self, results: Mapping[str, CheckResult]) -> str:
        if self.host.project.ai_endpoint is None:
            return self.host.redact("No AI endpoint in the setup: add its URL and request template to run the "
                                    "prompt-injection, latency and cost checks.")
        skipped = next((r for r in (results.get(i) for i in AI_CHECKS) if r is not None
                        and r.status.value == "skipped" and "needs your OK" in r.summary), None)
        # The check's own words when it ran without the OK, minus the headless hint (--yes) that means nothing
        # here; before any run, the plan computed from the setup (it used to say "a bounded set of requests").
        plan = HEADLESS_HINT.sub(".", skipped.summary) if skipped is not None else planned_requests(self.host.project)
        return self.host.redact(f"{plan}\nNothing is sent until you confirm; the OK lasts for this session only.")

    def results_changed(self, results: Mapping[str, CheckResult]) -> None:
        if not self.confirmed:
            self.query_one("#ai-plan", Static).update(self._plan_text(results))
            return
        done = [results.get(i) for i in AI_CHECKS]
        if all(r is not None and r.status.value != "skipped" for r in done):
            # The confirmation line must not keep saying "running" once the probes have answered.
            verdicts = " · ".join(f"{r.title} {r.status.label}" for r in done if r is not None)
            self.query_one("#ai-status", Static).update(self.host.redact(
                f"finished: {verdicts} (details on the Checks tab; r runs them again)"))

    def presenter_changed(self, on: bool) -> None:
        self.results_changed(self.host.results)

    @on(Button.Pressed, "#ai-confirm")
    def _confirm(self) -> None:
        if self.host.project.ai_endpoint is None:
            self.query_one("#ai-status", Static).update("set up an AI endpoint first (s: Setup)")
            return
        self.query_one("#ai-confirm", Button).disabled = True
        self._confirm_worker()

    @work(exclusive=True, group="ai-confirm", exit_on_error=False)
    async def _confirm_worker(self) -> None:
        ctx = await self.host.check_context()
        ctx.options.extra[CONFIRM_KEY] = True  # the key press is the permission, for this session
        self.confirmed = True
        self.query_one("#ai-status", Static).update("confirmed: running the AI probes…")
        self.host.run_checks(list(AI_CHECKS))
