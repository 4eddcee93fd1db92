"""Review findings in the stage-7 accounts panel while presenting (R2).

* Saving an account in presenter mode erased its stored login, recovery location and notes: the form never
  shows stored values while presenting, so those fields were empty and were saved as empty.
* A login e-mail typed while presenting was shown as typed; F2 pressed mid-form threw the typed values away.

Real parts: the passphrase-encrypted file vault (LAUNCHREADY_VAULT=file) in the test's folder, the real project
file; the host is a small stand-in for the stage screen (the PanelHost protocol).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.panel_host import FakeHost, PanelApp, rendered
from textual.app import App
from textual.widgets import Button, DataTable, Input, Select
from ui_helpers import screen_text, wait_until

from launchready_tui.core.project import load_project
from launchready_tui.screens.panels.accounts import AccountsPanel

LOGIN = "ann.private@acme.example"
RECOVERY = "1Password: Founders/Registrar-7f3a"


@pytest.fixture
def file_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAUNCHREADY_VAULT", "file")
    monkeypatch.setenv("LAUNCHREADY_VAULT_FILE", str(tmp_path / "vault.enc"))
    monkeypatch.setenv("LAUNCHREADY_VAULT_PASSPHRASE", "correct horse battery")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "launchready.yaml"
    path.write_text("version: 1\ndomain: acme.example\nproduct: Acme AI\n", encoding="utf-8")
    return path


async def _vault_open(pilot: Any, app: App[Any]) -> None:
    await wait_until(pilot, lambda: "encrypted file" in rendered(app, "#vault-status"), what="the file vault")


async def _save(pilot: Any, app: App[Any], service: str) -> None:
    app.query_one("#save", Button).press()
    await wait_until(pilot, lambda: f"saved {service}" in rendered(app, "#form-status"), what="the save")


async def test_saving_while_presenting_keeps_what_was_stored(file_vault: Path) -> None:
    project = load_project(file_vault)[0]
    app = PanelApp(AccountsPanel, FakeHost(project, path=file_vault))
    async with app.run_test(size=(140, 60)) as pilot:
        await _vault_open(pilot, app)
        app.query_one("#service", Select).value = "registrar"
        for field, value in (("owner", "Ann Lee"), ("login", LOGIN), ("recovery", RECOVERY), ("notes", "card 4242")):
            app.query_one(f"#{field}", Input).value = value
        await _save(pilot, app, "registrar")

    project = load_project(file_vault)[0]
    app = PanelApp(AccountsPanel, FakeHost(project, path=file_vault, presenter=True))
    async with app.run_test(size=(140, 60)) as pilot:
        await _vault_open(pilot, app)
        table = app.query_one(DataTable)
        table.focus()
        table.move_cursor(row=0)  # registrar
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#login", Input).value == ""  # never on screen while presenting
        app.query_one("#twofa", Select).value = "yes"  # the one thing the consultant changes
        await _save(pilot, app, "registrar")
        panel = app.query_one(AccountsPanel)
        record = panel._records["registrar"]
        assert record is not None
        assert (record.owner, record.login_email, record.recovery_location, record.notes, record.twofa) == \
            ("Ann Lee", LOGIN, RECOVERY, "card 4242", True)
        assert LOGIN not in screen_text(app) and RECOVERY not in screen_text(app)


async def test_typed_vault_values_are_masked_while_presenting_and_kept_across_f2(file_vault: Path) -> None:
    host = FakeHost(load_project(file_vault)[0], path=file_vault)
    app = PanelApp(AccountsPanel, host)
    async with app.run_test(size=(140, 60)) as pilot:
        await _vault_open(pilot, app)
        login = app.query_one("#login", Input)
        login.value = LOGIN
        await pilot.pause()
        assert LOGIN in screen_text(app)  # the control: the founder alone sees what is typed
        host.presenter = True
        app.query_one(AccountsPanel).presenter_changed(True)
        await pilot.pause()
        assert login.value == LOGIN and login.password  # kept, shown as dots
        assert LOGIN not in screen_text(app)
        assert app.query_one("#recovery", Input).password and not app.query_one("#provider", Input).password
