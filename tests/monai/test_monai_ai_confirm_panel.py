"""The stage-6 AI confirmation panel in a real Textual app: nothing is sent before the OK; the OK enables the
AI checks for the session and re-runs them; the plan shown is the checks' own skipped summary."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support.panel_host import FakeHost, PanelApp
from textual.widgets import Button, Static

from launchready_tui.checks.base import CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.checks.runner import run_one
from launchready_tui.core import catalogue
from launchready_tui.core.model import Status
from launchready_tui.core.project import parse_project
from launchready_tui.lab.server import Lab
from launchready_tui.screens.panels.ai_confirm import AI_CHECKS, AiConfirmPanel

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_confirm_enables_and_reruns_the_ai_checks(lab: Lab, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    project, _ = parse_project(yaml.safe_dump(lab.project_dict("good.test")))
    async with check_context(project, tmp_path, options=CheckOptions()) as ctx:
        before = await run_one(catalogue.get("ai.prompt_injection"), ctx)
        assert before.status is Status.SKIPPED  # no OK yet: nothing sent
        host = FakeHost(project, ctx=ctx, results={"ai.prompt_injection": before},
                        refuse_answers="the AI OK is never stored in the project file")
        app = PanelApp(AiConfirmPanel, host)
        async with app.run_test(size=(110, 20)) as pilot:
            plan = str(app.query_one("#ai-plan", Static).render())
            assert before.summary[:40] in plan and "Nothing is sent until you confirm" in plan
            await pilot.click("#ai-confirm")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.query_one("#ai-confirm", Button).disabled
        assert host.reruns == [list(AI_CHECKS)]
        assert ctx.options.extra["ai_confirmed"] is True
        after = await run_one(catalogue.get("ai.latency"), ctx)
        assert after.status is not Status.SKIPPED, after.summary
