"""The vault: where secrets and account-ownership details live (handover.md §3), never the project file.

* ``store`` - the CredentialStore protocol, entry names (``account:<service>``, ``token:<name>``, …), the
  2,560-byte value limit;
* ``opener.open_vault`` - the OS keyring, the encrypted file or nothing, per the user's one-time choice
  (``choice``: ``LAUNCHREADY_VAULT`` / remembered in the user config); never a silent plaintext fallback;
* ``keyring_store.KeyringStore`` - every backend call in a daemon thread with a timeout (``lane``);
* ``classify`` - refuses keyrings.alt plaintext, null and fail backends with an explanation;
* ``encrypted_file.EncryptedFileKeyring`` - scrypt + AES-256-GCM file, a keyring backend;
* ``memory.MemoryStore`` - the "none" choice (this run only) and unit tests;
* ``accounts`` - ownership records (vault) and their non-secret status (project file).

Importing this package loads neither keyring nor cryptography: the submodules do, when used.
"""

from launchready_tui.vault.errors import VaultError, VaultStatus

__all__ = ["VaultError", "VaultStatus"]
