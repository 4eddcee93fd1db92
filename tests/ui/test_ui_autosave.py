"""Answers are saved as the user goes (atomically), survive a restart, and a broken file is never overwritten."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.widgets import Input
from ui_helpers import FakeRunner, offline_context_factory, screen_text, wait_until, welcome_ready

from launchready_tui.app import LaunchReadyApp
from launchready_tui.core.project import backup_path
from launchready_tui.screens.project_error import ProjectErrorScreen
from launchready_tui.screens.setup import SetupScreen
from launchready_tui.screens.stage import StageScreen
from launchready_tui.widgets.toggle import GlyphCheckbox

PROJECT = """\
version: 1
product: Acme AI
domain: acme.example
"""


def app_for(path: Path) -> LaunchReadyApp:
    app = LaunchReadyApp(path, runner=FakeRunner(), context_factory=offline_context_factory, remember=False,
                         built=lambda _id: True)
    return app


async def _to_checklist(pilot, app: LaunchReadyApp) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
    await pilot.press("enter")  # Continue
    await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1")
    for _ in range(4):
        if app.screen.query_one("#stage-tabs").active == "tab-checklist":
            break
        await pilot.press("t")
        await pilot.pause()


async def test_checklist_answers_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    path.write_text(PROJECT)
    app = app_for(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _to_checklist(pilot, app)
        await pilot.press("space")  # tick "registrar login"
        await pilot.press("tab")  # to its note
        await pilot.press(*"Ann has the login")
        await pilot.pause(0.8)  # notes save shortly after typing stops
        saved = yaml.safe_load(path.read_text())
        assert saved["answers"]["audit.registrar_login"] == {"done": True, "note": "Ann has the login"}
        assert backup_path(path).exists()  # the previous version is kept
        await pilot.press("tab", "tab", *"Cloudflare: Bob")  # the next item's note ...
        await pilot.press("ctrl+q")  # ... and quit at once, before the typing pause: still saved
    saved = yaml.safe_load(path.read_text())
    assert saved["answers"]["audit.dns_login"] == {"done": False, "note": "Cloudflare: Bob"}

    app2 = app_for(path)
    async with app2.run_test(size=(100, 30)) as pilot:
        await _to_checklist(pilot, app2)
        box = app2.screen.query_one("#done-audit--registrar_login", GlyphCheckbox)
        note = app2.screen.query_one("#note-audit--registrar_login", Input)
        assert box.value is True and note.value == "Ann has the login"
        assert "Checklist 1/4" in screen_text(app2)


async def test_a_secret_in_a_note_is_refused_and_other_answers_still_save(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    path.write_text(PROJECT)
    app = app_for(path)
    token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    async with app.run_test(size=(100, 30)) as pilot:
        await _to_checklist(pilot, app)
        await pilot.press("tab", *f"token {token}")
        await pilot.pause(0.8)
        assert "looks like a GitHub token" in screen_text(app)
        await pilot.press("shift+tab", "space")
        await pilot.pause()
    text = path.read_text()
    assert token not in text
    assert yaml.safe_load(text)["answers"]["audit.registrar_login"]["done"] is True


async def test_setup_answers_are_saved_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    app = app_for(path)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
        await pilot.press("enter")  # New audit
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup")
        assert app.screen.query_one("#f-domain", Input).has_focus
        assert not path.exists()
        await pilot.press(*"https://www.Acme.example/pricing")
        await pilot.pause(0.6)
        assert yaml.safe_load(path.read_text())["domain"] == "www.acme.example"
        assert "took the host www.acme.example from the pasted URL" in screen_text(app)
        app.screen.query_one("#f-product", Input).focus()
        await pilot.press(*"Acme AI")
        await pilot.pause(0.6)
    saved = yaml.safe_load(path.read_text())
    assert saved["product"] == "Acme AI"
    assert saved["endpoints"][0]["url"] == "https://www.acme.example/"  # the defaulted home page

    app2 = app_for(path)
    async with app2.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app2), what="welcome")
        assert "Acme AI (www.acme.example)" in screen_text(app2)


async def test_a_broken_project_file_is_shown_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    broken = "version: 1\ndomain: acme.example\nendpoints:\n  - name: login\n   url: https://x\n"
    path.write_text(broken)
    app = app_for(path)
    async with app.run_test(size=(100, 30)) as pilot:
        # the screen is pushed before its first paint: wait for the words, not just the screen object
        await wait_until(pilot, lambda: isinstance(app.screen, ProjectErrorScreen)
                         and "Nothing was changed" in screen_text(app), what="the error screen")
        text = screen_text(app)
        assert "could not be read" in text and "line 5" in text and "Nothing was changed" in text
        await pilot.press("enter")  # "Quit and fix the file"
    assert app.return_value == 2
    assert path.read_text() == broken
    assert not backup_path(path).exists()
