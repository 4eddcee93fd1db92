"""Open the vault for a project: the OS keyring, the encrypted file or nothing, per the user's choice.

No choice yet: the OS keyring is used when it is safe and answers; otherwise opening fails with an
explanation of the options (VaultError), and the caller - the wizard's one-time dialog, or the user
of a headless command through ``LAUNCHREADY_VAULT`` - decides. Never a silent downgrade.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from launchready_tui.vault.choice import ENV_PASSPHRASE, Choice, current_choice, default_file_path
from launchready_tui.vault.classify import ALTERNATIVES, classify, unlock_help
from launchready_tui.vault.errors import VaultError, VaultStatus
from launchready_tui.vault.keyring_store import KeyringStore, translate
from launchready_tui.vault.lane import DEFAULT_TIMEOUT_S, CallLane
from launchready_tui.vault.memory import MemoryStore
from launchready_tui.vault.store import CredentialStore, service_name

MIN_PASSPHRASE = 8  # for a new file: scrypt slows guessing, it cannot save "1234"

# ask_passphrase(creating_new_file) -> the passphrase, or None when the user gives up
PassphrasePrompt = Callable[[bool], "str | None"]


@dataclass(slots=True)
class Vault:
    store: CredentialStore
    mode: str  # keyring | file | none
    source: str  # env | remembered | detected | chosen
    where: str  # plain words: which keyring or which file

    def describe(self) -> str:
        how = {"env": "from LAUNCHREADY_VAULT", "remembered": "your saved choice", "detected": "detected",
               "chosen": "chosen now"}.get(self.source, self.source)
        return f"{self.where} ({how})"


def open_keyring(project_id: str, timeout: float = DEFAULT_TIMEOUT_S) -> KeyringStore:
    """The OS keyring for this project, checked to be safe and unlocked; VaultError otherwise."""
    lane = CallLane(timeout, what="the OS keyring")

    def detect() -> object:
        import keyring

        return keyring.get_keyring()

    try:
        backend = lane.call(detect)
    except VaultError:
        raise
    except Exception as exc:
        raise _with_help(translate(exc, "the OS keyring")) from None
    verdict = classify(backend)
    if not verdict.accepted:
        if verdict.name in ("no keyring", "the null keyring"):
            status, head = VaultStatus.UNAVAILABLE, f"{verdict.reason[0].upper()}{verdict.reason[1:]}, and " \
                "launchready never falls back to plain text"
        else:
            status, head = VaultStatus.REFUSED, f"launchready will not keep secrets in {verdict.name}: {verdict.reason}"
        raise VaultError(status, f"{head}.\n{unlock_help()}\n{ALTERNATIVES}")
    lane.what = verdict.name
    store = KeyringStore(verdict.backend, service_name(project_id), name=verdict.name, lane=lane)
    try:
        store.probe()
    except VaultError as exc:
        raise _with_help(exc) from None
    return store


def _with_help(err: VaultError) -> VaultError:
    if err.status in (VaultStatus.LOCKED, VaultStatus.UNAVAILABLE, VaultStatus.TIMEOUT):
        return VaultError(err.status, f"{err.message}.\n{unlock_help()}\n{ALTERNATIVES}")
    return err


def open_file(project_id: str, passphrase: str, path: Path | None = None,
              timeout: float = DEFAULT_TIMEOUT_S) -> KeyringStore:
    """The encrypted file for this project; VaultError for a wrong passphrase (LOCKED) or a damaged file."""
    from launchready_tui.vault.encrypted_file import EncryptedFileKeyring

    file = path or default_file_path()
    if not passphrase:
        raise VaultError(VaultStatus.NOT_CHOSEN, f"the encrypted vault needs its passphrase: set {ENV_PASSPHRASE} "
                         "(headless) or type it in the wizard")
    backend = EncryptedFileKeyring(file, passphrase)
    name = f"encrypted file {file}"
    lane = CallLane(timeout, what=name)
    if backend.exists():
        try:
            lane.call(backend.verify)
        except VaultError:
            raise
        except Exception as exc:
            raise translate(exc, name) from None
    elif len(passphrase) < MIN_PASSPHRASE:
        raise VaultError(VaultStatus.INVALID, f"choose a passphrase of at least {MIN_PASSPHRASE} characters for the "
                         f"new vault file {file}")
    return KeyringStore(backend, service_name(project_id), name=name, lane=lane)


def open_vault(
    project_id: str,
    *,
    environ: Mapping[str, str] | None = None,
    choice: Choice | None = None,
    passphrase: str | None = None,
    ask_passphrase: PassphrasePrompt | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Vault:
    """Open the vault per ``choice`` (default: the environment, then the remembered choice).

    Raises VaultError with the reason and the options when the chosen store cannot be used, or when
    nothing was chosen and the OS keyring is unsafe, locked or missing.
    """
    env = os.environ if environ is None else environ
    choice = choice or current_choice(env)
    if choice is None:
        store = open_keyring(project_id, timeout)
        return Vault(store, "keyring", "detected", store.backend_name)
    if choice.mode == "none":
        return Vault(MemoryStore(), "none", choice.source, MemoryStore.backend_name)
    if choice.mode == "keyring":
        store = open_keyring(project_id, timeout)
        return Vault(store, "keyring", choice.source, store.backend_name)
    file = choice.file or default_file_path(env)
    secret = passphrase or env.get(ENV_PASSPHRASE, "")
    if not secret and ask_passphrase is not None:
        secret = ask_passphrase(not file.is_file()) or ""
    store = open_file(project_id, secret, file, timeout)
    return Vault(store, "file", choice.source, store.backend_name)
