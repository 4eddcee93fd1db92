"""Which keyring backends may hold secrets, and how to explain the ones that may not.

handover.md §3.2: acceptable are macOS Keychain, Windows Credential Locker, Secret Service and
KWallet (priority >= 1). Refused, with an explanation and never silently: ``keyrings.alt`` (its
PlaintextKeyring is a plain file, its EncryptedKeyring prompts with getpass, which a TUI cannot
allow), ``null`` and ``fail`` (no keyring at all), and anything with priority < 1. A ChainerBackend
is not used as such (it also reads from every low-priority member): its best acceptable member is.

A backend class may declare ``launchready_vetted = "why"`` to be accepted despite a low priority:
launchready's own encrypted-file backend and the tests' in-memory keyring do.

No keyring import at module level: callers pass the backend in.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

FRIENDLY_NAMES = {
    "keyring.backends.SecretService.Keyring": "Secret Service (GNOME Keyring / KeePassXC)",
    "keyring.backends.libsecret.Keyring": "Secret Service via libsecret",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    name: str  # plain name of the backend
    dotted: str  # module.Class, for people who configure keyringrc.cfg / PYTHON_KEYRING_BACKEND
    reason: str  # why it is refused (empty when accepted)
    backend: Any = None  # the backend to use (a chainer's best member), when accepted


def dotted_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _priority(backend: Any) -> float | None:
    try:
        return float(type(backend).priority)
    except Exception:  # a backend that is not viable here raises from priority (RuntimeError, ImportError…)
        return None


def classify(backend: Any) -> Verdict:
    """Accept or refuse a keyring backend instance (see the module docstring)."""
    dotted = dotted_name(backend)
    module = type(backend).__module__
    name = FRIENDLY_NAMES.get(dotted, dotted)
    vetted = getattr(type(backend), "launchready_vetted", None)
    if vetted:
        return Verdict(True, str(vetted), dotted, "", backend)
    from keyring.backends.chainer import ChainerBackend  # keyring is loaded already: we hold one of its backends

    if isinstance(backend, ChainerBackend):
        return _classify_chainer(backend)
    if module == "keyring.backends.fail":
        return Verdict(False, "no keyring", dotted, "no OS keyring is available to Python here")
    if module == "keyring.backends.null":
        return Verdict(False, "the null keyring", dotted, "the keyring is switched off (the null backend stores "
                       "nothing; PYTHON_KEYRING_BACKEND or keyringrc.cfg selects it)")
    if module.startswith("keyrings.alt"):
        if "Encrypted" in type(backend).__name__:
            why = ("it asks for its password on the terminal with getpass, which the wizard cannot show, and it "
                   "is not an OS keyring")
        else:
            why = "it writes secrets to a plain file that anyone who can read your home folder can read"
        return Verdict(False, f"keyrings.alt {type(backend).__name__}", dotted,
                       f"the installed keyrings.alt package selected {type(backend).__name__}: {why}. Uninstall "
                       "keyrings.alt, or choose launchready's passphrase-encrypted file")
    priority = _priority(backend)
    if priority is None or priority < 1:
        shown = "not viable" if priority is None else f"priority {priority:g}"
        return Verdict(False, name, dotted, f"{name} is not a recommended keyring ({shown}; keyring recommends "
                       "priority 1 or more)")
    return Verdict(True, name, dotted, "", backend)


def _classify_chainer(chainer: Any) -> Verdict:
    try:
        members = list(type(chainer).backends)
    except Exception as exc:  # discovery itself failed (D-Bus errors surface here)
        return Verdict(False, "keyring chain", dotted_name(chainer), f"the keyring chain could not be built ({exc})")
    refused: list[str] = []
    for member in members:  # already sorted by priority, best first
        verdict = classify(member)
        if verdict.accepted:
            return verdict
        refused.append(verdict.reason)
    reason = "; ".join(refused) if refused else "no OS keyring is available to Python here"
    return Verdict(False, "keyring chain", dotted_name(chainer), reason)


def unlock_help(platform: str | None = None, environ: dict[str, str] | None = None) -> str:
    """How to make the OS keyring usable on this machine, in a few plain lines."""
    platform = platform or sys.platform
    env = os.environ if environ is None else environ
    if platform == "darwin":
        over_ssh = "SSH_CONNECTION" in env
        return ("macOS Keychain: unlock it with `security unlock-keychain ~/Library/Keychains/login.keychain-db`"
                + (" (over SSH the Keychain cannot show its prompt, which surfaces as 'locked')" if over_ssh else "")
                + ", then run launchready again.")
    if platform.startswith("win"):
        return ("Windows Credential Manager: it is available to a signed-in user; if it fails, check that the "
                "'Credential Manager' service is running, then run launchready again.")
    if not env.get("DBUS_SESSION_BUS_ADDRESS"):
        return ("Linux without a D-Bus session (usual over SSH, in containers and CI): install gnome-keyring "
                "(Debian/Ubuntu: `apt install gnome-keyring`) and run inside a session with an unlocked keyring:\n"
                "  dbus-run-session -- sh -c 'printf %s \"$KEYRING_PASSWORD\" | gnome-keyring-daemon --unlock "
                "--components=secrets >/dev/null && launchready …'\n"
                "(use printf, not echo: echo adds a newline to the password).")
    return ("Linux desktop: unlock the 'Login' keyring (Seahorse, 'Passwords and Keys': right-click Login, Unlock), "
            "or from a terminal `printf %s \"$KEYRING_PASSWORD\" | gnome-keyring-daemon --unlock "
            "--components=secrets`; is a Secret Service provider (gnome-keyring, KWallet, KeePassXC) running?")


ALTERNATIVES = ("Other choices: a passphrase-encrypted file (LAUNCHREADY_VAULT=file with "
                "LAUNCHREADY_VAULT_PASSPHRASE, or `launchready accounts vault --use file`), or no stored secrets "
                "(LAUNCHREADY_VAULT=none: details are kept for this run only).")
