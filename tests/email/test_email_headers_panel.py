"""The "Did it land?" panel in a real Textual app: paste, explain, save the selector (never the headers), re-run,
presenter mode through host.redact, pasted markup shown as text. Registered for stages 1 and 7."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support.panel_host import FakeHost, PanelApp, rendered
from textual.widgets import Button, TextArea

from launchready_tui.screens.panels import PANELS, load_panels
from launchready_tui.screens.panels.email_headers import DidItLandPanel

HEADERS = """Authentication-Results: mx.google.com;
       dkim=pass header.i=@acme.example header.s=google header.b=AbCd;
       spf=pass smtp.mailfrom=bounce@acme.example;
       dmarc=pass (p=REJECT) header.from=acme.example
DKIM-Signature: v=1; a=rsa-sha256; d=acme.example; s=google; h=from:to; bh=x=; b=y=
From: "[bold red]Acme[/]" <hello@acme.example>
"""


def test_registered_for_stages_1_and_7() -> None:
    for stage in (1, 7):
        assert "launchready_tui.screens.panels.email_headers:DidItLandPanel" in PANELS[stage]
        classes, problems = load_panels(stage)
        assert DidItLandPanel in classes and not [p for p in problems if "email_headers" in p]


async def test_paste_explain_and_use_the_selector(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    host = FakeHost(stage=1, tag_redactions=True)
    app = PanelApp(DidItLandPanel, host)
    async with app.run_test(size=(120, 50)) as pilot:
        app.query_one("#headers-input", TextArea).text = HEADERS
        await pilot.click("#headers-explain")
        await pilot.pause()
        verdict = rendered(app, "#headers-verdict")
        assert verdict.startswith("[R] ✔ It landed authenticated")
        assert "-authenticated" in app.query_one("#headers-verdict").classes
        lines = rendered(app, "#headers-lines")
        assert "DKIM passed" in lines and "[R]" in lines
        button = app.query_one("#headers-use-selector", Button)
        assert not button.disabled and "'google'" in str(button.label)
        await pilot.click("#headers-use-selector")
        await pilot.pause()
        assert host.answers == {"email.header_selectors": ["google"]}  # the selector only, never the headers
        assert host.reruns == [["email.summary"]]
        assert "saved the DKIM selector" in rendered(app, "#headers-status")
        await pilot.click("#headers-clear")
        await pilot.pause()
        assert app.query_one("#headers-input", TextArea).text == "" and rendered(app, "#headers-verdict") == ""


async def test_presenter_mode_and_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    host = FakeHost(stage=7, tag_redactions=True)
    app = PanelApp(DidItLandPanel, host)
    pasted = ("Authentication-Results: mx.example.net; dkim=fail header.d=[b]evil[/b].example\n"
              "Received-SPF: fail (x) envelope-from=boss@acme.example;\nFrom: boss@acme.example\n")
    async with app.run_test(size=(120, 50)) as pilot:
        app.query_one("#headers-input", TextArea).text = pasted
        await pilot.click("#headers-explain")
        await pilot.pause()
        before = rendered(app, "#headers-verdict") + rendered(app, "#headers-lines")
        host.presenter = True
        app.query_one(DidItLandPanel).presenter_changed(True)
        await pilot.pause()
        after = rendered(app, "#headers-verdict") + rendered(app, "#headers-lines")
    assert before.startswith("[R] ✖ Not authenticated")
    assert "[b]evil[/b].example" in before  # pasted text is shown as text, never as styling
    assert after.startswith("[P] ✖ Not authenticated")  # re-rendered through host.redact in presenter mode


def test_the_panel_loads_nothing_that_reaches_the_network() -> None:
    code = ("import sys, launchready_tui.screens.panels.email_headers\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dns', 'cryptography', 'httpx', 'aiohttp')"
            " or m.startswith('launchready_tui.net')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
