"""The user's one-time vault choice: remembered per machine in the user config, never in the project file.

Precedence: ``LAUNCHREADY_VAULT=keyring|file|none`` (headless runs, CI) over the remembered choice in
``<user config dir>/launchready/vault.yaml`` (written when the user picks in the wizard or with
``launchready accounts vault --use``). No choice at all means "use the OS keyring if it works, else
ask" - never a silent fallback. The file holds the choice and the encrypted file's path; no secret.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from launchready_tui.vault.errors import VaultError, VaultStatus

MODES = ("keyring", "file", "none")
ENV_MODE = "LAUNCHREADY_VAULT"
ENV_PASSPHRASE = "LAUNCHREADY_VAULT_PASSPHRASE"
ENV_FILE = "LAUNCHREADY_VAULT_FILE"  # another place for the encrypted file (several vaults, CI)
MODE_WORDS = {
    "keyring": "the OS keyring",
    "file": "a passphrase-encrypted file",
    "none": "no stored secrets (this run only)",
}


@dataclass(frozen=True, slots=True)
class Choice:
    mode: str  # one of MODES
    source: str  # "env" or "remembered"
    file: Path | None = None  # the encrypted file (mode "file")


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("launchready", appauthor=False)) / "vault.yaml"


def default_file_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_FILE):
        return Path(env[ENV_FILE]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("launchready", appauthor=False)) / "vault.enc"


def env_choice(environ: Mapping[str, str] | None = None) -> Choice | None:
    env = os.environ if environ is None else environ
    raw = env.get(ENV_MODE, "").strip().lower()
    if not raw:
        return None
    if raw not in MODES:
        raise VaultError(VaultStatus.INVALID, f"{ENV_MODE}={env.get(ENV_MODE)!r} is not a vault choice; use "
                         "keyring, file or none")
    return Choice(raw, "env", default_file_path(env) if raw == "file" else None)


def remembered_choice() -> Choice | None:
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise VaultError(VaultStatus.INVALID, f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        data = None
    mode = data.get("backend") if isinstance(data, dict) else None
    if mode not in MODES:
        raise VaultError(VaultStatus.INVALID, f"{path} does not hold a vault choice (backend: keyring, file or "
                         "none); fix it, or choose again with `launchready accounts vault --use …`")
    assert isinstance(data, dict)
    file = data.get("file")
    return Choice(str(mode), "remembered", Path(str(file)).expanduser() if mode == "file" and file else
                  (default_file_path() if mode == "file" else None))


def current_choice(environ: Mapping[str, str] | None = None) -> Choice | None:
    """The choice in force: the environment first, then the remembered one, else None (not chosen)."""
    return env_choice(environ) or remembered_choice()


def remember(mode: str, file: Path | None = None) -> Path:
    """Write the choice to the user config (atomically). Returns the config file's path."""
    if mode not in MODES:
        raise VaultError(VaultStatus.INVALID, f"{mode!r} is not a vault choice; use keyring, file or none")
    path = config_path()
    data: dict[str, str] = {"backend": mode, "chosen_on": datetime.now(UTC).strftime("%Y-%m-%d")}
    if mode == "file":
        data["file"] = str(file or default_file_path())
    text = ("# launchready: where this machine keeps secrets and account details (chosen once).\n"
            "# Change it with `launchready accounts vault --use keyring|file|none`. No secret is stored here.\n"
            + yaml.safe_dump(data, sort_keys=False))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".vault.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise VaultError(VaultStatus.FAILED, f"cannot remember the choice in {path}: {exc.strerror or exc}") from None
    return path


def forget() -> bool:
    """Remove the remembered choice; True if there was one."""
    try:
        config_path().unlink()
    except FileNotFoundError:
        return False
    return True
