"""Snapshots of each stage screen in a fixed state (fake results injected through the App constructor, never
live), and of the welcome screen. Regenerate on purpose with ``pytest --snapshot-update`` and review the SVGs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ui_helpers import FakeRunner, fake_project, fake_results, offline_context_factory, wait_until, welcome_ready

from launchready_tui.app import LaunchReadyApp
from launchready_tui.core.project import save_project
from launchready_tui.core.session import SessionState

FIXED_PATH = Path("/srv/acme/launchready.yaml")  # shown in the header; never written by these tests


@pytest.fixture(autouse=True)
def _no_stage_panels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stage panels belong to other parts and change on their own schedule; these snapshots cover the
    stage screen itself (tests/ui/test_ui_panels.py covers the panel hook)."""
    from launchready_tui.screens import panels

    monkeypatch.setattr(panels, "PANELS", {})


def stage_app(stage: int, presenter: bool = False) -> LaunchReadyApp:
    project = fake_project()
    project.answers = {"audit.registrar_login": {"done": True, "note": "Ann (CTO) has the login"}}
    return LaunchReadyApp(FIXED_PATH, project=project, initial_results=fake_results(), start_stage=stage,
                          runner=FakeRunner(), context_factory=offline_context_factory, remember=False,
                          built=lambda _id: True, presenter=presenter)


@pytest.mark.parametrize("stage", range(1, 8))
def test_stage_screen(snap_compare: Any, stage: int) -> None:
    assert snap_compare(stage_app(stage), terminal_size=(100, 30))


def test_stage_detail_with_redirect_hops_at_80x24(snap_compare: Any) -> None:
    async def select_redirect_chain(pilot: Any) -> None:
        await pilot.press("down", "down")  # routing.redirect_chain: every hop in the detail pane
        await pilot.pause()

    assert snap_compare(stage_app(2), terminal_size=(80, 24), run_before=select_redirect_chain)


def test_welcome_screen(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    save_project(fake_project(), tmp_path / "launchready.yaml")
    app = LaunchReadyApp(Path("launchready.yaml"), remember=False)

    async def project_read(pilot: Any) -> None:
        await wait_until(pilot, lambda: welcome_ready(app), what="the project file to be read")

    assert snap_compare(app, terminal_size=(80, 24), run_before=project_read)


def test_session_counts_match_the_snapshot_data() -> None:
    """Guards the fixture the snapshots rely on: every stage has a mix of statuses."""
    session = SessionState(fake_project(), FIXED_PATH)
    for result in fake_results():
        session.record(result)
    for stage in range(1, 8):
        counts = session.counts(stage)
        assert sum(counts.values()) == len([r for r in fake_results() if r.stage == stage])
