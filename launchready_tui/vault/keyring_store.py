"""KeyringStore: a CredentialStore over any keyring backend, every call in the lane (thread + timeout).

The backend is an OS keyring (Secret Service, Keychain, Credential Manager, KWallet) or
launchready's EncryptedFileKeyring. Exceptions become VaultError with the outcomes of handover.md
§3.3: ``KeyringLocked`` -> LOCKED; ``NoKeyringError``/``InitError``/import errors -> UNAVAILABLE; a
call that does not return in time -> TIMEOUT; the file backend's damage -> CORRUPT.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from launchready_tui.vault.errors import VaultError, VaultStatus
from launchready_tui.vault.lane import CallLane
from launchready_tui.vault.store import check_key, check_size

log = logging.getLogger("launchready.vault")
T = TypeVar("T")
PROBE_KEY = "account:launchready-probe"  # read only, never written: proves the collection is unlocked


def translate(exc: BaseException, what: str) -> VaultError:
    """A backend exception as a VaultError with a plain message (never a value: backends do not echo them)."""
    if isinstance(exc, VaultError):
        return exc
    from keyring import errors as kerr

    from launchready_tui.vault.encrypted_file import EncryptedFileCorrupt

    detail = str(exc).strip() or type(exc).__name__
    if isinstance(exc, EncryptedFileCorrupt):
        return VaultError(VaultStatus.CORRUPT, detail)
    if isinstance(exc, kerr.KeyringLocked):
        if "passphrase" in detail:
            return VaultError(VaultStatus.LOCKED, detail)
        return VaultError(VaultStatus.LOCKED, f"{what} is locked ({detail}); unlock it and try again")
    if isinstance(exc, kerr.NoKeyringError | kerr.InitError | ImportError):
        return VaultError(VaultStatus.UNAVAILABLE, f"{what} is not available ({detail})")
    if isinstance(exc, kerr.PasswordSetError):
        return VaultError(VaultStatus.FAILED, f"{what} refused to store the entry ({detail})")
    if isinstance(exc, PermissionError | OSError):
        reason = getattr(exc, "strerror", None) or detail
        return VaultError(VaultStatus.FAILED, f"{what} could not be written ({reason})")
    return VaultError(VaultStatus.FAILED, f"{what} failed ({type(exc).__name__}: {detail})")


class KeyringStore:
    """One project's entries in a keyring backend; see the module docstring."""

    persistent = True

    def __init__(self, backend: Any, service: str, *, name: str, lane: CallLane | None = None) -> None:
        self.backend = backend
        self.service = service
        self._name = name
        self.lane = lane or CallLane(what=name)

    def __repr__(self) -> str:
        return f"KeyringStore({self._name!r}, {self.service!r})"

    @property
    def backend_name(self) -> str:
        return self._name

    def _call(self, func: Callable[..., T], *args: Any) -> T:
        try:
            return self.lane.call(func, *args)
        except VaultError:
            raise
        except Exception as exc:
            err = translate(exc, self._name)
            log.debug("vault call %s failed: %s", getattr(func, "__name__", func), err.status)
            raise err from None

    def get(self, key: str) -> str | None:
        check_key(key)
        return self._call(self.backend.get_password, self.service, key)

    def set(self, key: str, value: str) -> None:
        check_key(key)
        check_size(key, value)
        self._call(self.backend.set_password, self.service, key, value)

    def delete(self, key: str) -> bool:
        from keyring.errors import PasswordDeleteError

        check_key(key)

        def delete_one() -> bool:
            try:
                self.backend.delete_password(self.service, key)
            except PasswordDeleteError:
                # Secret Service and the file backend report "not found" this way (a locked keyring raises
                # KeyringLocked instead); anything still readable afterwards is a real refusal.
                if self.backend.get_password(self.service, key) is None:
                    return False
                raise VaultError(VaultStatus.FAILED, f"{self._name} refused to delete {key}") from None
            return True

        return self._call(delete_one)

    def probe(self) -> None:
        self._call(self.backend.get_password, self.service, PROBE_KEY)

