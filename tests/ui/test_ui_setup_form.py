"""Bad input in the setup form: every invalid field gets its own inline message, nothing crashes, nothing
invalid is written, and "Start the audit" stays put until the answers are fixed."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.widgets import Input
from ui_helpers import FakeRunner, offline_context_factory, screen_text, wait_until, welcome_ready

from launchready_tui.app import LaunchReadyApp
from launchready_tui.screens.setup import EndpointRow, SetupScreen
from launchready_tui.screens.stage import StageScreen

BAD = {
    "domain": ("http://bad_domain..com", "cannot contain"),
    "app_url": ("ftp://app", "must be a full http(s) URL"),
    "api_url": ("https://api.acme.example:99999", "port"),
    "health": ("health", "start a path with /"),
    "repo": ("no/such/folder", "no folder at"),
    "senders": ("sendgird", "did you mean sendgrid"),
    "environments": ("prod uction!", "use lower-case letters"),
    "ai_url": ("https://api.acme.example/v1/chat", None),
    "ai_template": ('{"message": "hello"}', "needs {prompt}"),
    "ai_response": ("choices[0]", "a dotted path"),
    "ai_method": ("FETCH", "method must be one of"),
}


async def test_every_bad_field_gets_an_inline_message(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    app = LaunchReadyApp(path, runner=FakeRunner(), context_factory=offline_context_factory, remember=False,
                         built=lambda _id: True)
    async with app.run_test(size=(100, 50)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
        await pilot.press("enter")  # New audit
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup")
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        for key, (text, _message) in BAD.items():
            field = screen.query_one(f"#f-{key}", Input)
            field.focus()
            # one insertion instead of a key press per character (as a paste arrives): same Changed path,
            # a tenth of the time; typing itself is covered by test_setup_answers_are_saved_as_typed
            field.insert_text_at_cursor(text)
            await pilot.pause()
        row = screen.query_one(EndpointRow)
        row.query_one(f"#ep-name-{row.row_id}", Input).focus()
        await pilot.press(*"log in")
        await pilot.pause(0.6)
        for key, (_text, message) in BAD.items():
            shown = str(screen.query_one(f"#msg-{key}").render())
            if message is None:
                assert "✖" not in shown, f"{key}: a valid value shows no error"
            else:
                assert "✖" in shown and message in shown, f"{key}: expected {message!r}, got {shown!r}"
        assert "use letters, digits" in str(row.query_one(".field-message").render())
        assert not path.exists(), "nothing is written before the domain is valid"

        await pilot.press("ctrl+s")  # Start the audit: refused, focus on the first bad field
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert screen.query_one("#f-domain", Input).has_focus

        # fixing the domain writes the file; the still-invalid answers are not in it
        domain = screen.query_one("#f-domain", Input)
        domain.value = "acme.example"
        await pilot.pause(0.6)
        saved = yaml.safe_load(path.read_text())
        assert saved["domain"] == "acme.example"
        assert "app_url" not in saved and saved["environments"] == ["production"]
        assert "Saved" in screen_text(app)

        for key, good in {"app_url": "https://app.acme.example", "api_url": "https://api.acme.example",
                          "health": "/health", "repo": "", "senders": "google-workspace",
                          "environments": "production, staging", "ai_template": '{"q": "{prompt}"}',
                          "ai_response": "reply", "ai_method": "POST"}.items():
            screen.query_one(f"#f-{key}", Input).value = good
        row.query_one(f"#ep-name-{row.row_id}", Input).value = "home"
        await pilot.pause(0.6)
        await pilot.press("ctrl+s")  # the endpoint row has no URL yet: still refused
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        assert "the endpoint URL is required" in str(row.query_one(".field-message").render())
        row.query_one(f"#ep-url-{row.row_id}", Input).value = "acme.example"
        await pilot.pause(0.6)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1 after a clean form")
    saved = yaml.safe_load(path.read_text())
    assert saved["health_url"] == "https://api.acme.example/health"
    assert saved["ai_endpoint"]["body_template"] == '{"q": "{prompt}"}'
    assert saved["environments"] == ["production", "staging"]
    assert [(e["name"], e["url"]) for e in saved["endpoints"]] == [("home", "https://acme.example")]


async def test_a_secret_typed_into_the_form_is_never_saved(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    path.write_text("version: 1\ndomain: acme.example\n")
    app = LaunchReadyApp(path, runner=FakeRunner(), context_factory=offline_context_factory, remember=False,
                         built=lambda _id: True)
    token = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"
    async with app.run_test(size=(100, 50)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="welcome")
        await pilot.press("down", "enter")  # Edit setup
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup")
        field = app.screen.query_one("#f-product", Input)
        field.focus()
        await pilot.press(*token)
        await pilot.pause(0.6)
        assert "looks like a API key" in screen_text(app) or "looks like an API key" in screen_text(app)
        assert token not in screen_text(app).replace(" ", "") or field.password is False
    assert token not in path.read_text()
