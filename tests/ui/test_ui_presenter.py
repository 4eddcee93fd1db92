"""Presenter mode hides a planted canary token, e-mail addresses and home paths on every screen and export.

The planted values sit where real data shows up: a check's summary, evidence and fix (every stage), the
product's endpoint body (setup form), a checklist note, and the project path (under $HOME). The control test
shows the same screens without presenter mode do show the e-mail address, so the check can fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input
from ui_helpers import FakeRunner, fake_result, offline_context_factory, screen_text, wait_until, welcome_ready

from launchready_tui.app import LaunchReadyApp
from launchready_tui.core import catalogue
from launchready_tui.core.model import Status
from launchready_tui.core.project import Endpoint, Project, save_project
from launchready_tui.screens.setup import SetupScreen
from launchready_tui.screens.stage import StageScreen

CANARY = "ghp_" + "Zq8mW2xR7tY4uI1oP9aS6dF3gH5jK0lB2nV4"
EMAIL = "founder.private@acme.example"


PREVIEW = "sk-p…Q7x"  # a preview a check already made (first 4 + last 3): presenter mode shows the first 4 only


def planted(home: Path) -> str:
    return f"token {CANARY} seen; key {PREVIEW} in the bundle; ask {EMAIL}; copy at {home}/acme/.env.production"


def setup_project(home: Path) -> Path:
    path = home / "work" / "launchready.yaml"
    path.parent.mkdir(parents=True)
    project = Project(domain="acme.example", product="Acme AI",
                      endpoints=[Endpoint(name="login", url="https://acme.example/login", method="POST",
                                          body=f'{{"email": "{EMAIL}"}}')],
                      answers={"audit.registrar_login": {"done": True, "note": f"ask {EMAIL}"}})
    save_project(project, path)
    return path


def planted_results(home: Path) -> list:
    text = planted(home)
    out = []
    for stage in range(1, 8):
        spec = catalogue.for_stage(stage)[0]
        out.append(fake_result(spec, Status.FAIL, 0, summary=text, fix=f"Rotate it. {text}",
                               evidence={"where": text, "hops": [{"url": f"https://acme.example/?t={CANARY}",
                                                                  "status": 302, "location": text}]}))
    return out


def assert_hidden(text: str, home: Path, where: str) -> None:
    assert CANARY not in text, f"{where}: the token is visible"
    assert CANARY[:4] + "…" + CANARY[-3:] not in text, f"{where}: presenter mode must not show the token's tail"
    assert "founder.private" not in text, f"{where}: the e-mail address is visible"
    assert PREVIEW not in text, f"{where}: a check's preview keeps its tail in presenter mode"
    assert str(home) not in text, f"{where}: the home folder is visible"


def make_app(path: Path, home: Path, presenter: bool) -> LaunchReadyApp:
    app = LaunchReadyApp(path, presenter=presenter, runner=FakeRunner(), context_factory=offline_context_factory,
                         remember=False, built=lambda _id: True, initial_results=planted_results(home),
                         export_dir=path.parent)
    return app


async def test_presenter_mode_hides_the_canary_on_every_screen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home" / "ann"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    path = setup_project(home)
    app = make_app(path, home, presenter=True)
    seen: list[str] = []
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
        text = screen_text(app)
        assert "PRESENTER MODE" in text and "~/work/launchready.yaml" in text
        assert_hidden(text, home, "welcome")

        await pilot.press("down", "enter")  # Edit setup
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup")
        body = next(i for i in app.screen.query(Input) if (i.id or "").startswith("ep-body-"))
        assert body.password, "the endpoint body holds an e-mail address: masked while presenting"
        for _ in range(3):  # scroll through the whole form
            assert_hidden(screen_text(app), home, "setup")
            app.screen.query_one("#setup-form").scroll_page_down(animate=False)
            await pilot.pause()
        await pilot.press("escape")
        await wait_until(pilot, lambda: welcome_ready(app), what="back to welcome")
        await pilot.press("up", "enter")  # Continue
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1")

        for number in range(1, 8):
            await wait_until(pilot, lambda n=number: app.screen.stage.number == n, what=f"stage {number}")  # type: ignore[attr-defined]
            tabs = len(app.screen.query("TabPane"))  # checks, checklist, deliverable and the stage's panels
            for _ in range(tabs):
                await pilot.pause()
                text = screen_text(app)
                seen.append(text)
                assert_hidden(text, home, f"stage {number}, tab {app.screen.query_one('#stage-tabs').active}")
                await pilot.press("t")
            await pilot.press("n")
        assert any("ghp_…" in t for t in seen), "the token's redacted preview is what is shown"
        assert any("•••@acme.example" in t for t in seen)

        await pilot.press("e")
        await wait_until(pilot, lambda: bool(app.last_export), what="the export")
    for exported in app.last_export:
        assert_hidden(exported.read_text(), home, exported.name)
    json.loads(app.last_export[1].read_text())


async def test_without_presenter_mode_the_same_screen_shows_the_address(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home" / "ann"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    path = setup_project(home)
    app = make_app(path, home, presenter=False)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1")
        await pilot.pause()
        text = screen_text(app)
        assert "founder.private@acme.example" in text  # the control: the check above can fail
        assert PREVIEW in text
        assert CANARY not in text  # secrets are previewed even outside presenter mode
        assert "PRESENTER MODE" not in text
        await pilot.press("f2")  # the binding turns it on, on the current screen
        await pilot.pause()
        text = screen_text(app)
        assert "PRESENTER MODE" in text
        assert_hidden(text, home, "stage 1 after F2")
