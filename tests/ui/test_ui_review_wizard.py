"""Review findings of the wizard walk (R2), each pinned by a test that fails on the old behaviour.

* bracketed words in dynamic text are shown, not parsed as markup ("[TEST]" vanished; "[/x]" raised);
* every toast is redacted and plain, and turning presenter mode on clears the toasts already up;
* switching to a stage panel's tab focuses its first button (Tab used to start on the sidebar), never a text
  field (there t/n would be typed instead of switching);
* the vault choice buttons are visible when no keyring answers (a 1fr Vertical clipped them to zero rows);
* the AI panel shows the real request count and cap before anything ran.

The stage screen runs on a fake runner and an offline context (no socket); the vault is "none" (conftest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.panel_host import FakeHost, PanelApp
from textual.widgets import Button, Input, Static, TabbedContent, TextArea
from ui_helpers import FakeRunner, fake_project, offline_context_factory, screen_text, wait_until

from launchready_tui.app import LaunchReadyApp
from launchready_tui.core.project import AiEndpoint, Project
from launchready_tui.screens.panels.ai_confirm import AiConfirmPanel
from launchready_tui.screens.panels.alert_confirm import AlertConfirmPanel


def make_app(tmp_path: Path, project: Project | None = None, **kw: Any) -> LaunchReadyApp:
    return LaunchReadyApp(tmp_path / "launchready.yaml", project=project or fake_project(),
                          start_stage=kw.pop("stage", 1), runner=FakeRunner(), context_factory=offline_context_factory,
                          remember=False, built=lambda _id: True, **kw)


async def test_the_test_alert_preview_shows_its_test_label_and_odd_names_do_not_crash() -> None:
    project = fake_project()
    project.product = "Acme [/beta] [b]AI[/b]"  # a closing tag with no opening one raised MarkupError
    app = PanelApp(AlertConfirmPanel, FakeHost(project))
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        preview = str(app.query_one("#alert-preview", Static).render())
        assert '"[TEST] launchready test alert for Acme [/beta] [b]AI[/b]' in preview


async def test_toasts_are_plain_text_and_redacted_and_presenter_mode_clears_old_ones(tmp_path: Path,
                                                                                     monkeypatch: Any) -> None:
    home = tmp_path / "home" / "ann"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    app = make_app(tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        app.notify(f"[/oops] report written to {home}/reports/x.md for ann.lee@acme.example", timeout=30)
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert shown == [f"[/oops] report written to {home}/reports/x.md for ann.lee@acme.example"]  # no crash
        await pilot.press("f2")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1 and messages[0].startswith("Presenter mode is on"), messages
        app.notify(f"again: {home}/x for ann.lee@acme.example", title=f"{home}", timeout=30)
        await pilot.pause()
        last = list(app._notifications)[-1]
        assert str(home) not in last.message + last.title and "ann.lee@" not in last.message
        assert "~/x" in last.message and "•••@acme.example" in last.message


async def _panel_tab(pilot: Any, app: LaunchReadyApp, title_id: str) -> None:
    tabs = app.screen.query_one("#stage-tabs", TabbedContent)
    for _ in range(8):
        await pilot.press("t")
        await pilot.pause()
        if tabs.active == title_id:
            return
    raise AssertionError(f"t never reached {title_id}")


async def test_a_panel_tab_focuses_its_first_button_and_t_still_switches_tabs(tmp_path: Path) -> None:
    app = make_app(tmp_path, stage=5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 5")
        await _panel_tab(pilot, app, "tab-panel-0")  # "Test alert"
        focused = app.focused
        assert isinstance(focused, Button) and focused.id == "alert-send", focused
        await pilot.press("t")  # not typed into the channel field: the next tab (wraps to Checks)
        await pilot.pause()
        assert app.screen.query_one("#stage-tabs", TabbedContent).active == "tab-checks"
        assert app.screen.query_one("#alert-channel", Input).value == ""


async def test_the_did_it_land_tab_does_not_put_the_cursor_in_the_paste_box(tmp_path: Path) -> None:
    app = make_app(tmp_path, stage=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 1")
        await _panel_tab(pilot, app, "tab-panel-0")  # "Did it land?"
        assert not isinstance(app.focused, TextArea | Input), app.focused
        assert app.focused is not None and app.focused.id != "sidebar"
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen.stage.number == 2, what="n to reach stage 2")  # type: ignore[attr-defined]


async def test_vault_choice_buttons_are_visible_when_no_keyring_answers(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LAUNCHREADY_VAULT", "")  # the conftest's "none" would skip the choice
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    import keyring
    from keyring.backends import fail

    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    app = make_app(tmp_path, stage=7)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 7")
        await _panel_tab(pilot, app, "tab-panel-0")  # "Accounts & handover"
        choice = app.screen.query_one("#vault-choice")
        await wait_until(pilot, lambda: choice.has_class("shown"), what="the vault choice")
        await pilot.pause()
        for button_id in ("choose-keyring", "choose-file", "choose-none"):
            button = app.screen.query_one(f"#{button_id}", Button)
            assert button.region.height == 3, (button_id, button.region)  # laid out, not clipped to nothing
            assert choice.region.contains_region(button.region), (choice.region, button.region)
        assert "Passphrase-encrypted file" in screen_text(app)


async def test_the_ai_panel_shows_the_real_plan_before_anything_ran() -> None:
    project = fake_project()
    project.ai_endpoint = AiEndpoint(url="https://api.acme.example/v1/chat", method="POST",
                                     body_template='{"message": "{prompt}"}', response_path="reply",
                                     max_requests=40)
    app = PanelApp(AiConfirmPanel, FakeHost(project))
    async with app.run_test(size=(140, 20)) as pilot:
        await pilot.pause()
        plan = str(app.query_one("#ai-plan", Static).render())
        assert "(hard cap 40)" in plan and "https://api.acme.example/v1/chat" in plan, plan
        assert "bounded set of requests" not in plan


HEADERS = """Authentication-Results: mx.google.com;
       dkim=pass header.i=@acme.example header.s=google header.b=abc;
       spf=pass (google.com: domain of founder.private@acme.example designates 192.0.2.1 as permitted sender)
       smtp.mailfrom=founder.private@acme.example;
       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=acme.example
