"""App-level behaviour: themes (dark, light, high contrast) and NO_COLOR, the command palette entries, export
errors, the demo lab modes, run guards and the welcome screen's recent projects."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from ui_helpers import (
    FakeRunner,
    fake_project,
    fake_results,
    offline_context_factory,
    screen_text,
    wait_until,
    welcome_ready,
)

from launchready_tui.app import HIGH_CONTRAST, THEMES, LaunchReadyApp, redact_obj, run_demo_app
from launchready_tui.core.project import save_project
from launchready_tui.core.session import recent_projects, remember_project, saved_theme
from launchready_tui.screens.stage import StageScreen


def stage_app(tmp_path: Path, **kw: object) -> LaunchReadyApp:
    return LaunchReadyApp(tmp_path / "launchready.yaml", project=fake_project(), start_stage=1,
                          runner=FakeRunner(), context_factory=offline_context_factory, remember=False,
                          built=lambda _id: True, initial_results=fake_results(), **kw)  # type: ignore[arg-type]


async def test_f3_cycles_dark_light_high_contrast_and_remembers(tmp_path: Path) -> None:
    app = stage_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        seen = [app.theme]
        for _ in range(3):
            await pilot.press("f3")
            await pilot.pause()
            seen.append(app.theme)
        assert set(seen) == set(THEMES.values())
        app.set_theme_by_label("high contrast")
        await pilot.pause()
        assert app.theme == HIGH_CONTRAST.name
        assert "✖ FAIL" in screen_text(app)  # statuses keep their glyph and word in every theme
    assert saved_theme() == HIGH_CONTRAST.name
    app2 = stage_app(tmp_path)
    async with app2.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app2.theme == HIGH_CONTRAST.name


async def test_no_color_keeps_every_status_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = stage_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.no_color
        svg = app.export_screenshot()
        text = screen_text(app)
        for word in ("✔ PASS", "✖ FAIL", "▲ WARN", "? ERROR", "– SKIPPED"):
            assert word in text
        assert "▶ 1 Quick audit" in text  # where you are shows without colour
        # monochrome: the status colours of the normal theme are gone from the screenshot
        assert app.theme_variables["success"].lower() not in svg.lower()


async def test_command_palette_offers_the_wizard_commands(tmp_path: Path) -> None:
    app = stage_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for expected in ("Run stage 1", "Run all stages", "Re-run failed checks", "Export report",
                         "Presenter mode: turn on", "Theme: dark", "Theme: light", "Theme: high contrast",
                         "Go to stage 6: Load sanity test and AI paths", "Edit setup", "Cancel running checks"):
            assert expected in titles, expected
        goto = next(c for c in app.get_system_commands(app.screen) if c.title.startswith("Go to stage 4"))
        goto.callback()
        await pilot.pause()
        assert isinstance(app.screen, StageScreen) and app.screen.stage.number == 4
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"re-run failed")
        await pilot.pause(0.3)
        assert "Re-run failed checks" in screen_text(app)


async def test_rerun_failed_runs_only_failed_warned_and_unmeasured(tmp_path: Path) -> None:
    runner = FakeRunner()
    app = stage_app(tmp_path, )
    app._runner = runner
    async with app.run_test(size=(100, 30)) as pilot:
        expected = set(app.session.rerun_ids())  # type: ignore[union-attr]
        assert expected
        app.rerun_failed()
        await wait_until(pilot, lambda: not app.running_stages() and not app._run_all_active, what="re-run")
        ran = {i for call in runner.calls for i in call}
        assert ran == expected
        assert all(app.session.results[i].status.value == "pass" for i in ran)  # type: ignore[union-attr]


async def test_export_to_a_read_only_folder_says_why_and_does_not_crash(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(stat.S_IRUSR | stat.S_IXUSR)
    app = stage_app(tmp_path, export_dir=out)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert app.last_export == []
        assert "could not be written" in screen_text(app)


async def test_export_to_a_missing_folder_says_why_and_does_not_crash(tmp_path: Path) -> None:
    app = stage_app(tmp_path, export_dir=tmp_path / "gone")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert app.last_export == []
        assert "could not be written" in screen_text(app)


async def test_export_writes_markdown_and_contract_json(tmp_path: Path) -> None:
    app = stage_app(tmp_path, export_dir=tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("e")
        await pilot.pause()
        md, js = app.last_export
    report = json.loads(js.read_text())
    assert [s["number"] for s in report["stages"]] == list(range(1, 8))
    assert set(report["counts"]) == {"pass", "warn", "fail", "error", "skipped", "manual"}
    assert report["risks"] and report["risks"][0]["rank"] == 1
    assert "## Risks, most costly first" in md.read_text()


def test_redact_obj_walks_nested_values() -> None:
    token = "ghp_" + "Zq8mW2xR7tY4uI1oP9aS6dF3gH5jK0lB2nV4"
    out = redact_obj({"a": [token, {"b": f"mail ann@acme.example {token}"}], "n": 3}, presenter=True)
    assert token not in json.dumps(out) and "ann@" not in json.dumps(out) and out["n"] == 3


async def test_welcome_lists_recent_projects(tmp_path: Path) -> None:
    other = tmp_path / "other" / "launchready.yaml"
    other.parent.mkdir()
    project = fake_project()
    project.product = "Other Co"
    save_project(project, other)
    remember_project(other, project)
    assert [r.product for r in recent_projects()] == ["Other Co"]
    app = LaunchReadyApp(tmp_path / "launchready.yaml", remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
        assert "Open recent" in screen_text(app) and "Other Co" in screen_text(app)
        await pilot.press("down", "enter")  # New audit is first; the recent project second
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="the recent project")
        assert app.session is not None and app.session.project.product == "Other Co"


def test_demo_refuses_a_domain_the_lab_does_not_serve() -> None:
    with pytest.raises(ValueError, match="flawed.test and good.test"):
        run_demo_app("acme.example")


@pytest.mark.parametrize("mode", ["thread", "loop"])
async def test_demo_starts_the_lab_and_runs_stage_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    mode: str) -> None:
    monkeypatch.chdir(tmp_path)  # the demo exports next to where it was started
    app = LaunchReadyApp(demo_domain="good.test", lab_mode=mode)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), timeout=60, what="the demo")
        await wait_until(pilot, lambda: bool(app.session.runs.get(1)) and not app.running_stages(),  # type: ignore[union-attr]
                         timeout=90, what="stage 1 on the lab")
        results = app.session.results  # type: ignore[union-attr]
        assert results["dns.resolves"].status.value == "pass"
        assert "demo on the built-in lab" in screen_text(app)
        demo_dir = app._demo_dir
        assert demo_dir is not None and (demo_dir / "launchready.yaml").exists()
        await pilot.press("e")
        await pilot.pause()
        assert app.last_export and app.last_export[0].parent == tmp_path
    assert not demo_dir.exists(), "the demo's temporary project is removed on exit"
    assert recent_projects() == [], "a throw-away demo project is not listed as recent"
