"""The stage-5 test-alert panel in a real Textual app: the key press sends one alert through the wizard's check
context to the lab's webhook receiver, and "It arrived" stores a dated confirmation (no webhook URL) and re-runs
the check. The Slack receiver is the lab's loopback stand-in (hooks.lab.test), not Slack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from support.panel_host import FakeHost, PanelApp

from launchready_tui.checks.base import CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.core.project import parse_project
from launchready_tui.lab.server import Lab
from launchready_tui.screens.panels.alert_confirm import AlertConfirmPanel

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_send_then_confirm(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("LAUNCHREADY_ALERT_WEBHOOK", "https://hooks.lab.test/services/good")
    assert lab.state is not None
    lab.state.hook_posts.clear()
    project, _ = parse_project(yaml.safe_dump(lab.project_dict("good.test")))
    async with check_context(project, tmp_path, options=CheckOptions()) as ctx:
        host = FakeHost(project, ctx=ctx)
        app = PanelApp(AlertConfirmPanel, host)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.click("#alert-send")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert len(lab.state.hook_posts) == 1
            assert json.loads(lab.state.hook_posts[0]["body"])["text"].startswith("[TEST] launchready test alert")
            assert "send_test_alert" not in ctx.options.extra  # the permission was for that one send
            app.query_one("#alert-channel").value = "#alerts"  # type: ignore[attr-defined]
            await pilot.click("#alert-arrived")
            await pilot.pause()
    answer = host.answers["monitor.alert_route"]
    assert answer["arrived"] is True and answer["channel"] == "#alerts" and answer["confirmed_at"].endswith("Z")
    assert answer["webhook_fingerprint"].startswith("sha256:") and "hooks.lab.test" not in json.dumps(answer)
    assert host.reruns == [["monitor.alert_route"]]
