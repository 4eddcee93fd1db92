"""``launchready handover`` end to end: the console script against the lab, the encrypted-file vault, exit codes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from handover_helpers import write_lab_project

from launchready_tui.lab.server import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")

PASS = "correct horse battery"
RECOVERY = "1Password vault Ops → item 'Registrar recovery'"
BIN = str(Path(sys.executable).parent / "launchready")


async def cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> tuple[int, str, str]:
    """Run the console script without blocking the event loop (the lab serves DNS from this same loop)."""
    proc = await asyncio.create_subprocess_exec(BIN, *args, env={**os.environ, **(env or {})},
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 120)
    return proc.returncode or 0, out.decode(), err.decode()


def read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


@pytest.fixture
def vault_env(tmp_path: Path) -> dict[str, str]:
    return {"LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_FILE": str(tmp_path / "vault.enc"),
            "LAUNCHREADY_VAULT_PASSPHRASE": PASS}


async def _with_registrar(lab: Lab, tmp_path: Path, env: dict[str, str]) -> Path:
    project = tmp_path / "launchready.yaml"
    write_lab_project(lab, project, contacts={"primary": {"name": "Bob Stone", "phone": "+1 555 0100"}})
    rc, _out, err = await cli("accounts", "set", "registrar", "--project", str(project), "--owner", "Ольга Петрова",
                              "--backup-owner", "Bob Stone", "--login", "ops@good.test", "--twofa", "yes",
                              "--recovery-location", RECOVERY, "--provider", "namecheap", env=env)
    assert rc == 0, err
    return project


async def test_export_three_formats_then_refuse_overwrite_then_force(lab: Lab, tmp_path: Path,
                                                                    vault_env: dict[str, str]) -> None:
    project = await _with_registrar(lab, tmp_path, vault_env)
    out_dir = tmp_path / "handover"
    rc, out, err = await cli("handover", "--project", str(project), "--output", str(out_dir), env=vault_env)
    assert rc == 1, err  # written, but handover.accounts fails: six core accounts are missing
    files = sorted(Path(line) for line in out.split())
    assert [f.suffix for f in files] == [".html", ".md", ".pdf"] and all(f.is_file() for f in files)
    assert "FAIL" in err and "handover.accounts" in err and "Traceback" not in err
    md = next(f for f in files if f.suffix == ".md").read_text(encoding="utf-8")
    assert "Ольга Петрова" in md and "google._domainkey.good.test" in md and "docs/ROLLBACK.md" in md
    assert RECOVERY not in md
    before = {f: f.read_bytes() for f in files}

    rc, _out, err = await cli("handover", "--project", str(project), "--output", str(out_dir), env=vault_env)
    assert rc == 2 and "already exist" in err and "--force" in err
    assert {f: f.read_bytes() for f in files} == before

    rc, out, err = await cli("handover", "--project", str(project), "--output", str(out_dir), "--force",
                             "--format", "md", "--include-recovery-locations", "--fail-on", "never", env=vault_env)
    assert rc == 0, err
    assert RECOVERY in read(out.split()[0])


async def test_output_under_a_file_is_exit_2(lab: Lab, tmp_path: Path, vault_env: dict[str, str]) -> None:
    """Root ignores chmod, so this unwritable target is a folder path whose parent is a regular file."""
    project = await _with_registrar(lab, tmp_path, vault_env)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    rc, out, err = await cli("handover", "--project", str(project), "--output", str(blocker / "out"), env=vault_env)
    assert rc == 2 and "part of the path is a file" in err and out == "" and "Traceback" not in err


def _make_read_only(folder: Path) -> bool:
    """Make ``folder`` unwritable even for root: the immutable attribute (chattr +i) when running as root, because
    root ignores permission bits; plain chmod 0555 otherwise. False when this file system cannot do it."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return True
    chattr = shutil.which("chattr")
    return chattr is not None and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0


def _undo_read_only(folder: Path) -> None:
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run([shutil.which("chattr") or "chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


async def test_read_only_folder(lab: Lab, tmp_path: Path) -> None:
    project = tmp_path / "launchready.yaml"
    write_lab_project(lab, project)
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    if not _make_read_only(readonly):
        pytest.skip("this file system cannot make a folder read-only for root (chattr +i unsupported)")
    try:
        rc, out, err = await cli("handover", "--project", str(project), "--output", str(readonly),
                                 env={"LAUNCHREADY_VAULT": "none"})
        assert rc == 2, err
        assert "cannot write to" in err and ("read-only" in err or "permission denied" in err), err
        assert out == "" and "Traceback" not in err
        assert list(readonly.iterdir()) == []
    finally:
        _undo_read_only(readonly)


async def test_wrong_passphrase_is_exit_2_and_writes_nothing(lab: Lab, tmp_path: Path,
                                                             vault_env: dict[str, str]) -> None:
    project = await _with_registrar(lab, tmp_path, vault_env)
    rc, out, err = await cli("handover", "--project", str(project), "--output", str(tmp_path / "o"),
                             env={**vault_env, "LAUNCHREADY_VAULT_PASSPHRASE": "wrong wrong wrong"})
    assert rc == 2 and "wrong passphrase" in err and out == ""
    assert not (tmp_path / "o").exists()


async def test_vault_none_exports_status_only(lab: Lab, tmp_path: Path, vault_env: dict[str, str]) -> None:
    project = await _with_registrar(lab, tmp_path, vault_env)
    rc, out, err = await cli("handover", "--project", str(project), "--output", str(tmp_path / "o"), "--format",
                             "md", env={"LAUNCHREADY_VAULT": "none"})
    assert rc == 1, err
    md = read(out.split()[0])
    assert "Ольга" not in md and "recorded\nbackup" not in md and "in the vault (not read)" in md.replace("<br>", "\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "md,docx"], "choose from md, html, pdf"),
        (["--results", "missing.json"], "does not exist"),
        (["--project", "nope.yaml"], "no project file"),
    ],
)
async def test_usage_errors(lab: Lab, tmp_path: Path, args: list[str], message: str) -> None:
    project = tmp_path / "launchready.yaml"
    write_lab_project(lab, project)
    base = ["handover", "--project", str(project), "--output", str(tmp_path / "o")]
    rc, _out, err = await cli(*base, *args, env={"LAUNCHREADY_VAULT": "none"})
    assert rc == 2 and message in err and "Traceback" not in err


async def test_results_from_an_audit_fill_the_capacity_and_monitoring(lab: Lab, tmp_path: Path) -> None:
    import json

    project = tmp_path / "launchready.yaml"
    write_lab_project(lab, project)
    report = {"schema": "launchready.report/1", "stages": [{"number": 6, "checks": [
        {"id": "load.capacity", "title": "Capacity note", "status": "warn", "impact": "slow-demo",
         "summary": "AI breaks first", "evidence": {"note": "Safe today: about 40 users; AI breaks first."}},
        {"id": "not.a.check", "status": "pass"}]}]}
    (tmp_path / "audit.json").write_text(json.dumps(report))
    rc, out, err = await cli("handover", "--project", str(project), "--output", str(tmp_path / "o"), "--format",
                             "md", "--results", str(tmp_path / "audit.json"), env={"LAUNCHREADY_VAULT": "none"})
    assert rc in (0, 1), err
    md = read(out.split()[0])
    assert "Safe today: about 40 users; AI breaks first." in md
