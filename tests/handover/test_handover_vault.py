"""The vault: backend choice and refusal, the four outcomes of a call, the size limit, the remembered choice."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keyring
import pytest
from handover_helpers import MemoryKeyring
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from launchready_tui.vault import VaultError, VaultStatus
from launchready_tui.vault.choice import config_path, current_choice, remember, remembered_choice
from launchready_tui.vault.classify import classify
from launchready_tui.vault.keyring_store import KeyringStore
from launchready_tui.vault.lane import CallLane
from launchready_tui.vault.memory import MemoryStore
from launchready_tui.vault.opener import open_vault
from launchready_tui.vault.store import MAX_VALUE_BYTES, stored_size

PID = "0b7e4c1e-5d8e-4a57-9d4a-0c1d2e3f4a5b"


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt.file.PlaintextKeyring (same module name and priority; keyrings.alt is not
    installed here on purpose, because installing it changes keyring's choice for the whole venv)."""

    priority = 0.5  # type: ignore[assignment]
    written: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        type(self).written.append(username)


PlaintextKeyring.__module__ = "keyrings.alt.file"


class LowPriorityKeyring(PlaintextKeyring):
    priority = 0.2  # type: ignore[assignment]


LowPriorityKeyring.__module__ = "somevendor.keyring"


# ---- choosing and refusing backends ---------------------------------------------------------------------


def test_no_choice_uses_a_working_os_keyring(memory_keyring: MemoryKeyring) -> None:
    vault = open_vault(PID)
    assert (vault.mode, vault.source) == ("keyring", "detected")
    vault.store.set("account:dns", '{"owner":"Ann"}')
    assert memory_keyring.values[(f"launchready:{PID}", "account:dns")] == '{"owner":"Ann"}'
    assert vault.store.get("account:dns") == '{"owner":"Ann"}'
    assert vault.store.delete("account:dns") is True
    assert vault.store.delete("account:dns") is False  # already gone: not an error
    assert vault.store.get("account:dns") is None


def test_no_keyring_at_all_is_explained_not_replaced(installed_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ={})
    err = info.value
    assert err.status is VaultStatus.UNAVAILABLE
    assert "no os keyring" in err.message.lower()
    assert "LAUNCHREADY_VAULT=file" in err.message and "LAUNCHREADY_VAULT=none" in err.message
    assert "dbus-run-session" in err.message  # headless Linux: how to get one


def test_null_keyring_is_refused(installed_keyring: None) -> None:
    keyring.set_keyring(null.Keyring())
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ={})
    assert info.value.status is VaultStatus.UNAVAILABLE
    assert "null" in info.value.message


def test_keyrings_alt_plaintext_is_refused_and_never_written(installed_keyring: None) -> None:
    PlaintextKeyring.written.clear()
    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ={})
    assert info.value.status is VaultStatus.REFUSED
    assert "plain file" in info.value.message and "keyrings.alt" in info.value.message
    assert PlaintextKeyring.written == []


def test_explicit_keyring_choice_is_refused_too(installed_keyring: None) -> None:
    """Choosing "keyring" does not make a plaintext backend acceptable."""
    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ={"LAUNCHREADY_VAULT": "keyring"})
    assert info.value.status is VaultStatus.REFUSED


def test_low_priority_backend_is_refused() -> None:
    verdict = classify(LowPriorityKeyring())
    assert not verdict.accepted and "priority 0.2" in verdict.reason


def test_chainer_uses_its_best_safe_member_not_the_plaintext_one() -> None:
    safe = MemoryKeyring()

    class Chain(ChainerBackend):
        backends = [safe, PlaintextKeyring()]  # type: ignore[assignment]

    verdict = classify(Chain())
    assert verdict.accepted and verdict.backend is safe

    class PlainChain(ChainerBackend):
        backends = [PlaintextKeyring()]  # type: ignore[assignment]

    verdict = classify(PlainChain())
    assert not verdict.accepted and "plain file" in verdict.reason


# ---- the four outcomes ----------------------------------------------------------------------------------


