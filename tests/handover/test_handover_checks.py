"""The six handover.* checks against the lab (real DNS and generated git repositories) and real vault stores."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from handover_helpers import write_lab_project

from launchready_tui.checks import handover
from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.checks.runner import run_one
from launchready_tui.core import catalogue
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project
from launchready_tui.lab.server import Lab
from launchready_tui.vault.accounts import CORE_SERVICES, AccountRecord, save_account
from launchready_tui.vault.memory import MemoryStore

pytestmark = pytest.mark.asyncio(loop_scope="package")

TOKEN = "sk-proj-Q1w2E3r4T5y6U7i8O9p0AsDfGhJkL"


@asynccontextmanager
async def ctx_for(project: Project, project_dir: Path, **extra: Any) -> AsyncIterator[CheckContext]:
    async with check_context(project, project_dir, options=CheckOptions(extra=dict(extra))) as ctx:
        yield ctx


async def run(check_id: str, ctx: CheckContext) -> Any:
    return await run_one(catalogue.get(check_id), ctx)


def full_accounts(project: Project, store: Any, *, verified: bool = True, **override: AccountRecord) -> None:
    for service in CORE_SERVICES:
        rec = override.get(service) or AccountRecord(owner="Ann Lee", backup_owner="Bob Stone",
                                                     login_email=f"{service}@acme.example", twofa=True,
                                                     twofa_method="authenticator app",
                                                     recovery_location=f"1Password Ops → {service}")
        meta = {"verified_on": "2026-11-20", "verified_by": "Ann Lee"} if verified else {}
        save_account(project, store, service, rec, meta)


# ---- handover.accounts -----------------------------------------------------------------------------------


async def test_accounts_nothing_recorded_fails_as_a_blocker(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.FAIL and r.blocker
    assert "registrar (not recorded)" in r.summary
    assert r.evidence["missing_core"] == list(CORE_SERVICES)
    assert r.fix and "--backup-owner" in r.fix


async def test_accounts_complete_but_unverified_is_manual_then_pass(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml")
    store = MemoryStore()
    full_accounts(project, store, verified=False)
    async with ctx_for(project, tmp_path, vault=store) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.MANUAL and "--verified-by" in r.summary
    full_accounts(project, store, verified=True)
    async with ctx_for(project, tmp_path, vault=store) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.PASS, r.summary
    dumped = json.dumps(r.evidence)
    assert "Ann Lee" not in dumped and "1Password" not in dumped and "@acme.example" not in dumped


async def test_accounts_missing_backup_or_2fa_fails(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml")
    store = MemoryStore()
    full_accounts(project, store, dns=AccountRecord(owner="Ann", twofa=False),
                  payments=AccountRecord(owner="Ann", backup_owner="Bob"))
    async with ctx_for(project, tmp_path) as ctx:  # no vault: the project file's status alone decides
        r = await run("handover.accounts", ctx)
    assert r.status is Status.FAIL and not r.blocker  # registrar and dns have owners
    assert "dns (no backup owner, 2FA off)" in r.summary and "payments (2FA not recorded)" in r.summary


async def test_accounts_personal_mailbox_and_leaving_owner_warn(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml", handover={"from": "Cara Diaz (consultant)",
                                                                      "to": "Bob Stone"})
    store = MemoryStore()
    full_accounts(project, store,
                  registrar=AccountRecord(owner="Ann Lee", backup_owner="Bob Stone", login_email="ann@gmail.com",
                                          twofa=True),
                  hosting=AccountRecord(owner="cara diaz", backup_owner="Bob Stone", login_email="ops@acme.example",
                                        twofa=True))
    async with ctx_for(project, tmp_path, vault=store) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.WARN
    assert "registrar (login on a personal mailbox)" in r.summary and "hosting (owner is leaving)" in r.summary


async def test_accounts_locked_vault_falls_back_to_status(lab: Lab, tmp_path: Path) -> None:
    from handover_helpers import MemoryKeyring

    from launchready_tui.vault.keyring_store import KeyringStore

    project = write_lab_project(lab, tmp_path / "p.yaml")
    ring = MemoryKeyring()
    from launchready_tui.vault.accounts import project_id
    from launchready_tui.vault.store import service_name

    store = KeyringStore(ring, service_name(project_id(project, create=True) or ""), name="test keyring")
    full_accounts(project, store)
    ring.locked = True
    async with ctx_for(project, tmp_path, vault=store) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.PASS and r.evidence["vault_read"] is False
    assert "locked" in r.evidence["vault_note"]


async def test_accounts_broken_project_key_is_an_error(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml", accounts="registrar: Ann")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.ERROR and "must be a list" in r.summary


# ---- handover.env_vars ---------------------------------------------------------------------------------


async def test_env_vars_good_repo_passes_names_only(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.env_vars", ctx)
    assert r.status is Status.PASS, r.summary
    rows = {row["name"]: row for row in r.evidence["matrix"]["rows"]}
    assert {"DATABASE_URL", "OPENAI_API_KEY", "STRIPE_SECRET_KEY"} <= set(rows)
    assert rows["STRIPE_SECRET_KEY"]["secret"] is True and rows["PORT"]["secret"] is False
    assert r.evidence["matrix"]["environments"] == ["production", "staging"]


async def test_env_vars_flawed_repo_fails_on_undocumented(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml", domain="flawed.test")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.env_vars", ctx)
    assert r.status is Status.FAIL
    assert "DATABASE_URL" in r.summary and "STRIPE_SECRET_KEY" in r.summary
    assert lab.fakes.openai_key not in json.dumps(r.evidence)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": str(repo),
                        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"})


async def test_env_vars_same_as_prod_is_a_boolean_never_a_value(lab: Lab, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "app.js").write_text("const k = process.env.STRIPE_SECRET_KEY\nconst p = process.env.PUBLIC_URL\n")
    (repo / ".env.example").write_text("STRIPE_SECRET_KEY=\nPUBLIC_URL=\n")
    (repo / ".gitignore").write_text(".env.*\n!.env.example\n")
    shared = "rk_live_" + "9Zy8Xw7Vu6Ts5Rq4Po3Nm2Lk"
    (repo / ".env.production").write_text(f"STRIPE_SECRET_KEY={shared}\nPUBLIC_URL=https://acme.example\n")
    (repo / ".env.staging").write_text(f"STRIPE_SECRET_KEY={shared}\nPUBLIC_URL=https://staging.acme.example\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "init")
    project = write_lab_project(lab, tmp_path / "p.yaml", repo=str(repo))
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.env_vars", ctx)
    assert r.status is Status.WARN and "STRIPE_SECRET_KEY (staging)" in r.summary
    rows = {row["name"]: row for row in r.evidence["matrix"]["rows"]}
    assert rows["STRIPE_SECRET_KEY"]["cells"]["staging"] == "same as prod"
    assert rows["PUBLIC_URL"]["cells"]["staging"] == "set"
    assert shared not in json.dumps(r.evidence) and "acme.example" not in json.dumps(r.evidence)


async def test_env_vars_without_a_repository_is_skipped_or_error_never_pass(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml", repo=str(tmp_path / "does-not-exist"))
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.env_vars", ctx)
    assert r.status in (Status.ERROR, Status.SKIPPED) and "inventory" in r.summary


# ---- handover.rollback --------------------------------------------------------------------------------


async def test_rollback_good_repo_quotes_the_runbook(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.rollback", ctx)
    assert r.status is Status.PASS and "docs/ROLLBACK.md" in r.summary
    assert "./deploy.sh production v1.2.2" in r.evidence["runbook_text"]
    assert any("schema migrations" in c for c in r.evidence["caveats"])


async def test_rollback_flawed_repo_fails(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml", domain="flawed.test")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.rollback", ctx)
    assert r.status is Status.FAIL and r.fix


async def test_rollback_vercel_prints_the_env_var_caveat(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml", domain="flawed.test",
                                deploy={"platform": "vercel",
                                        "last_good_release": {"id": "dpl_9", "date": "2026-11-01"}})
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.rollback", ctx)
    assert r.status is Status.MANUAL  # the platform's steps are known, nothing is written or tried
    assert r.evidence["rollback_steps"][0].startswith("Vercel: `vercel rollback")
    assert any("Env-var changes made since in project settings are not applied" in c for c in r.evidence["caveats"])
    assert r.evidence["last_good_release"] == {"id": "dpl_9", "date": "2026-11-01"}
    assert "vercel rollback" in (r.fix or "")


async def test_rollback_written_but_not_walked_through_warns(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml", domain="flawed.test",
                                rollback={"steps": ["heroku rollback v41", "check /health"]},
                                deploy={"platform": "heroku"}, answers={"handover.walkthrough": "no"})
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.rollback", ctx)
    assert r.status is Status.WARN and "not walked" in r.summary
    assert any("Database contents are not rolled back" in c for c in r.evidence["caveats"])


# ---- handover.contacts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contacts", "status", "words"),
    [
        (None, Status.FAIL, "nobody is named"),
        ({"primary": {"name": "Bob", "phone": "+1 555 0100"}}, Status.WARN, "a secondary person"),
        ({"primary": {"name": "Bob", "phone": "+1 555 0100"}, "secondary": {"name": "Cara", "email": "c@acme.example"},
          "incident_commander": "Bob", "room": "#incidents", "escalation": {"ack_minutes": 10,
                                                                            "everyone_after_minutes": 5}},
         Status.PASS, "escalation after 10 min"),
        ({"primary": "Bob"}, Status.FAIL, "a primary person with a phone or e-mail"),
        ({"primary": ["not", "a", "person"], "escalation": {"ack_minutes": "soon"}}, Status.FAIL, "nobody"),
    ],
)
async def test_contacts(lab: Lab, tmp_path: Path, contacts: Any, status: Status, words: str) -> None:
    extra = {"contacts": contacts} if contacts is not None else {}
    project = write_lab_project(lab, tmp_path / "p.yaml", **extra)
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.contacts", ctx)
    assert r.status is status and words in r.summary
    if contacts and isinstance(contacts.get("primary"), list):
        assert any("contacts.primary" in p for p in r.evidence["problems"])


# ---- handover.email_recheck ------------------------------------------------------------------------------


async def test_email_recheck_good_and_flawed(lab: Lab, tmp_path: Path) -> None:
    good = write_lab_project(lab, tmp_path / "g.yaml")
    async with ctx_for(good, tmp_path) as ctx:
        r = await run("handover.email_recheck", ctx)
    assert r.status is Status.PASS, r.summary
    assert {x["id"] for x in r.evidence["results"]} == set(catalogue.EMAIL_CHECK_IDS)
    assert r.evidence["checked_at"].endswith("Z")
    flawed = write_lab_project(lab, tmp_path / "f.yaml", domain="flawed.test")
    async with ctx_for(flawed, tmp_path) as ctx:
        r = await run("handover.email_recheck", ctx)
    assert r.status is Status.FAIL and "DMARC fail" in r.summary


async def test_email_recheck_names_missing_checks(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = catalogue.CheckSpec.is_built
    monkeypatch.setattr(catalogue.CheckSpec, "is_built", lambda self: self.id != "email.bimi" and real(self))
    project = write_lab_project(lab, tmp_path / "p.yaml")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.email_recheck", ctx)
    assert r.evidence["missing"] == ["email.bimi"] and "not built yet: email.bimi" in r.summary
    monkeypatch.setattr(catalogue.CheckSpec, "is_built", lambda self: not self.id.startswith("email.") and real(self))
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.email_recheck", ctx)
    assert r.status is Status.SKIPPED and "email.spf" in r.summary


async def test_email_recheck_dns_timeout_is_error_not_fail(lab: Lab, tmp_path: Path) -> None:
    project = write_lab_project(lab, tmp_path / "p.yaml")
    lab.dns.set_fault("*", mode="timeout")
    try:
        from launchready_tui.checks.context import NetworkOptions

        async with check_context(project, tmp_path, NetworkOptions(dns_timeout=0.3)) as ctx:
            r = await run("handover.email_recheck", ctx)
    finally:
        lab.dns.set_fault("*", mode=None)
    assert r.status is not Status.FAIL and r.status is not Status.PASS


# ---- handover.export ---------------------------------------------------------------------------------


async def test_export_in_an_audit_writes_nothing_and_gates(lab: Lab, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    project = write_lab_project(lab, tmp_path / "p.yaml")
    async with ctx_for(project, tmp_path) as ctx:
        r = await run("handover.export", ctx)
    assert r.status is Status.MANUAL and "launchready handover --output" in r.summary
    assert not [n for n in os.listdir(tmp_path) if n.startswith("handover-")]
    leaky = write_lab_project(lab, tmp_path / "q.yaml", rollback={"steps": [f"export KEY={TOKEN} then redeploy"]})
    async with ctx_for(leaky, tmp_path) as ctx:
        ctx.results["handover.rollback"] = await run("handover.rollback", ctx)
        r = await run("handover.export", ctx)
    assert r.status is Status.FAIL and r.blocker and "Deploy and rollback" in r.summary
    assert TOKEN not in r.summary + json.dumps(r.evidence)


async def test_export_writes_when_asked(lab: Lab, tmp_path: Path) -> None:
    from launchready_tui.report.handover import ExportRequest

    project = write_lab_project(lab, tmp_path / "p.yaml")
    request = ExportRequest(tmp_path / "out", ("md", "html"))
    async with ctx_for(project, tmp_path, handover_export=request) as ctx:
        r = await run("handover.export", ctx)
    assert r.status is Status.PASS, r.summary
    assert sorted(Path(f).suffix for f in r.evidence["files"]) == [".html", ".md"]
    assert "DNS map" in r.evidence["sections"]


async def test_evaluate_accounts_is_pure(project: Project) -> None:
    status, summary, evidence, blocker = handover.evaluate_accounts(project, None)
    assert status is Status.FAIL and blocker and len(evidence["accounts"]) == len(CORE_SERVICES)


async def test_accounts_details_missing_from_the_vault_warn(lab: Lab, tmp_path: Path) -> None:
    from handover_helpers import MemoryKeyring

    from launchready_tui.vault.accounts import project_id
    from launchready_tui.vault.keyring_store import KeyringStore
    from launchready_tui.vault.store import service_name

    project = write_lab_project(lab, tmp_path / "p.yaml")
    store = KeyringStore(MemoryKeyring(), service_name(project_id(project, create=True) or ""), name="t")
    full_accounts(project, store)
    store.delete("account:payments")  # removed outside launchready
    async with ctx_for(project, tmp_path, vault=store) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.WARN and "payments (details missing from the vault)" in r.summary


async def test_accounts_vault_none_is_not_missing(lab: Lab, tmp_path: Path) -> None:
    """Details saved to the keyring earlier, this run on LAUNCHREADY_VAULT=none: absent is not missing."""
    from handover_helpers import MemoryKeyring

    from launchready_tui.vault.accounts import project_id
    from launchready_tui.vault.keyring_store import KeyringStore
    from launchready_tui.vault.store import service_name

    project = write_lab_project(lab, tmp_path / "p.yaml")
    full_accounts(project, KeyringStore(MemoryKeyring(), service_name(project_id(project, create=True) or ""),
                                        name="t"))
    async with ctx_for(project, tmp_path, vault=MemoryStore()) as ctx:
        r = await run("handover.accounts", ctx)
    assert r.status is Status.PASS, r.summary
