"""While checks run the UI keeps answering keys, and Esc stops the run keeping what finished.

The lab's web servers are slowed with a fault (``lab.web.set_fault(..., delay_ms=...)``) so the HTTP checks
are still running when the keys are pressed; DNS stays fast, so ``dns.resolves`` finishes first.
"""

from __future__ import annotations

from pathlib import Path

from ui_helpers import screen_text, wait_until

from launchready_tui.app import LaunchReadyApp
from launchready_tui.core.model import Status
from launchready_tui.lab import Lab
from launchready_tui.screens.stage import StageScreen

SLOW_MS = 20_000  # far longer than the test waits: a check that finished did not wait it out


def open_on_lab(lab: Lab, tmp_path: Path) -> LaunchReadyApp:
    path = lab.write_project(tmp_path / "launchready.yaml", lab.domain)
    app = LaunchReadyApp(path, remember=False)
    app._show_start = lambda: app.open_path(path)  # type: ignore[method-assign]  # straight to stage 1
    return app


async def test_keys_are_handled_while_a_slow_check_runs(lab: Lab, tmp_path: Path) -> None:
    assert lab.web is not None
    lab.web.set_fault("*", delay_ms=SLOW_MS)
    app = open_on_lab(lab, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1")
        await pilot.press("r")
        await wait_until(pilot, lambda: "http.https_works" in app.session.running, what="the HTTPS check to start")  # type: ignore[union-attr]
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.stage.number == 2  # type: ignore[attr-defined]
        assert "http.https_works" in app.session.running, "the key was handled while the check was running"  # type: ignore[union-attr]
        assert "Stage 2 of 7" in screen_text(app)
        # the sidebar says stage 1 is still running
        assert "⟳" in screen_text(app)
        await pilot.press("1")
        await pilot.pause()
        assert "RUNNING" in screen_text(app)
        app.cancel_runs()
        await wait_until(pilot, lambda: not app.running_stages(), timeout=15, what="the cancel")
    lab.web.clear_faults()


async def test_escape_cancels_and_keeps_finished_results(lab: Lab, tmp_path: Path) -> None:
    assert lab.web is not None
    lab.web.set_fault("*", delay_ms=SLOW_MS)
    app = open_on_lab(lab, tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1")
        await pilot.press("r")
        session = app.session
        assert session is not None
        await wait_until(pilot, lambda: "dns.resolves" in session.results and "http.https_works" in session.running,
                         what="DNS done while HTTPS still runs")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not app.running_stages(), timeout=10, what="Esc to stop the run")
        await pilot.pause()
        assert session.results["dns.resolves"].status is Status.PASS  # finished before Esc: kept
        https = session.results["http.https_works"]
        assert https.status is Status.SKIPPED and "cancelled" in https.summary  # never "fail" for unmeasured
        assert session.runs[1].cancelled
        assert not session.running
        assert "cancelled" in screen_text(app)
        # a new run after a cancel starts cleanly and measures again
        lab.web.clear_faults()
        await pilot.press("r")
        await wait_until(pilot, lambda: not app.running_stages() and session.runs[1].finished_at is not None
                         and not session.runs[1].cancelled, timeout=60, what="the second run")
        assert session.results["http.https_works"].status is Status.PASS