def test_locked_keyring(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.values[(f"launchready:{PID}", "account:dns")] = "kept"
    memory_keyring.locked = True
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ={})
    assert info.value.status is VaultStatus.LOCKED
    assert "unlock" in info.value.message.lower()
    memory_keyring.locked = False
    assert memory_keyring.values[(f"launchready:{PID}", "account:dns")] == "kept"  # nothing lost


def test_timeout_returns_before_the_backend_and_does_not_queue(memory_keyring: MemoryKeyring) -> None:
    store = KeyringStore(memory_keyring, f"launchready:{PID}", name="test keyring", lane=CallLane(0.2))
    memory_keyring.delay_s = 4.0  # generous: the assertions below must hold on a loaded 2-core machine
    started = time.monotonic()
    with pytest.raises(VaultError) as info:
        store.get("account:dns")
    assert info.value.status is VaultStatus.TIMEOUT
    assert time.monotonic() - started < 4.0  # it came back before the stuck call did
    calls = len(memory_keyring.calls)
    with pytest.raises(VaultError) as again:
        store.get("account:dns")
    assert again.value.status is VaultStatus.TIMEOUT and "still waiting" in again.value.message
    assert len(memory_keyring.calls) == calls  # nothing was queued behind the stuck call
    memory_keyring.delay_s = 0
    deadline = time.monotonic() + 30
    while store.lane.stuck and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.get("account:dns") is None  # usable again once the stuck call returned


def test_a_stuck_keyring_call_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import time
        from launchready_tui.vault.lane import CallLane
        from launchready_tui.vault import VaultError
        try:
            CallLane(0.2).call(time.sleep, 3600)
        except VaultError as exc:
            print(exc.status)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "timeout"


def test_backend_errors_become_plain_messages(memory_keyring: MemoryKeyring) -> None:
    store = KeyringStore(memory_keyring, f"launchready:{PID}", name="test keyring")
    with pytest.raises(VaultError) as info:
        KeyringStore(fail.Keyring(), "s", name="none here").get("account:x")
    assert info.value.status is VaultStatus.UNAVAILABLE and "not available" in info.value.message
    with pytest.raises(VaultError) as bad:
        store.get("not a key")
    assert bad.value.status is VaultStatus.INVALID


# ---- the Windows value limit --------------------------------------------------------------------------