From: Founder <founder.private@acme.example>
To: buyer.person@customer.example
"""


async def test_headers_pasted_while_presenting_never_reach_the_screen(tmp_path: Path) -> None:
    from textual import events

    app = make_app(tmp_path, presenter=True)
    async with app.run_test(size=(120, 45)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 1")
        await _panel_tab(pilot, app, "tab-panel-0")  # "Did it land?"
        box = app.screen.query_one("#headers-input", TextArea)
        box.focus()
        box.post_message(events.Paste(HEADERS))
        await pilot.pause()
        text = screen_text(app)
        assert "founder.private@" not in text and "buyer.person@" not in text, text
        assert box.text == "" and "hidden while presenting" in text
        await pilot.click("#headers-explain")
        await pilot.pause()
        text = screen_text(app)
        assert "DMARC" in text and "founder.private@" not in text  # explained from the held paste
        await pilot.press("f2")  # presenter off: the paste is back in the box for the founder
        await pilot.pause()
        assert "founder.private@acme.example" in box.text
        box.text = ""
        await pilot.press("f2")  # typed/pasted text already in the box is moved out when presenting starts
        await pilot.pause()
        box.load_text("To: buyer.person@customer.example")
        await pilot.pause()
        await pilot.press("f2", "f2")
        await pilot.pause()
        assert box.text == "" and "buyer.person@" not in screen_text(app)


async def test_on_a_short_terminal_the_goal_cut_in_the_heading_is_whole_in_the_deliverable(tmp_path: Path) -> None:
    from launchready_tui.core.stages import get as get_stage

    stage = get_stage(1)
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 1")
        assert stage.goal not in " ".join(screen_text(app).split())  # the heading shows it cut ("…")
        await _panel_tab(pilot, app, "tab-deliverable")
        await pilot.pause()
        shown = " ".join(screen_text(app).replace("▕", " ").split())
        assert " ".join(stage.goal.split()[:8]) in shown and "Watch for" in shown
        from launchready_tui.widgets.deliverable import StageDeliverable

        text = app.screen.query_one(StageDeliverable).markdown_text
        assert stage.goal in text and stage.failure_signal in text


async def test_leaving_setup_with_bad_answers_says_which_were_not_saved(tmp_path: Path) -> None:
    from launchready_tui.screens.setup import SetupScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 1")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup")
        field = app.screen.query_one("#f-health", Input)
        field.focus()
        await pilot.press("end", "ctrl+u", *"health")  # a path without its leading /
        await pilot.pause(0.6)
        await pilot.press("escape")
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="back on the stage")
        messages = [n.message for n in app._notifications]
        assert any("Not saved" in m and "Health check" in m for m in messages), messages


async def test_load_buttons_follow_the_run_and_take_the_focus_along(tmp_path: Path) -> None:
    app = make_app(tmp_path, stage=6)
    app._runner = FakeRunner(delay=1.5)  # the load checks "run" for a while; nothing is sent
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 6")
        await _panel_tab(pilot, app, "tab-panel-0")  # "Load chart"
        run, stop = app.screen.query_one("#load-run", Button), app.screen.query_one("#load-stop", Button)
        await wait_until(pilot, lambda: stop.disabled, what="Stop disabled while idle")
        assert app.focused is run and not run.disabled
        await pilot.press("enter")
        await wait_until(pilot, lambda: run.disabled and not stop.disabled, what="Stop enabled during the run")
        assert app.focused is stop  # Enter now stops the load
        await wait_until(pilot, lambda: not app.running_stages(), timeout=30, what="the run to end")
        await wait_until(pilot, lambda: not run.disabled and stop.disabled, what="Run back after the run")
        assert app.focused is run


async def test_the_lab_start_error_is_redacted_while_presenting(tmp_path: Path, monkeypatch: Any) -> None:
    from launchready_tui.screens.lab_start import LabStartScreen

    home = tmp_path / "home" / "ann"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    app = make_app(tmp_path, presenter=True)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        screen = LabStartScreen("flawed.test")
        await app.push_screen(screen)
        await pilot.pause()
        screen.failed(f"[Errno 13] Permission denied: '{home}/.cache/launchready-lab'")
        await pilot.pause()
        text = screen_text(app)
        assert "Permission denied: '~/.cache/launchready-lab'" in text and str(home) not in text


async def test_a_wrapped_evidence_line_keeps_its_indent_in_the_detail_pane(tmp_path: Path) -> None:
    from ui_helpers import fake_result

    from launchready_tui.core import catalogue
    from launchready_tui.core.model import Status

    spec = catalogue.get("secrets.repo_tree")
    long_path = "/srv/clients/acme/checkouts/" + "very-long-folder-name/" * 4 + "scripts/seed.js"
    result = fake_result(spec, Status.FAIL, evidence={"findings": [{"file": long_path, "line": 2}]})
    app = LaunchReadyApp(tmp_path / "launchready.yaml", project=fake_project(), initial_results=[result],
                         start_stage=4, runner=FakeRunner(), context_factory=offline_context_factory, remember=False,
                         built=lambda _id: True)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "stage", None) is not None, what="stage 4")
        await pilot.pause()
        body = [ln.split("▕", 1)[-1] for ln in screen_text(app).splitlines()]  # the pane, without the sidebar
        first = next(i for i, ln in enumerate(body) if "/srv/clients/" in ln)
        value, wrapped = body[first], body[first + 1]
        assert "very-long" in wrapped or "seed.js" in wrapped, body[first - 1:first + 3]

        def indent(line: str) -> int:
            return len(line) - len(line.lstrip(" "))

        assert indent(wrapped) == indent(value) > 2, (value, wrapped)  # under its key, not at the pane's edge
