"""``launchready accounts``: set/list/show/remove through the real CLI entry point and real vault backends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from handover_helpers import MemoryKeyring

from launchready_tui.cli import main

PASS = "correct horse battery"
TOKEN = "sk-proj-Zq8xK2mN4pL7vR1tY5wB9cD3fG6hJ0kA"
RECOVERY = "1Password vault Ops → item 'Cloudflare recovery'"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    path = tmp_path / "launchready.yaml"
    path.write_text("# my notes\nversion: 1\ndomain: acme.example\nproduct: Acme AI\n", encoding="utf-8")
    return path


@pytest.fixture
def file_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    vault = tmp_path / "vault.enc"
    monkeypatch.setenv("LAUNCHREADY_VAULT", "file")
    monkeypatch.setenv("LAUNCHREADY_VAULT_FILE", str(vault))
    monkeypatch.setenv("LAUNCHREADY_VAULT_PASSPHRASE", PASS)
    return vault


def run(*argv: str) -> int:
    return main(list(argv))


def test_set_list_show_remove_with_the_encrypted_file(proj: Path, file_vault: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert run("accounts", "set", "dns", "--project", str(proj), "--owner", "Ольга Петрова", "--backup-owner",
               "Bob Stone", "--login", "ops@acme.example", "--twofa", "yes", "--twofa-method", "hardware key",
               "--recovery-location", RECOVERY, "--provider", "cloudflare", "--renewal", "2027-03-01",
               "--token-stdin") == 0
    err = capsys.readouterr().err
    assert "token and details stored in encrypted file" in err
    text = proj.read_text(encoding="utf-8")
    for secret in (TOKEN, RECOVERY, "Ольга", "ops@acme.example", "hardware key"):
        assert secret not in text
    data = yaml.safe_load(text)
    assert data["vault_refs"] == ["account:dns", "token:dns"]
    assert data["accounts"][0]["status"] == {"owner": True, "backup_owner": True, "twofa": True,
                                             "login": "company", "recovery": True, "details": "vault"}
    assert TOKEN.encode() not in file_vault.read_bytes()

    assert run("accounts", "list", "--project", str(proj)) == 0
    out = capsys.readouterr().out
    assert "Ольга Петрова" in out and "location recorded" in out and RECOVERY not in out
    assert TOKEN not in out and "sk-p…" in out
    assert "registrar" in out.split("not recorded yet")[1]  # the missing core rows are named

    assert run("accounts", "--project", str(proj), "list", "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["missing_core"] == ["registrar", "hosting", "email", "monitoring", "repository", "payments"]
    assert listed["accounts"][0]["details"]["recovery_location"] == "recorded"

    assert run("accounts", "show", "dns", "--project", str(proj)) == 0
    shown = capsys.readouterr().out
    assert RECOVERY in shown and TOKEN not in shown and "2FA:               yes (hardware key)" in shown

    # a partial update keeps the other fields
    assert run("accounts", "set", "dns", "--project", str(proj), "--owner", "Ольга Петрова",
               "--verified-by", "Bob Stone") == 0
    capsys.readouterr()
    assert run("accounts", "show", "dns", "--project", str(proj)) == 0
    assert "Bob Stone" in capsys.readouterr().out

    assert run("accounts", "remove", "dns", "--project", str(proj)) == 0
    data = yaml.safe_load(proj.read_text(encoding="utf-8"))
    assert data["vault_refs"] == [] and data["accounts"] == []
    from launchready_tui.vault.encrypted_file import EncryptedFileKeyring

    ring = EncryptedFileKeyring(file_vault, PASS)
    assert ring.get_password(f"launchready:{data['project_id']}", "account:dns") is None
    assert ring.get_password(f"launchready:{data['project_id']}", "token:dns") is None


def test_keyring_is_used_when_nothing_was_chosen(proj: Path, memory_keyring: MemoryKeyring) -> None:
    assert run("accounts", "set", "registrar", "--project", str(proj), "--owner", "Ann") == 0
    pid = yaml.safe_load(proj.read_text())["project_id"]
    assert json.loads(memory_keyring.values[(f"launchready:{pid}", "account:registrar")]) == {"owner": "Ann"}


def test_locked_keyring_exits_2_and_keeps_everything(proj: Path, memory_keyring: MemoryKeyring,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run("accounts", "set", "registrar", "--project", str(proj), "--owner", "Ann") == 0
    before = proj.read_bytes()
    memory_keyring.locked = True
    capsys.readouterr()
    assert run("accounts", "set", "hosting", "--project", str(proj), "--owner", "Bob") == 2
    err = capsys.readouterr().err
    assert "locked" in err and "unlock" in err.lower() and "Traceback" not in err
    assert proj.read_bytes() == before
    assert run("accounts", "list", "--project", str(proj)) == 2  # shows what it can, says why not the rest
    captured = capsys.readouterr()
    assert "registrar" in captured.out and "could not be read" in captured.err
    memory_keyring.locked = False
    assert run("accounts", "list", "--project", str(proj)) == 0


def test_no_backend_exits_2_with_the_choices(proj: Path, installed_keyring: None,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    assert run("accounts", "set", "registrar", "--project", str(proj), "--owner", "Ann") == 2
    err = capsys.readouterr().err
    assert "LAUNCHREADY_VAULT=file" in err and "LAUNCHREADY_VAULT=none" in err
    assert "project_id" not in proj.read_text()  # nothing written anywhere


def test_vault_none_records_status_only(proj: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LAUNCHREADY_VAULT", "none")
    assert run("accounts", "set", "payments", "--project", str(proj), "--owner", "Ann", "--twofa", "no",
               "--recovery-location", RECOVERY) == 0
    assert "this run only" in capsys.readouterr().err
    data = yaml.safe_load(proj.read_text())
    assert data["accounts"][0]["status"]["details"] == "not-stored" and not data.get("vault_refs")
    assert RECOVERY not in proj.read_text() and "Ann" not in proj.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--recovery-location", "8f2k-9d3m 4k2j-1s9d 0a9s-8d7f 1q2w-3e4r"], "recovery codes"),
        (["--notes", "token is " + TOKEN], "looks like"),
        (["--login", "not-an-address"], "not an e-mail address"),
        (["--renewal", "next march"], "must be a date"),
        (["--notes", "x" * 1200], "keep it under 1000"),
        (["--console-url", "https://x.example/?key=" + TOKEN], "looks like a secret"),
    ],
)
def test_bad_input_is_refused_with_a_reason(proj: Path, file_vault: Path, capsys: pytest.CaptureFixture[str],
                                            args: list[str], message: str) -> None:
    before = proj.read_bytes()
    assert run("accounts", "set", "dns", "--project", str(proj), "--owner", "Ann", *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert proj.read_bytes() == before and not file_vault.exists()


def test_bad_service_and_unknown_account(proj: Path, file_vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("accounts", "set", "My Registrar!", "--project", str(proj), "--owner", "Ann") == 2
    assert "not a service name" in capsys.readouterr().err
    assert run("accounts", "remove", "hosting", "--project", str(proj)) == 2
    assert "no account 'hosting'" in capsys.readouterr().err


def test_token_over_the_windows_limit_is_refused(proj: Path, file_vault: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("A" * 1281))
    assert run("accounts", "set", "hosting", "--project", str(proj), "--owner", "Ann", "--token-stdin") == 2
    assert "2,560 bytes" in capsys.readouterr().err
    assert "hosting" not in proj.read_text()
    from launchready_tui.vault.encrypted_file import EncryptedFileKeyring

    # the account half of a new account is not left behind when its token is refused
    ring = EncryptedFileKeyring(file_vault, PASS)
    assert not any("hosting" in u for users in ring._read().values() for u in users)


def test_remembered_choice_from_the_vault_command(proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run("accounts", "vault", "--use", "none", "--project", str(proj)) == 0
    assert "no stored secrets" in capsys.readouterr().out
    assert run("accounts", "set", "dns", "--project", str(proj), "--owner", "Ann") == 0
    assert "this run only" in capsys.readouterr().err
    assert run("accounts", "vault", "--forget") == 0


def test_token_through_a_real_pipe_in_a_subprocess(proj: Path, file_vault: Path, launchready_bin: Path) -> None:
    proc = subprocess.run([str(launchready_bin), "accounts", "set", "monitoring", "--project", str(proj),
                           "--owner", "Ann", "--token-stdin"], input=TOKEN + "\n", capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    listed = subprocess.run([str(launchready_bin), "accounts", "list", "--project", str(proj)], capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0 and "sk-p…" in listed.stdout and TOKEN not in listed.stdout