@pytest.mark.parametrize("store_kind", ["keyring", "memory"])
def test_value_limit_is_the_windows_blob_size(memory_keyring: MemoryKeyring, store_kind: str) -> None:
    store = (KeyringStore(memory_keyring, "launchready:x", name="test keyring") if store_kind == "keyring"
             else MemoryStore())
    fits = "ж" * (MAX_VALUE_BYTES // 2)  # 1,280 Cyrillic letters: 2,560 bytes in UTF-16
    store.set("token:big", fits)
    assert store.get("token:big") == fits
    too_big = "ж" * (MAX_VALUE_BYTES // 2 + 1)
    with pytest.raises(VaultError) as info:
        store.set("token:big", too_big)
    assert info.value.status is VaultStatus.TOO_LARGE
    assert "2,560 bytes" in info.value.message and "Nothing was stored" in info.value.message
    assert store.get("token:big") == fits  # the old value is intact
    emoji = "🔑" * 641  # astral characters take 4 bytes each in UTF-16
    assert stored_size(emoji) == 2564
    with pytest.raises(VaultError):
        store.set("token:emoji", emoji)


# ---- the remembered choice ------------------------------------------------------------------------------


def test_choice_is_remembered_in_the_user_config(tmp_path: Path) -> None:
    assert current_choice({}) is None
    path = remember("file", tmp_path / "v.enc")
    assert path == config_path() and path.is_file()
    assert "XDG_CONFIG_HOME" not in str(path) and path.parent.name == "launchready"
    choice = remembered_choice()
    assert choice is not None and (choice.mode, choice.source, choice.file) == ("file", "remembered",
                                                                                tmp_path / "v.enc")
    env = current_choice({"LAUNCHREADY_VAULT": "none"})
    assert env is not None and (env.mode, env.source) == ("none", "env")  # the environment wins


def test_bad_choice_values_are_clear_errors() -> None:
    with pytest.raises(VaultError) as info:
        current_choice({"LAUNCHREADY_VAULT": "plaintext"})
    assert info.value.status is VaultStatus.INVALID and "keyring, file or none" in info.value.message
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text("backend: [oops\n")
    with pytest.raises(VaultError) as broken:
        current_choice({})
    assert str(config_path()) in broken.value.message


def test_none_keeps_values_for_this_run_only() -> None:
    vault = open_vault(PID, environ={"LAUNCHREADY_VAULT": "none"})
    assert vault.mode == "none" and not vault.store.persistent
    vault.store.set("token:uptimerobot", "u123-abc")
    assert vault.store.get("token:uptimerobot") == "u123-abc"
    assert open_vault(PID, environ={"LAUNCHREADY_VAULT": "none"}).store.get("token:uptimerobot") is None


def test_file_choice_needs_a_passphrase_headless(tmp_path: Path) -> None:
    env = {"LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_FILE": str(tmp_path / "v.enc")}
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ=env)
    assert info.value.status is VaultStatus.NOT_CHOSEN and "LAUNCHREADY_VAULT_PASSPHRASE" in info.value.message
    with pytest.raises(VaultError) as short:
        open_vault(PID, environ={**env, "LAUNCHREADY_VAULT_PASSPHRASE": "1234"})
    assert short.value.status is VaultStatus.INVALID and "at least 8" in short.value.message
    assert not (tmp_path / "v.enc").exists()
    vault = open_vault(PID, environ={**env, "LAUNCHREADY_VAULT_PASSPHRASE": "correct horse battery"})
    vault.store.set("account:dns", "{}")
    assert (tmp_path / "v.enc").is_file()


def test_wrong_passphrase_changes_nothing(tmp_path: Path) -> None:
    env = {"LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_FILE": str(tmp_path / "v.enc"),
           "LAUNCHREADY_VAULT_PASSPHRASE": "correct horse battery"}
    open_vault(PID, environ=env).store.set("account:dns", '{"owner":"Ann"}')
    before = (tmp_path / "v.enc").read_bytes()
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ={**env, "LAUNCHREADY_VAULT_PASSPHRASE": "wrong horse battery"})
    assert info.value.status is VaultStatus.LOCKED and "wrong passphrase" in info.value.message
    assert (tmp_path / "v.enc").read_bytes() == before
    assert open_vault(PID, environ=env).store.get("account:dns") == '{"owner":"Ann"}'


def test_corrupt_file_is_kept_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "v.enc"
    env = {"LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_FILE": str(path),
           "LAUNCHREADY_VAULT_PASSPHRASE": "correct horse battery"}
    store = open_vault(PID, environ=env).store
    store.set("account:dns", '{"owner":"Ann"}')
    damaged = path.read_bytes()[:-40] + b"\n"
    path.write_bytes(damaged)
    with pytest.raises(VaultError) as info:
        open_vault(PID, environ=env)
    assert info.value.status is VaultStatus.CORRUPT and "kept as is" in info.value.message
    with pytest.raises(VaultError):
        store.set("account:hosting", "{}")  # an already-open store refuses too
    assert path.read_bytes() == damaged


def test_a_store_opened_for_another_project_refuses_to_save(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    """The panel once opened the vault before the project had an id: the guard keeps records from landing under
    a service name the project does not know."""
    from handover_helpers import make_project

    from launchready_tui.vault.accounts import AccountRecord, save_account

    project = make_project(tmp_path)
    store = KeyringStore(memory_keyring, "launchready:unset", name="test keyring")
    with pytest.raises(VaultError) as info:
        save_account(project, store, "dns", AccountRecord(owner="Ann"))
    assert "another project" in info.value.message and memory_keyring.values == {}
