"""The CredentialStore protocol, entry naming and the value-size rule every backend obeys.

Entries (handover.md §3.1) live under one service name per project, ``launchready:<project_id>``;
the *username* slot of the keyring holds the entry key:

* ``account:<service>`` - compact JSON of the sensitive ownership fields (vault/accounts.py);
* ``token:<name>``, ``webhook:<name>``, ``smtp:<name>``, ``secret:<name>`` - secret values.

keyring has no API to list entries, so the project file keeps ``vault_refs``: the keys written.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from launchready_tui.vault.errors import VaultError, VaultStatus

SERVICE_PREFIX = "launchready:"
# Windows Credential Manager stores at most 5 x 512 bytes of UTF-16 per blob (CRED_MAX_CREDENTIAL_BLOB_SIZE);
# beyond it CredWrite fails with "The stub received bad data" (jaraco/keyring #355). Applied on every platform
# so a vault written on Linux can move to Windows.
MAX_VALUE_BYTES = 2560
# Kinds whose values are secrets: the handover no-secret gate refuses any export containing one of them.
SECRET_KINDS = frozenset({"token", "webhook", "smtp", "secret"})
KINDS = SECRET_KINDS | {"account"}
_KEY = re.compile(r"^(?P<kind>[a-z]+):(?P<name>[a-z0-9][a-z0-9_.-]{0,63})$")


@runtime_checkable
class CredentialStore(Protocol):
    """One project's vault. Every method raises VaultError on failure; a message never holds a value."""

    @property
    def backend_name(self) -> str:
        """Where values go, in plain words ("GNOME Keyring (Secret Service)", "encrypted file …")."""
        ...

    @property
    def persistent(self) -> bool:
        """False for the "none" choice: values live in memory for this run only."""
        ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def delete(self, key: str) -> bool:
        """True when an entry was removed, False when there was none."""
        ...

    def probe(self) -> None:
        """Raise VaultError unless the store can be read right now (unlocked, answering)."""
        ...


def service_name(project_id: str) -> str:
    return SERVICE_PREFIX + project_id


def check_key(key: str) -> tuple[str, str]:
    """(kind, name) of an entry key; VaultError(INVALID) for anything else."""
    m = _KEY.match(key)
    if not m or m.group("kind") not in KINDS:
        raise VaultError(VaultStatus.INVALID, f"{key!r} is not a vault entry name (expected kind:name with kind "
                         f"one of {', '.join(sorted(KINDS))})")
    return m.group("kind"), m.group("name")


def stored_size(value: str) -> int:
    """Bytes the value takes in the Windows Credential Manager (UTF-16 little-endian, no BOM)."""
    return len(value.encode("utf-16-le"))


def check_size(key: str, value: str) -> None:
    """Refuse a value the Windows Credential Manager could not hold, with a plain message."""
    size = stored_size(value)
    if size > MAX_VALUE_BYTES:
        raise VaultError(
            VaultStatus.TOO_LARGE,
            f"{key} is too large for the vault: {len(value):,} characters take {size:,} bytes, and Windows "
            f"Credential Manager holds at most {MAX_VALUE_BYTES:,} bytes (about {MAX_VALUE_BYTES // 2:,} "
            "characters). Nothing was stored; shorten it",
        )
