"""The stage-7 accounts panel in a real Textual app: vault choice, passphrase, saving, presenter mode, export.

The host is a small stand-in for the stage screen (the PanelHost protocol); the vault backends, the project file
and, for the export, the check context on the lab are all real.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import keyring
import pytest
from handover_helpers import MemoryKeyring, write_lab_project
from keyring.backends import fail
from support.panel_host import FakeHost, PanelApp, rendered
from textual.app import App
from textual.widgets import Button, Checkbox, DataTable, Input, Select

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.core.project import Project, load_project, save_project
from launchready_tui.lab.server import Lab
from launchready_tui.screens.panels import PANELS, load_panels
from launchready_tui.screens.panels.accounts import AccountsPanel
from launchready_tui.vault.choice import config_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ui"))  # the wizard tests' helpers

from ui_helpers import screen_text, wait_until  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="package")

OWNER = "Canaryowner-7f3a"
LOGIN = "canary.login@gmail.com"
RECOVERY = "CanaryVault-Ops-9d1e"


async def press(pilot: Any, button: str) -> None:
    """Press a button the way a click does (Button.press), wherever the panel is scrolled to."""
    pilot.app.query_one(button, Button).press()
    await pilot.pause()


def status(app: App[Any], widget: str = "#vault-status") -> str:
    return rendered(app, widget)


def vault_settled(app: App[Any]) -> bool:
    """The vault line names a backend and is no longer opening or waiting."""
    return "Vault:" in status(app) and "opening" not in status(app) and "waiting" not in status(app)


@asynccontextmanager
async def offline_ctx(project: Project, folder: Path) -> AsyncIterator[CheckContext]:
    yield CheckContext(project=project, resolver=None, http=None, project_dir=folder,  # type: ignore[arg-type]
                       options=CheckOptions())


def make_project(tmp_path: Path) -> tuple[Project, Path]:
    path = tmp_path / "launchready.yaml"
    path.write_text("version: 1\ndomain: acme.example\nproduct: Acme AI\n", encoding="utf-8")
    return load_project(path)[0], path


def fill(app: App[Any], service: str, **values: str) -> None:
    app.query_one("#service", Select).value = service
    for field, value in values.items():
        app.query_one(f"#{field}", Input).value = value


async def test_panel_is_registered_for_stage_7() -> None:
    assert "launchready_tui.screens.panels.accounts:AccountsPanel" in PANELS[7]
    classes, problems = load_panels(7)
    assert AccountsPanel in classes and not problems


async def test_keyring_save_shows_and_shares_with_checks(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    project, path = make_project(tmp_path)
    async with offline_ctx(project, tmp_path) as ctx:
        host = FakeHost(project, path=path, ctx=ctx)
        app = PanelApp(AccountsPanel, host)
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: "MemoryKeyring" in status(app) or "in-memory" in status(app),
                             what="the vault")
            fill(app, "registrar", owner=OWNER, backup="Bob Stone", login=LOGIN, recovery=RECOVERY,
                 **{"verified-by": "Bob Stone"})
            app.query_one("#twofa", Select).value = "yes"
            await press(pilot, "#save")
            await wait_until(pilot, lambda: "saved registrar" in status(app, "#form-status"), what="the save")
            assert OWNER in screen_text(app)  # outside presenter mode the owner is shown
            assert ctx.options.extra.get("vault") is not None  # stage-7 checks can read the details now
    pid = load_project(path)[0].extra["project_id"]
    stored = json.loads(memory_keyring.values[(f"launchready:{pid}", "account:registrar")])
    assert stored["owner"] == OWNER and stored["recovery_location"] == RECOVERY and stored["twofa"] is True
    text = path.read_text(encoding="utf-8")
    assert OWNER not in text and RECOVERY not in text and LOGIN not in text and "account:registrar" in text
    assert host.reruns == [["handover.accounts"]]


async def test_presenter_mode_never_shows_vault_values(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    project, path = make_project(tmp_path)
    async with offline_ctx(project, tmp_path) as ctx:
        app = PanelApp(AccountsPanel, FakeHost(project, path=path, ctx=ctx))
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: vault_settled(app), what="the vault")
            fill(app, "dns", owner=OWNER, login=LOGIN, recovery=RECOVERY)
            await press(pilot, "#save")
            await wait_until(pilot, lambda: "saved dns" in status(app, "#form-status"), what="the save")
    project = load_project(path)[0]
    async with offline_ctx(project, tmp_path) as ctx:
        app = PanelApp(AccountsPanel, FakeHost(project, path=path, ctx=ctx, presenter=True))
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: vault_settled(app), what="the vault")
            table = app.query_one(DataTable)
            table.focus()
            table.move_cursor(row=1)  # dns
            await pilot.press("enter")
            await pilot.pause()
            text = screen_text(app)
            assert "recorded" in text and "personal mailbox" in text
            for canary in (OWNER, LOGIN, "canary.login", RECOVERY):
                assert canary not in text, canary
            assert app.query_one("#owner", Input).value == "" and app.query_one("#recovery", Input).value == ""


async def test_no_keyring_offers_the_choice_then_the_encrypted_file(tmp_path: Path, installed_keyring: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("LAUNCHREADY_VAULT_FILE", str(tmp_path / "vault.enc"))
    project, path = make_project(tmp_path)
    async with offline_ctx(project, tmp_path) as ctx:
        app = PanelApp(AccountsPanel, FakeHost(project, path=path, ctx=ctx))
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: "unavailable" in status(app), what="the refusal")
            assert app.query_one("#vault-choice").has_class("shown")
            assert "plain text" in status(app) and "dbus-run-session" in status(app)
            await press(pilot, "#choose-file")
            passphrase = app.query_one("#passphrase", Input)
            assert passphrase.password  # typed characters are masked
            passphrase.value = "short"
            await press(pilot, "#unlock")
            await wait_until(pilot, lambda: "at least 8" in status(app), what="the passphrase rule: " + status(app))
            passphrase.value = "correct horse battery"
            await press(pilot, "#unlock")
            await wait_until(pilot, lambda: "encrypted file" in status(app), what="the encrypted file")
            assert passphrase.value == ""  # not kept in the widget
            fill(app, "hosting", owner="Ann")
            await press(pilot, "#save")
            await wait_until(pilot, lambda: "saved hosting" in status(app, "#form-status"), what="the save")
    assert "backend: file" in config_path().read_text()  # the choice is remembered (user config, not the project)
    assert "backend" not in path.read_text() and "correct horse" not in path.read_text()  # choice: user config only
    assert (tmp_path / "vault.enc").is_file() and b"Ann" not in (tmp_path / "vault.enc").read_bytes()


async def test_wrong_passphrase_asks_again_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from launchready_tui.vault.choice import remember
    from launchready_tui.vault.encrypted_file import EncryptedFileKeyring

    vault_file = tmp_path / "vault.enc"
    EncryptedFileKeyring(vault_file, "correct horse battery").set_password("launchready:x", "account:dns", "{}")
    before = vault_file.read_bytes()
    remember("file", vault_file)
    project, path = make_project(tmp_path)
    async with offline_ctx(project, tmp_path) as ctx:
        app = PanelApp(AccountsPanel, FakeHost(project, path=path, ctx=ctx))
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: "needs its passphrase" in status(app), what="the passphrase request")
            assert app.query_one("#passphrase-row").has_class("shown")
            assert not app.query_one("#vault-choice").has_class("shown")
            app.query_one("#remember-choice", Checkbox).value = False
            app.query_one("#passphrase", Input).value = "wrong horse battery"
            await press(pilot, "#unlock")
            await wait_until(pilot, lambda: "wrong passphrase" in status(app), what="the refusal")
            assert app.query_one("#passphrase-row").has_class("shown")
    assert vault_file.read_bytes() == before


async def test_locked_keyring_says_so_and_offers_the_file(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.locked = True
    project, path = make_project(tmp_path)
    async with offline_ctx(project, tmp_path) as ctx:
        app = PanelApp(AccountsPanel, FakeHost(project, path=path, ctx=ctx))
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: "locked" in status(app), what="the locked message")
            assert "unlock" in status(app).lower()
            assert app.query_one("#vault-choice").has_class("shown")
            fill(app, "dns", owner="Ann")
            await press(pilot, "#save")
            assert "not open yet" in status(app, "#form-status")


async def test_export_from_the_panel_asks_before_replacing(lab: Lab, tmp_path: Path,
                                                          memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "launchready.yaml"
    project = write_lab_project(lab, path)
    async with check_context(project, tmp_path) as ctx:
        host = FakeHost(project, path=path, ctx=ctx)
        app = PanelApp(AccountsPanel, host)
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: "in-memory test keyring" in status(app), what="the vault")
            await press(pilot, "#export")
            await wait_until(pilot, lambda: "written to" in status(app, "#export-status"),
                             timeout=60, what="the export")
            folder = tmp_path / "handover"
            written = sorted(p.suffix for p in folder.iterdir())
            assert written == [".html", ".md", ".pdf"]
            md = next(folder.glob("*.md"))
            md.write_text("edited")
            await press(pilot, "#export")
            await wait_until(pilot, lambda: "already exist" in status(app, "#export-status"),
                             timeout=60, what="the refusal")
            assert md.read_text() == "edited" and app.query_one("#replace-row").has_class("shown")
            await press(pilot, "#replace")
            await wait_until(pilot, lambda: "written to" in status(app, "#export-status"),
                             timeout=60, what="the replacement")
            assert md.read_text().startswith("# Handover: Good Co (lab)")
            assert host.session.results["handover.export"].status.value == "pass"
            assert "handover_export" not in ctx.options.extra


async def test_refs_missing_from_the_vault_are_shown(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    from launchready_tui.vault.accounts import AccountRecord, project_id, save_account
    from launchready_tui.vault.keyring_store import KeyringStore
    from launchready_tui.vault.store import service_name

    project, path = make_project(tmp_path)
    store = KeyringStore(memory_keyring, service_name(project_id(project, create=True) or ""), name="t")
    save_account(project, store, "dns", AccountRecord(owner="Ann"))
    save_project(project, path)
    memory_keyring.values.clear()  # deleted outside launchready (e.g. in Seahorse)
    async with offline_ctx(project, tmp_path) as ctx:
        app = PanelApp(AccountsPanel, FakeHost(project, path=path, ctx=ctx))
        async with app.run_test(size=(140, 60)) as pilot:
            await wait_until(pilot, lambda: "Missing from the vault" in status(app, "#form-status"), what="the warning")
            assert "account:dns" in status(app, "#form-status")
    assert "account:dns" in path.read_text()  # the ref is kept, not silently dropped
