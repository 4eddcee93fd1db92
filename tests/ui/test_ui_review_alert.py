"""Review finding (R2): the stage-5 test alert could not be sent from the wizard by a founder without a stored
webhook. The check said "store it in the vault as webhook:slack (wizard, …)", but no screen could store one and
`accounts set --token-stdin` stores a token, not a webhook. The panel now takes a pasted webhook (masked, held in
memory for the session). Real parts: the lab's loopback Slack-shaped receiver (hooks.lab.test, a stand-in for
Slack, which cannot run locally) and the real check context; the vault is "none" (conftest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from support.panel_host import FakeHost, PanelApp
from textual.widgets import Button, Input
from ui_helpers import screen_text

from launchready_tui.checks.base import CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.core.project import parse_project
from launchready_tui.lab import Lab
from launchready_tui.screens.panels.alert_confirm import AlertConfirmPanel

WEBHOOK = "https://hooks.lab.test/services/good"


async def test_a_pasted_webhook_sends_the_test_alert_and_is_never_shown_or_stored(
        lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAUNCHREADY_ALERT_WEBHOOK", raising=False)
    assert lab.state is not None
    lab.state.hook_posts.clear()
    project, _ = parse_project(yaml.safe_dump(lab.project_dict("good.test")))
    async with check_context(project, tmp_path, options=CheckOptions()) as ctx:
        host = FakeHost(project, ctx=ctx, presenter=True)
        app = PanelApp(AlertConfirmPanel, host)
        async with app.run_test(size=(120, 30)) as pilot:
            field = app.query_one("#alert-webhook", Input)
            assert field.password
            field.value = "hooks.lab.test/services/good"  # no scheme: refused in words, nothing sent
            await pilot.click("#alert-send")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert "not a webhook URL" in screen_text(app) and not lab.state.hook_posts
            field.value = WEBHOOK
            await pilot.pause()
            app.query_one("#alert-send", Button).press()  # a second click on the same spot counts as a double click
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert len(lab.state.hook_posts) == 1, screen_text(app)
            assert json.loads(lab.state.hook_posts[0]["body"])["text"].startswith("[TEST] launchready test alert")
            text = screen_text(app)
            assert "Did it arrive?" in text and "services/good" not in text
            await pilot.click("#alert-arrived")
            await pilot.pause()
    assert "services/good" not in json.dumps(host.answers)
    assert not (tmp_path / "launchready.yaml").exists()  # nothing written anywhere by the panel
