"""The "none" choice: values held in memory for this run only, never written anywhere.

Used when the user chose to store no secrets (tokens are asked for when needed; account details
last until the program exits), and by unit tests as a plain CredentialStore.
"""

from __future__ import annotations

from launchready_tui.vault.store import check_key, check_size


class MemoryStore:
    """A CredentialStore backed by a dict (nothing persists)."""

    backend_name = "nothing stored (this run only)"
    persistent = False

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def __repr__(self) -> str:  # never the values
        return f"MemoryStore({len(self._values)} entries)"

    def get(self, key: str) -> str | None:
        check_key(key)
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        check_key(key)
        check_size(key, value)
        self._values[key] = value

    def delete(self, key: str) -> bool:
        check_key(key)
        return self._values.pop(key, None) is not None

    def probe(self) -> None:
        return None
