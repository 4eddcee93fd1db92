"""Canaries: a token, a webhook URL, a recovery-code location, an owner and a login planted in the vault never reach
the project file (or its .bak), the exports (md, html, pdf text and bytes), an audit report, the logs (--debug), or
the wizard's screen in presenter mode. A control run shows the same planted values DO reach the places where they
belong (the vault file decrypts to them; the private edition prints the location), so the test can fail."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from handover_helpers import write_lab_project
from rich.console import Console
from textual.widgets import TabbedContent, TabPane

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.core.catalogue import CheckSpec
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.core.project import Project, load_project
from launchready_tui.lab.server import Lab
from launchready_tui.vault.encrypted_file import EncryptedFileKeyring

pytestmark = pytest.mark.asyncio(loop_scope="package")

BIN = str(Path(sys.executable).parent / "launchready")
PASS = "correct horse battery"
TOKEN = "cnry_" + "Vb7Qk2Lm9Xw4Rt6Yp1Zs8"  # no known shape: only the exact-value gate can catch it
WEBHOOK = "https://hooks.slack.com/services/T0CANARY1/B0CANARY2/canaryCANARYcanary1234"
RECOVERY = "CanaryRecovery-Ops-4e7b"
OWNER = "Canaryowner-Zq3"
LOGIN = "canary.login.x91@gmail.com"
NEVER = (TOKEN, WEBHOOK, "T0CANARY1/B0CANARY2", RECOVERY)  # secrets and references: nowhere but the vault
PEOPLE = (OWNER, LOGIN, "canary.login.x91")  # vault values: shown only in the document and outside presenter mode


async def cli(*args: str, env: dict[str, str], stdin: str | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(BIN, *args, env={**os.environ, **env}, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 180)
    return proc.returncode or 0, out.decode(), err.decode()


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def _pdf_text(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        return ""
    return subprocess.run([tool, str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def _plant_webhook(vault_file: Path, project_path: Path) -> None:
    """The monitoring stage keeps a Slack webhook in the vault under webhook:slack (monitoring.md §7)."""
    import yaml

    data = yaml.safe_load(project_path.read_text(encoding="utf-8"))
    EncryptedFileKeyring(vault_file, PASS).set_password(f"launchready:{data['project_id']}", "webhook:slack", WEBHOOK)
    data["vault_refs"] = sorted([*data["vault_refs"], "webhook:slack"])
    project_path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


async def test_canaries_stay_in_the_vault(lab: Lab, tmp_path: Path) -> None:
    vault_file = tmp_path / "vault.enc"
    env = {"LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_FILE": str(vault_file),
           "LAUNCHREADY_VAULT_PASSPHRASE": PASS}
    project_path = tmp_path / "launchready.yaml"
    write_lab_project(lab, project_path)
    logs: list[str] = []

    rc, out, err = await cli("--debug", "accounts", "set", "registrar", "--project", str(project_path), "--owner",
                             OWNER, "--backup-owner", "Bob Stone", "--login", LOGIN, "--twofa", "yes",
                             "--recovery-location", RECOVERY, "--token-stdin", env=env, stdin=TOKEN)
    assert rc == 0, err
    logs += [out, err]
    _plant_webhook(vault_file, project_path)
    rc, out, err = await cli("--debug", "accounts", "set", "dns", "--project", str(project_path), "--owner", "Ann",
                             env=env)  # a second save rewrites the file and its .bak
    assert rc == 0, err
    logs += [out, err]
    rc, out, err = await cli("--debug", "accounts", "list", "--project", str(project_path), env=env)
    assert rc == 0, err
    assert OWNER in out and "cnry…" in out  # the owner's own listing shows names, the token only masked
    logs += [err]

    out_dir = tmp_path / "export"
    rc, out, err = await cli("--debug", "handover", "--project", str(project_path), "--output", str(out_dir), env=env)
    assert rc in (0, 1), err
    logs += [out, err]
    rc, audit_json, err = await cli("--debug", "audit", "--project", str(project_path), "--stage", "7", "--format",
                                    "json", env=env)
    logs += [err]

    # project file and its backup
    files = {"project": project_path.read_text(encoding="utf-8"),
             "project .bak": (tmp_path / "launchready.yaml.bak").read_text(encoding="utf-8"),
             "audit report": audit_json}
    for f in sorted(out_dir.iterdir()):
        files[f.name] = f.read_bytes().decode("utf-8", "replace")
        if f.suffix == ".pdf":
            files[f.name + " (text)"] = _pdf_text(f)
    files["logs"] = "\n".join(logs)
    for where, text in files.items():
        for canary in NEVER:
            assert canary not in text, f"{canary!r} leaked into {where}"
    for where in ("project", "project .bak", "audit report", "logs"):
        for canary in PEOPLE:
            if where == "logs" and canary == OWNER:
                continue  # the command line itself is not a log line; `accounts list` output was excluded above
            assert canary not in files[where], f"{canary!r} leaked into {where}"
    md = next(t for name, t in files.items() if name.endswith(".md"))
    assert OWNER in md  # the document does list owners (that is its job), so the checks above are not vacuous
    assert json.loads(audit_json)["schema"] == "launchready.report/1"

    # control: the vault really holds them, and the private edition prints the location
    ring = EncryptedFileKeyring(vault_file, PASS)
    pid = load_project(project_path)[0].extra["project_id"]
    assert ring.get_password(f"launchready:{pid}", "token:registrar") == TOKEN
    assert RECOVERY in (ring.get_password(f"launchready:{pid}", "account:registrar") or "")
    rc, out, err = await cli("handover", "--project", str(project_path), "--output", str(tmp_path / "private"),
                             "--format", "md", "--include-recovery-locations", env=env)
    assert rc in (0, 1), err
    assert RECOVERY in _read(out.split()[0])


# ---- presenter mode in the real wizard ------------------------------------------------------------------


async def _no_run(specs: Sequence[CheckSpec], ctx: CheckContext, on_event: Any = None,
                  concurrency: int = 8) -> list[CheckResult]:
    return [CheckResult(id=s.id, title=s.title, status=Status.SKIPPED, stage=s.stage, impact=s.impact,
                        summary="not run in this test") for s in specs]


def _offline(project: Project, folder: Path) -> Any:
    @asynccontextmanager
    async def make() -> AsyncIterator[CheckContext]:
        yield CheckContext(project=project, resolver=None, http=None, project_dir=folder,  # type: ignore[arg-type]
                           options=CheckOptions())

    return make()


def _screen_text(app: Any) -> str:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().replace("\xa0", " ")


async def test_presenter_mode_in_the_wizard_shows_no_vault_value(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from launchready_tui.app import LaunchReadyApp
    from launchready_tui.screens.panels.accounts import AccountsPanel
    from launchready_tui.vault.accounts import AccountRecord, save_account
    from launchready_tui.vault.opener import open_file

    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    vault_file = tmp_path / "vault.enc"
    for k, v in {"LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_FILE": str(vault_file),
                 "LAUNCHREADY_VAULT_PASSPHRASE": PASS}.items():
        monkeypatch.setenv(k, v)
    path = tmp_path / "launchready.yaml"
    path.write_text("version: 1\ndomain: acme.example\nproduct: Acme AI\n", encoding="utf-8")
    project = load_project(path)[0]
    from launchready_tui.vault.accounts import project_id

    store = open_file(project_id(project, create=True) or "", PASS, vault_file)
    save_account(project, store, "registrar", AccountRecord(owner=OWNER, login_email=LOGIN, twofa=True,
                                                            recovery_location=RECOVERY), token=TOKEN)
    from launchready_tui.core.project import save_project

    save_project(project, path)
    for presenter in (True, False):
        app = LaunchReadyApp(path, presenter=presenter, project=load_project(path)[0], runner=_no_run,
                             context_factory=_offline, remember=False, built=lambda _id: True, start_stage=7,
                             auto_run=False)
        async with app.run_test(size=(150, 60)) as pilot:
            for _ in range(200):
                await pilot.pause(0.05)
                panels = list(app.screen.query(AccountsPanel))
                if panels:
                    break
            assert panels, "the accounts panel is not on the stage-7 screen"
            panel = panels[0]
            pane = next(a for a in panel.ancestors if isinstance(a, TabPane))
            tabs = app.screen.query_one("#stage-tabs", TabbedContent)
            for _ in range(8):  # the way a person gets there: the "t" key cycles the stage's tabs
                if tabs.active == pane.id:
                    break
                await pilot.press("t")
                await pilot.pause(0.1)
            assert tabs.active == pane.id
            for _ in range(200):
                await pilot.pause(0.05)
                if "encrypted file" in str(panel.query_one("#vault-status").render()):
                    break
            await pilot.pause(0.2)
            text = _screen_text(app)
            assert "Vault:" in text, "the accounts panel is not the visible tab:\n" + text
            assert "Acme AI" in text or "acme.example" in text or "Accounts" in text
            for canary in NEVER:
                assert canary not in text, f"{canary!r} on screen (presenter={presenter})"
            for canary in PEOPLE:
                if presenter:
                    assert canary not in text, f"{canary!r} on screen in presenter mode"
            if not presenter:
                assert OWNER in text, text  # control: outside presenter mode the owner is shown, so the check can fail
