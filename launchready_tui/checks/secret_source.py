"""Secrets a check needs at the moment of a call (webhook URL, provider tokens, ``{secret:NAME}`` headers).

Order of lookup, first hit wins:
1. ``ctx.options.extra["secrets"]``: values the wizard holds in memory for this run (the vault's "none" choice);
2. the vault (``launchready_tui.vault``, handover.md §3: the project's ``project_id`` names the keyring service,
   ``LAUNCHREADY_VAULT`` or the remembered choice picks the backend); its calls block (keyring, D-Bus), so they
   run in a worker thread, and a locked or missing vault only adds a note;
3. an environment variable, for headless runs and CI: ``LAUNCHREADY_ALERT_WEBHOOK`` (Slack webhook),
   ``LAUNCHREADY_BETTERSTACK_TOKEN``, ``LAUNCHREADY_UPTIMEROBOT_API_KEY``, and ``LAUNCHREADY_SECRET_<NAME>`` for
   ``secret:<name>`` (``{secret:ai_token}`` -> ``LAUNCHREADY_SECRET_AI_TOKEN``).

A value never goes into evidence, logs or messages: callers show ``where`` it came from and a preview at most.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
from dataclasses import dataclass
from typing import Any

from launchready_tui.checks.base import CheckContext

ENV_FALLBACK: dict[str, str] = {
    "webhook:slack": "LAUNCHREADY_ALERT_WEBHOOK",
    "token:betterstack": "LAUNCHREADY_BETTERSTACK_TOKEN",
    "token:uptimerobot": "LAUNCHREADY_UPTIMEROBOT_API_KEY",
}
VAULT_TIMEOUT_S = 6.0  # the vault's own lane gives up after 5 s; this only guards a vault without one


@dataclass(frozen=True, slots=True)
class SecretLookup:
    key: str
    value: str | None
    where: str  # "wizard", "vault", "environment variable X", or "" when not found
    problem: str | None = None  # why the vault could not be asked (locked, unavailable), plain words

    @property
    def found(self) -> bool:
        return bool(self.value)


def env_name(key: str) -> str:
    """The environment variable that stands in for a vault entry when there is no vault."""
    if key in ENV_FALLBACK:
        return ENV_FALLBACK[key]
    kind, _, name = key.partition(":")
    prefix = "SECRET" if kind == "secret" else kind.upper()
    return f"LAUNCHREADY_{prefix}_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _vault_get(project: Any, key: str) -> str | None:
    """Blocking vault read (keyring or encrypted file); None when this project has stored nothing yet."""
    try:
        accounts = importlib.import_module("launchready_tui.vault.accounts")
        opener = importlib.import_module("launchready_tui.vault.opener")
    except ImportError:  # a build without the vault: environment variables only
        return None
    pid = accounts.project_id(project)  # never created here: no id means nothing was ever stored
    if pid is None:
        return None
    vault = opener.open_vault(pid)
    if vault.mode == "none":  # "no secrets" choice: values live in the wizard's memory only
        return None
    # `accounts set NAME --token-stdin` keeps one secret per account, as token:NAME; the checks ask for
    # webhook:slack or secret:ai_token, so the account's token answers for them too.
    kind, _, account = key.partition(":")
    for entry in (key, f"token:{account}") if kind in ("webhook", "secret") else (key,):
        value = vault.store.get(entry)
        if isinstance(value, str) and value:
            return value
    return None


async def read_secret(ctx: CheckContext, key: str) -> SecretLookup:
    """Look ``key`` ("webhook:slack", "token:betterstack", "secret:ai_token") up; never raises."""
    held = ctx.options.extra.get("secrets")
    if isinstance(held, dict) and isinstance(held.get(key), str) and held[key]:
        return SecretLookup(key, held[key], "wizard")
    problem: str | None = None
    try:
        async with asyncio.timeout(VAULT_TIMEOUT_S):
            value = await asyncio.to_thread(_vault_get, ctx.project, key)
        if value:
            return SecretLookup(key, value, "vault")
    except TimeoutError:
        problem = "the vault did not answer in time (is an unlock prompt open?)"
    except Exception as exc:  # a locked or missing keyring must not stop the check; say why instead
        problem = f"the vault could not be read: {exc}"
    name = env_name(key)
    value = os.environ.get(name, "").strip()
    if value:
        return SecretLookup(key, value, f"environment variable {name}", problem)
    return SecretLookup(key, None, "", problem)


def how_to_provide(key: str) -> str:
    """One sentence telling the founder where to put the secret."""
    if key == "webhook:slack":
        return ("paste it in the wizard's test-alert panel (kept for the session only), store it with "
                "`launchready accounts set slack --owner NAME --token-stdin` (paste the webhook URL), or set the "
                f"environment variable {env_name(key)} for a headless run")
    service = key.partition(":")[2]
    return (f"store it with `launchready accounts set {service} --owner NAME --token-stdin`, or set the "
            f"environment variable {env_name(key)} for a headless run")
