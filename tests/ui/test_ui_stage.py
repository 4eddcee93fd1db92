"""The stage screen with a fake runner (no network): rows, detail pane, navigation, re-runs, messages."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable
from ui_helpers import FakeRunner, fake_project, fake_result, offline_context_factory, screen_text, wait_until

from launchready_tui.app import LaunchReadyApp
from launchready_tui.core import catalogue
from launchready_tui.core.model import Status
from launchready_tui.screens.stage import StageScreen


def make_app(tmp_path: Path, runner: FakeRunner, **kw: object) -> LaunchReadyApp:
    return LaunchReadyApp(tmp_path / "launchready.yaml", project=fake_project(), start_stage=kw.pop("stage", 1),
                          runner=runner, context_factory=offline_context_factory, remember=False,
                          built=lambda _id: True, **kw)  # type: ignore[arg-type]


async def test_run_stage_fills_rows_with_glyph_and_word(tmp_path: Path) -> None:
    spec = catalogue.get("dns.resolves")
    runner = FakeRunner({spec.id: fake_result(spec, Status.FAIL, summary="apex does not resolve")})
    app = make_app(tmp_path, runner)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, StageScreen) and app.screen.stage.number == 1
        await pilot.press("r")
        await wait_until(pilot, lambda: app.session is not None and "dns.resolves" in app.session.results
                         and not app.running_stages(), what="stage 1 to finish")
        await pilot.pause()
        text = screen_text(app)
        assert "✖ FAIL" in text and "Domain resolves" in text
        assert "apex does not resolve" in text  # the first row is selected: its detail is shown
        assert runner.calls and all(catalogue.get(i).stage == 1 for i in runner.calls[0])


async def test_navigation_by_number_next_and_sidebar(tmp_path: Path) -> None:
    app = make_app(tmp_path, FakeRunner())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert app.screen.stage.number == 3  # type: ignore[attr-defined]
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.stage.number == 4  # type: ignore[attr-defined]
        await pilot.press("p", "p")
        await pilot.pause()
        assert app.screen.stage.number == 2  # type: ignore[attr-defined]
        assert "Stage 2 of 7" in screen_text(app)


async def test_rerun_selected_check_only(tmp_path: Path) -> None:
    runner = FakeRunner()
    app = make_app(tmp_path, runner, stage=2)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one("#checks", DataTable)
        table.move_cursor(row=2)
        await pilot.pause()
        await pilot.press("c")
        await wait_until(pilot, lambda: bool(runner.calls) and not app.running_stages())
        assert runner.calls == [[catalogue.for_stage(2)[2].id]]
