"""The passphrase-encrypted file backend: keyring's own conformance tests, plus what a file can get wrong."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest
from keyring.errors import KeyringLocked
from keyring.testing.backend import BackendBasicTests

from launchready_tui.vault.encrypted_file import EncryptedFileCorrupt, EncryptedFileKeyring


class TestConformance(BackendBasicTests):
    """keyring.testing.backend's 15 tests (Unicode, difficult characters, delete, credentials, properties)."""

    @pytest.fixture(autouse=True)
    def _where(self, tmp_path: Path) -> None:
        self.path = tmp_path / "vault.enc"

    def init_keyring(self) -> EncryptedFileKeyring:
        return EncryptedFileKeyring(self.path, "correct horse battery staple")

    @pytest.fixture(autouse=True)
    def _init_properties(self, request: pytest.FixtureRequest, _where: None) -> None:  # after _where
        self.keyring = self.init_keyring()
        self.credentials_created = set()
        request.addfinalizer(self.cleanup)


def _kr(path: Path, pw: str = "correct horse battery staple") -> EncryptedFileKeyring:
    return EncryptedFileKeyring(path, pw)


def test_values_survive_a_new_process_object(tmp_path: Path) -> None:
    path = tmp_path / "v.enc"
    _kr(path).set_password("launchready:p", "account:dns", "Ольга 🔑")
    assert _kr(path).get_password("launchready:p", "account:dns") == "Ольга 🔑"
    assert b"\xd0\x9e" not in path.read_bytes() and b"account:dns" not in path.read_bytes()  # nothing in clear


@pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX permissions")
def test_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "v.enc"
    _kr(path).set_password("s", "u", "p")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # loosened by hand: the next write makes it private again
    _kr(path).set_password("s", "u", "p2")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_write_uses_a_fresh_nonce(tmp_path: Path) -> None:
    path = tmp_path / "v.enc"
    kr = _kr(path)
    nonces = set()
    for i in range(5):
        kr.set_password("s", "u", "same")
        nonces.add(json.loads(path.read_text())["nonce"])
        assert i + 1 == len(nonces)


def test_wrong_passphrase_is_locked_not_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "v.enc"
    _kr(path).set_password("s", "u", "p")
    with pytest.raises(KeyringLocked):
        _kr(path, "not the passphrase").get_password("s", "u")
    with pytest.raises(KeyringLocked):
        _kr(path, "not the passphrase").set_password("s", "u2", "p")
    assert _kr(path).get_password("s", "u2") is None


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip_data", "edit_kdf", "wrong_format", "huge_n"])
def test_damaged_file_is_reported_and_kept(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "v.enc"
    _kr(path).set_password("s", "u", "p")
    doc = json.loads(path.read_text())
    if damage == "truncate":
        raw = path.read_bytes()[: len(path.read_bytes()) // 2]
    elif damage == "garbage":
        raw = os.urandom(300)
    elif damage == "flip_data":
        data = bytearray(base64.b64decode(doc["data"]))
        data[3] ^= 0x01
        doc["data"] = base64.b64encode(bytes(data)).decode()
        raw = json.dumps(doc).encode()
    elif damage == "edit_kdf":
        doc["kdf"]["r"] = 9  # derives another key: the check fails -> looks like a wrong passphrase
        raw = json.dumps(doc).encode()
    elif damage == "wrong_format":
        raw = b'{"hello": "world"}'
    else:
        doc["kdf"]["n"] = 2**30  # would need 1 TiB of memory: refused before deriving
        raw = json.dumps(doc).encode()
    path.write_bytes(raw)
    expected = KeyringLocked if damage == "edit_kdf" else EncryptedFileCorrupt
    with pytest.raises(expected):
        _kr(path).get_password("s", "u")
    with pytest.raises(expected):
        _kr(path).set_password("s", "u", "overwrite?")
    assert path.read_bytes() == raw  # kept, never overwritten


def test_header_is_authenticated(tmp_path: Path) -> None:
    """Changing the cipher label or version is caught (the header is the GCM associated data)."""
    path = tmp_path / "v.enc"
    _kr(path).set_password("s", "u", "p")
    doc = json.loads(path.read_text())
    doc["v"] = 2
    path.write_text(json.dumps(doc))
    with pytest.raises(EncryptedFileCorrupt, match="version"):
        _kr(path).get_password("s", "u")


def test_two_writers_do_not_lose_updates(tmp_path: Path) -> None:
    """Two backend objects on one file (two launchready processes) each add 10 entries at the same time."""
    path = tmp_path / "v.enc"
    _kr(path).set_password("s", "seed", "x")
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        kr = _kr(path)
        try:
            for i in range(10):
                kr.set_password("s", f"{tag}{i}", tag)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    kr = _kr(path)
    assert all(kr.get_password("s", f"{t}{i}") == t for t in "ab" for i in range(10))


def test_passphrase_never_in_repr(tmp_path: Path) -> None:
    kr = _kr(tmp_path / "v.enc", "hunter2-very-secret")
    assert "hunter2" not in repr(kr) and "hunter2" not in str(vars(kr).get("path"))


def test_empty_passphrase_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        EncryptedFileKeyring(tmp_path / "v.enc", "")
