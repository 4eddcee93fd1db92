"""The stage-panel registry: lazy loading, missing modules skipped, broken ones reported, and the hooks the
stage screen calls on a mounted panel (results, runner events, presenter mode)."""

from __future__ import annotations

from pathlib import Path

import pytest
import ui_panel_fixture
from ui_helpers import FakeRunner, fake_project, offline_context_factory, screen_text, wait_until

from launchready_tui.app import LaunchReadyApp
from launchready_tui.screens import panels
from launchready_tui.screens.panels import load_panels

FIXTURE = "ui_panel_fixture"


def test_missing_modules_are_skipped_silently_and_broken_ones_reported() -> None:
    registry = {1: ["launchready_tui.screens.panels.not_built_yet:Panel", f"{FIXTURE}:RecordingPanel",
                    f"{FIXTURE}:NoSuchClass", f"{FIXTURE}:NOT_A_CLASS", "ui_panel_missing_dep:Panel"]}
    classes, problems = load_panels(1, registry)
    assert classes == [ui_panel_fixture.RecordingPanel]
    assert len(problems) == 2 and all(FIXTURE in p for p in problems)
    assert load_panels(2, registry) == ([], [])


def test_a_module_whose_own_import_fails_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ui_panel_bad_import.py").write_text("import launchready_tui_no_such_package\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    classes, problems = load_panels(1, {1: ["ui_panel_bad_import:Panel"]})
    assert classes == [] and "could not load" in problems[0]


def test_every_stage_panel_in_the_registry_is_a_module_class_string() -> None:
    for stage, refs in panels.PANELS.items():
        assert 1 <= stage <= 7
        for ref in refs:
            module, _, cls = ref.partition(":")
            assert module and cls, f"{ref!r} is not 'module:ClassName'"


async def test_the_stage_screen_mounts_panels_and_calls_their_hooks(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panels, "PANELS", {2: [f"{FIXTURE}:RecordingPanel", f"{FIXTURE}:BrokenPanel"]})
    ui_panel_fixture.CALLS.clear()
    runner = FakeRunner()
    app = LaunchReadyApp(tmp_path / "launchready.yaml", project=fake_project(), start_stage=2, runner=runner,
                         context_factory=offline_context_factory, remember=False, built=lambda _id: True)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert ("init", 2) in ui_panel_fixture.CALLS
        text = screen_text(app)
        assert "Recorder" in text  # its tab
        assert "BrokenPanel" in text or "could not start" in text  # a broken panel is named, not fatal
        await pilot.press("r")
        await wait_until(pilot, lambda: bool(runner.calls) and not app.running_stages(), what="the run")
        await pilot.pause()
        kinds = [c for c in ui_panel_fixture.CALLS if c[0] == "check_event"]
        assert ("started", "routing.http_to_https") in [k for _, k in kinds]
        assert ("finished", "routing.http_to_https") in [k for _, k in kinds]
        assert any(name == "results_changed" and "routing.http_to_https" in arg
                   for name, arg in ui_panel_fixture.CALLS)
        await pilot.press("f2")
        await pilot.pause()
        assert ("presenter_changed", True) in ui_panel_fixture.CALLS
