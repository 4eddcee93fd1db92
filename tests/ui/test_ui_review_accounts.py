"""Review findings in the stage-7 accounts panel while presenting (R2).

* Saving an account in presenter mode erased its stored login, recovery location and notes: the form never
  shows stored values while presenting, so those fields were empty and were saved as empty.
* A login e-mail typed while presenting was shown as typed; F2 pressed mid-form threw the typed values away.

Real parts: the passphrase-encrypted file vault (LAUNCHREADY_VAULT=file) in the test's folder, the real project
file; the host is a small stand-in for the stage screen (the PanelHost protocol).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button, DataTable, Input, Select
from ui_helpers import screen_text

from launchready_tui.core.model import CheckResult
from launchready_tui.core.project import Project, load_project, save_project
from launchready_tui.core.redact import redact_text
from launchready_tui.screens.panels.accounts import AccountsPanel

LOGIN = "ann.private@acme.example"
RECOVERY = "1Password: Founders/Registrar-7f3a"


class _Session:
    def __init__(self, project: Project, path: Path) -> None:
        self.project, self.path = project, path
        self.results: dict[str, CheckResult] = {}

    def save(self) -> str | None:
        save_project(self.project, self.path)
        return None

    def record(self, result: CheckResult) -> None:
        self.results[result.id] = result


class _Host:
    def __init__(self, project: Project, path: Path, presenter: bool) -> None:
        self.project, self.project_path, self.presenter = project, path, presenter
        self.session = _Session(project, path)
        self.results: dict[str, CheckResult] = {}

    def redact(self, text: str) -> str:
        return redact_text(text, presenter=self.presenter)

    def set_answer(self, key: str, value: Any) -> None:
        self.project.answers[key] = value

    def run_checks(self, ids: list[str]) -> None:
        pass

    async def check_context(self) -> Any:
        raise AssertionError("no check runs in these tests")


class _PanelApp(App[None]):
    def __init__(self, host: _Host) -> None:
        super().__init__()
        self.host = host

    def compose(self) -> ComposeResult:
        yield AccountsPanel(self.host)  # type: ignore[arg-type]


@pytest.fixture
def file_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAUNCHREADY_VAULT", "file")
    monkeypatch.setenv("LAUNCHREADY_VAULT_FILE", str(tmp_path / "vault.enc"))
    monkeypatch.setenv("LAUNCHREADY_VAULT_PASSPHRASE", "correct horse battery")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "launchready.yaml"
    path.write_text("version: 1\ndomain: acme.example\nproduct: Acme AI\n", encoding="utf-8")
    return path


async def _until(pilot: Any, cond: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


def _status(app: App[Any], widget: str) -> str:
    return str(app.query_one(widget).render())


async def _vault_open(pilot: Any, app: App[Any]) -> None:
    await _until(pilot, lambda: "encrypted file" in _status(app, "#vault-status"), "the file vault")


async def _save(pilot: Any, app: App[Any], service: str) -> None:
    app.query_one("#save", Button).press()
    await _until(pilot, lambda: f"saved {service}" in _status(app, "#form-status"), "the save")


async def test_saving_while_presenting_keeps_what_was_stored(file_vault: Path) -> None:
    project = load_project(file_vault)[0]
    app = _PanelApp(_Host(project, file_vault, presenter=False))
    async with app.run_test(size=(140, 60)) as pilot:
        await _vault_open(pilot, app)
        app.query_one("#service", Select).value = "registrar"
        for field, value in (("owner", "Ann Lee"), ("login", LOGIN), ("recovery", RECOVERY), ("notes", "card 4242")):
            app.query_one(f"#{field}", Input).value = value
        await _save(pilot, app, "registrar")

    project = load_project(file_vault)[0]
    app = _PanelApp(_Host(project, file_vault, presenter=True))
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
    host = _Host(load_project(file_vault)[0], file_vault, presenter=False)
    app = _PanelApp(host)
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
