"""The vault's outcomes and its one exception, worded for the person at the keyboard.

Every vault call ends in ``OK`` or raises :class:`VaultError` whose ``status`` says which of the
handover.md §3.3 outcomes happened (plus the few the file backend and the size limit add) and
whose ``str()`` is one plain sentence: callers print it as is. A message never contains a value.
"""

from __future__ import annotations

from enum import StrEnum


class VaultStatus(StrEnum):
    OK = "ok"
    LOCKED = "locked"  # the keyring (or the encrypted file) is locked: unlock it, or wrong passphrase
    UNAVAILABLE = "unavailable"  # no usable backend: no D-Bus, no daemon, backend import failed
    TIMEOUT = "timeout"  # the backend did not answer in time (an unanswered unlock prompt)
    REFUSED = "refused"  # a plaintext or otherwise unsafe backend: never used for secrets
    CORRUPT = "corrupt"  # the encrypted file cannot be read; it is kept as is
    TOO_LARGE = "too-large"  # a value above the Windows Credential Manager limit
    NOT_CHOSEN = "not-chosen"  # headless, no working keyring and no LAUNCHREADY_VAULT choice
    INVALID = "invalid"  # bad input (service name, e-mail, a secret where a reference belongs)
    FAILED = "failed"  # any other backend error


class VaultError(Exception):
    """A vault operation that did not succeed. ``str(err)`` is the plain message."""

    def __init__(self, status: VaultStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return self.message
