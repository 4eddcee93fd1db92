"""The full walk on the lab, as a founder would do it: welcome → setup → every stage → export.

Real parts only: the built-in lab (DNS, TLS with the lab CA, HTTPS sites) on loopback, the real runner and
checks, the real project file on disk. Stages 1-3 run live; stages 4-7 are visited and a checklist item is
ticked in each (their checks are long-running by design or belong to later issues).
"""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import yaml
from textual.widgets import Input
from ui_helpers import screen_text, wait_until, welcome_ready

from launchready_tui.app import LaunchReadyApp
from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project
from launchready_tui.lab import Lab
from launchready_tui.screens.setup import SetupScreen
from launchready_tui.screens.stage import StageScreen
from launchready_tui.screens.welcome import WelcomeScreen

LIVE_STAGES = (1, 2, 3)


def quick_context(project: Project, folder: Path) -> AbstractAsyncContextManager[CheckContext]:
    return check_context(project, folder, options=CheckOptions(samples=2))  # the real context, fewer samples


async def test_full_walk_on_the_lab(lab: Lab, tmp_path: Path) -> None:
    path = lab.write_project(tmp_path / "launchready.yaml", lab.flawed_domain)
    app = LaunchReadyApp(path, context_factory=quick_context, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
        assert isinstance(app.screen, WelcomeScreen)
        assert "Continue" in screen_text(app) and "Flawed Co (lab)" in screen_text(app)

        # Welcome → Edit setup → change the product name → save and continue
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="the setup form")
        product = app.screen.query_one("#f-product", Input)
        assert product.has_focus
        await pilot.press("end", "ctrl+u", *"Walk Co")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1")
        assert yaml.safe_load(path.read_text())["product"] == "Walk Co"

        for number in range(1, 8):
            screen = app.screen
            assert isinstance(screen, StageScreen) and screen.stage.number == number
            assert f"Stage {number} of 7" in screen_text(app)
            if number in LIVE_STAGES:
                await pilot.press("r")
                await wait_until(pilot, lambda: not app.running_stages(), timeout=90, what=f"stage {number}")
                await pilot.pause()
                ran = [r for r in app.session.stage_results(number) if "not built" not in r.summary]  # type: ignore[union-attr]
                assert ran, f"stage {number} produced no results"
                assert all(r.status in Status for r in ran)
            else:
                for _ in range(6):  # t cycles the tabs; stop on the checklist
                    await pilot.press("t")
                    await pilot.pause()
                    if screen.query_one("#stage-tabs").active == "tab-checklist":  # type: ignore[attr-defined]
                        break
                await pilot.press("space")  # tick the first item
                await pilot.pause()
            if number < 7:
                await pilot.press("n")
                await wait_until(pilot, lambda n=number: getattr(app.screen, "stage", None) is not None
                                 and app.screen.stage.number == n + 1, what=f"stage {number + 1}")  # type: ignore[attr-defined]

        # stage 2's deliverable: the DNS map, built after the stage ran
        if app.dns_map_available():
            await wait_until(pilot, lambda: "Building" not in app.session.deliverables.get(2, "Building"),  # type: ignore[union-attr]
                             what="the DNS map")
            dns_map = app.session.deliverables[2]  # type: ignore[union-attr]
            assert "could not be built" not in dns_map and "flawed.test" in dns_map

        # the lab's planted flaws were found
        results = app.session.results  # type: ignore[union-attr]
        assert results["http.https_works"].status is not Status.PASS or results["tls.cert_valid"].status is Status.FAIL

        await pilot.press("e")
        await wait_until(pilot, lambda: bool(app.last_export), what="the export")
        md, js = app.last_export
        assert md.parent == tmp_path and md.suffix == ".md" and js.suffix == ".json"
        report = json.loads(js.read_text())
        assert report["schema"] == "launchready.report/1"
        assert report["project"] == {"product": "Walk Co", "domain": "flawed.test"}
        by_id = {c["id"]: c for s in report["stages"] for c in s["checks"]}
        assert by_id["dns.resolves"]["status"] == results["dns.resolves"].status.value
        text = md.read_text()
        assert "# Launch readiness: Walk Co" in text and "## Checklist (confirmed by hand)" in text

    saved = yaml.safe_load(path.read_text())
    ticked = [k for k, v in saved.get("answers", {}).items() if isinstance(v, dict) and v.get("done")]
    assert {k.split(".")[0] for k in ticked} == {"deploy", "monitoring", "load", "handover"}
