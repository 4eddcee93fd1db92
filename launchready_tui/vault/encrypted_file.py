"""A passphrase-encrypted file as a keyring backend (handover.md §3.4), built on ``cryptography``.

Chosen explicitly by the user when no OS keyring works; never auto-selected (its constructor needs a
path and a passphrase, so keyring's discovery cannot build it). Format, one JSON file per user::

    {"format": "launchready-vault", "v": 1,
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": b64(16 bytes)},
     "cipher": "AES-256-GCM", "check": b64(HMAC), "nonce": b64(12 bytes), "data": b64(ciphertext + tag)}

scrypt (n=2^15, r=8, p=1) derives 64 bytes: an AES-256-GCM key and a MAC key. ``check`` is an HMAC of
a constant under the MAC key, so a wrong passphrase (``KeyringLocked``) is told apart from a damaged
file (``EncryptedFileCorrupt``); offline guessing is no easier than against the ciphertext itself.
The header is the GCM associated data, so editing the KDF parameters breaks decryption. Every write
uses a fresh nonce, goes to a 0600 temp file and ``os.replace``s the old one, under a lock file so two
launchready processes cannot lose each other's updates. A file that cannot be read is never
overwritten: set and delete refuse until the user moves it aside.

Why not keyrings.cryptfile or keyrings.alt's EncryptedKeyring: they pull in argon2-cffi and
pycryptodome, and the latter prompts with getpass (handover.md §3.4).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, KeyringLocked, PasswordDeleteError

FORMAT = "launchready-vault"
VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
# Bounds on parameters read from a file: a doctored header must not make us burn gigabytes of memory.
_N_RANGE = (2**14, 2**20)
_CHECK_LABEL = b"launchready vault passphrase check v1"


class EncryptedFileCorrupt(KeyringError):
    """The file exists but cannot be read as a vault; it is left untouched."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError(f"{what} is missing")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not valid base64") from None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``<vault>.lock`` for a read-modify-write cycle."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class EncryptedFileKeyring(KeyringBackend):
    """keyring backend over one encrypted JSON file; see the module docstring."""

    priority = 0.1  # type: ignore[assignment]  # never chosen by keyring itself (and not constructible by it)
    launchready_vetted = "passphrase-encrypted file (scrypt + AES-256-GCM)"

    def __init__(self, path: str | os.PathLike[str], passphrase: str) -> None:
        super().__init__()
        if not passphrase:
            raise ValueError("the vault passphrase is empty")
        self.path = Path(path)
        self._passphrase = passphrase.encode("utf-8")
        self._keys: dict[tuple[bytes, int, int, int], tuple[bytes, bytes]] = {}
        self._cache: tuple[tuple[int, int, int], dict[str, dict[str, str]]] | None = None
        self._mutex = threading.Lock()

    def __repr__(self) -> str:  # never the passphrase
        return f"EncryptedFileKeyring({str(self.path)!r})"

    # ---- keyring API

    def get_password(self, service: str, username: str) -> str | None:
        with self._mutex:
            entries = self._read()
        return entries.get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._mutex, self._locked():
            entries = self._read(fresh=True)
            entries.setdefault(service, {})[username] = password
            self._write(entries)

    def delete_password(self, service: str, username: str) -> None:
        with self._mutex, self._locked():
            entries = self._read(fresh=True)
            if username not in entries.get(service, {}):
                raise PasswordDeleteError("no such entry in the encrypted vault file")
            del entries[service][username]
            if not entries[service]:
                del entries[service]
            self._write(entries)

    # ---- helpers also used by the store

    def exists(self) -> bool:
        return self.path.is_file()

    def verify(self) -> None:
        """Raise KeyringLocked / EncryptedFileCorrupt unless the file opens with this passphrase."""
        with self._mutex:
            self._read(fresh=True)

    # ---- internals

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _file_lock(self.path):
            yield

    def _derive(self, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
        cache_key = (salt, n, r, p)
        if cache_key not in self._keys:
            material = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(self._passphrase)
            self._keys[cache_key] = (material[:32], material[32:])
        return self._keys[cache_key]

    @staticmethod
    def _aad(header: dict[str, Any]) -> bytes:
        return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def _read(self, fresh: bool = False) -> dict[str, dict[str, str]]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if not fresh and self._cache is not None and self._cache[0] == stamp:
            return {k: dict(v) for k, v in self._cache[1].items()}
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise EncryptedFileCorrupt(f"cannot read the vault file {self.path}: {exc.strerror or exc}") from None
        entries = self._decrypt(raw)
        self._cache = (stamp, entries)
        return {k: dict(v) for k, v in entries.items()}

    def _corrupt(self, why: str) -> EncryptedFileCorrupt:
        return EncryptedFileCorrupt(f"the vault file {self.path} cannot be read ({why}). It was kept as is and "
                                    "nothing was written: move it aside or restore a backup, then try again")

    def _decrypt(self, raw: bytes) -> dict[str, dict[str, str]]:
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise self._corrupt("not a launchready vault file: not JSON") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise self._corrupt("not a launchready vault file")
        if doc.get("v") != VERSION:
            raise self._corrupt(f"format version {doc.get('v')!r}; this launchready reads version {VERSION}")
        try:
            kdf = doc["kdf"]
            if not isinstance(kdf, dict) or kdf.get("name") != "scrypt" or doc.get("cipher") != "AES-256-GCM":
                raise ValueError("unknown key derivation or cipher")
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
            if not (_N_RANGE[0] <= n <= _N_RANGE[1] and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
                raise ValueError("key-derivation parameters out of range")
            salt = _unb64(kdf.get("salt"), "salt")
            check = _unb64(doc.get("check"), "check")
            nonce = _unb64(doc.get("nonce"), "nonce")
            data = _unb64(doc.get("data"), "data")
            if len(salt) < 16 or len(nonce) != 12:
                raise ValueError("salt or nonce has the wrong length")
        except (KeyError, TypeError, ValueError) as exc:
            raise self._corrupt(str(exc)) from None
        enc_key, mac_key = self._derive(salt, n, r, p)
        expected = hmac.new(mac_key, _CHECK_LABEL, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, check):
            raise KeyringLocked(f"wrong passphrase for the vault file {self.path}; nothing was changed")
        header = {"format": FORMAT, "v": VERSION, "kdf": kdf, "cipher": "AES-256-GCM"}
        try:
            plain = AESGCM(enc_key).decrypt(nonce, data, self._aad(header))
        except InvalidTag:
            raise self._corrupt("the passphrase is right but the content is damaged or was altered") from None
        try:
            body = json.loads(plain.decode("utf-8"))
            entries = body["entries"]
            if not isinstance(entries, dict) or not all(
                isinstance(s, str) and isinstance(u, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in u.items())
                for s, u in entries.items()
            ):
                raise ValueError("entries have the wrong shape")
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise self._corrupt(f"decrypted content is not valid: {exc}") from None
        return entries

    def _current_salt(self) -> tuple[bytes, dict[str, Any]]:
        """Keep the file's salt (the derived key is cached); a new file gets a fresh one."""
        try:
            doc = json.loads(self.path.read_bytes().decode("utf-8"))
            kdf = dict(doc["kdf"])
            return _unb64(kdf["salt"], "salt"), kdf
        except (OSError, ValueError, KeyError, TypeError):
            salt = os.urandom(16)
            return salt, {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)}

    def _write(self, entries: dict[str, dict[str, str]]) -> None:
        salt, kdf = self._current_salt()
        enc_key, mac_key = self._derive(salt, int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        header = {"format": FORMAT, "v": VERSION, "kdf": kdf, "cipher": "AES-256-GCM"}
        nonce = os.urandom(12)
        plain = json.dumps({"entries": entries}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        doc = {
            **header,
            "check": _b64(hmac.new(mac_key, _CHECK_LABEL, hashlib.sha256).digest()),
            "nonce": _b64(nonce),
            "data": _b64(AESGCM(enc_key).encrypt(nonce, plain, self._aad(header))),
        }
        payload = (json.dumps(doc, indent=1) + "\n").encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.chmod(tmp, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename durable; best effort (Windows cannot open folders)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        st = self.path.stat()
        self._cache = ((st.st_mtime_ns, st.st_size, st.st_ino), entries)
