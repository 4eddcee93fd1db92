"""Account-ownership records: the sensitive part in the vault, the non-secret status in the project file.

handover.md §1-§3. For each service (registrar, DNS, hosting, e-mail, monitoring, repository, payments,
plus any the user adds):

* vault entry ``account:<service>`` - compact JSON of :class:`AccountRecord`: owner, backup owner, login
  e-mail, 2FA method, WHERE the recovery codes are kept (a reference, never the codes), admin users, notes;
* optional vault entry ``token:<service>`` - an API token given with ``--token-stdin``;
* project file ``accounts:`` - :class:`AccountEntry`: provider, console URL, plan, renewal date,
  verified-on/by and a status of booleans (owner recorded? backup? 2FA on? login on a company domain?),
  so ``handover.accounts`` and ``accounts list`` work without opening the vault;
* project file ``vault_refs:`` - every key written (keyring cannot list entries) and ``project_id``.

Functions here change the Project in memory and the vault; the caller saves the project file.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from launchready_tui.core.project import Project
from launchready_tui.core.redact import looks_like_secret
from launchready_tui.vault.errors import VaultError, VaultStatus
from launchready_tui.vault.store import CredentialStore, service_name, stored_size

CORE_SERVICES: dict[str, str] = {
    "registrar": "Domain registrar",
    "dns": "DNS provider",
    "hosting": "Hosting / platform",
    "email": "E-mail provider (sending and mailbox)",
    "monitoring": "Monitoring / uptime",
    "repository": "Source repository",
    "payments": "Payments",
}
OPTIONAL_SERVICES: dict[str, str] = {
    "database": "Database",
    "ai": "AI / LLM provider",
    "error-tracking": "Error tracking",
    "analytics": "Analytics",
    "ci": "CI / CD",
    "mailbox": "Domain mailbox",
}
# A provider typed where a service belongs ("accounts set cloudflare"): which core row it probably is.
PROVIDER_ROLES: dict[str, str] = {
    "cloudflare": "dns", "route53": "dns", "namecheap": "registrar", "godaddy": "registrar", "porkbun": "registrar",
    "gandi": "registrar", "ovh": "registrar", "vercel": "hosting", "netlify": "hosting", "render": "hosting",
    "fly": "hosting", "heroku": "hosting", "railway": "hosting", "aws": "hosting", "github": "repository",
    "gitlab": "repository", "bitbucket": "repository", "stripe": "payments", "paddle": "payments",
    "lemonsqueezy": "payments", "google-workspace": "email", "resend": "email", "postmark": "email",
    "sendgrid": "email", "mailgun": "email", "betterstack": "monitoring", "uptimerobot": "monitoring",
    "sentry": "error-tracking", "openai": "ai", "anthropic": "ai", "supabase": "database", "neon": "database",
}
# Login or recovery addresses here belong to a person, not the company (handover.md §1: warn).
CONSUMER_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "ymail.com",
    "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de",
    "gmx.net", "web.de", "mail.com", "mail.ru", "yandex.ru", "yandex.com", "qq.com", "163.com", "126.com",
    "zohomail.com", "fastmail.com", "hey.com", "tutanota.com", "yahoo.co.uk", "hotmail.co.uk", "outlook.de",
})

_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
# Recovery codes pasted where their location belongs: several short groups that contain digits.
_CODE_GROUP = re.compile(r"\b(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{4,10}(?:-[A-Za-z0-9]{3,10})?\b")
LIMITS = {"owner": 120, "backup_owner": 120, "login_email": 254, "twofa_method": 80, "recovery_location": 300,
          "notes": 1000, "admin_users": 400}
STATUS_KEYS = ("owner", "backup_owner", "twofa", "login", "recovery", "details")


@dataclass(slots=True)
class AccountRecord:
    """The sensitive fields of one account; lives only in the vault (``account:<service>``)."""

    owner: str = ""
    backup_owner: str = ""
    login_email: str = ""
    twofa: bool | None = None
    twofa_method: str = ""
    recovery_location: str = ""  # WHERE the recovery codes are kept, never the codes
    admin_users: list[str] = field(default_factory=list)
    notes: str = ""

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in ("", None, [])}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AccountRecord:
        try:
            data = json.loads(text)
        except ValueError:
            raise VaultError(VaultStatus.CORRUPT, "an account entry in the vault is not valid JSON") from None
        if not isinstance(data, dict):
            raise VaultError(VaultStatus.CORRUPT, "an account entry in the vault has the wrong shape")
        rec = cls()
        for key in ("owner", "backup_owner", "login_email", "twofa_method", "recovery_location", "notes"):
            if isinstance(data.get(key), str):
                setattr(rec, key, data[key])
        if isinstance(data.get("twofa"), bool):
            rec.twofa = data["twofa"]
        if isinstance(data.get("admin_users"), list):
            rec.admin_users = [str(x) for x in data["admin_users"]]
        return rec

    def values(self) -> list[str]:
        """Every non-empty text of the record (for the canary and no-secret gates)."""
        return [v for v in (self.owner, self.backup_owner, self.login_email, self.twofa_method,
                            self.recovery_location, self.notes, *self.admin_users) if v]


@dataclass(slots=True)
class AccountEntry:
    """The non-secret part of one account; lives in the project file under ``accounts:``."""

    service: str
    label: str = ""
    provider: str = ""
    console_url: str = ""
    plan: str = ""
    renewal: str = ""  # YYYY-MM-DD
    verified_on: str = ""  # YYYY-MM-DD
    verified_by: str = ""
    # owner/backup_owner/recovery: recorded (bool); twofa: on/off/None (unknown); login: company|consumer|"";
    # details: vault | not-stored (the user chose no stored secrets)
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.label or CORE_SERVICES.get(self.service) or OPTIONAL_SERVICES.get(self.service) or self.service

    @property
    def core(self) -> bool:
        return self.service in CORE_SERVICES

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"service": self.service}
        for key in ("label", "provider", "console_url", "plan", "renewal", "verified_on", "verified_by"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        data["status"] = {k: self.status[k] for k in STATUS_KEYS if k in self.status}
        return data


# --------------------------------------------------------------------------------------------------------
# Validation


def normalize_service(text: str) -> str:
    service = (text or "").strip().lower().replace("_", "-").replace(" ", "-")
    if not _SERVICE.match(service):
        raise VaultError(VaultStatus.INVALID, f"{text!r} is not a service name: use lower-case letters, digits and "
                         f"hyphens, like {', '.join(CORE_SERVICES)}")
    return service


def provider_hint(service: str) -> str | None:
    """A sentence for a provider name used as a service ("cloudflare" -> the dns row), or None."""
    role = PROVIDER_ROLES.get(service)
    if role is None or service in CORE_SERVICES or service in OPTIONAL_SERVICES:
        return None
    return (f"{service!r} is a provider, not one of the core accounts ({', '.join(CORE_SERVICES)}); it was recorded "
            f"as an extra account. If it is your {CORE_SERVICES.get(role) or OPTIONAL_SERVICES.get(role, role)}, "
            f"use `launchready accounts set {role} --provider {service} …` so the check counts it")


def email_domain(address: str) -> str | None:
    m = _EMAIL.match(address.strip())
    return m.group(1).lower() if m else None


def login_kind(address: str) -> str:
    """"company", "consumer" or "" (none given)."""
    domain = email_domain(address) if address else None
    if domain is None:
        return ""
    return "consumer" if domain in CONSUMER_DOMAINS else "company"


def _check_date(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise VaultError(VaultStatus.INVALID, f"{what} must be a date like 2027-03-01, not {value!r}") from None


def validate_record(rec: AccountRecord) -> None:
    """Plain-message VaultError(INVALID) for anything that cannot or must not be stored."""
    texts = {"owner": rec.owner, "backup_owner": rec.backup_owner, "login_email": rec.login_email,
             "twofa_method": rec.twofa_method, "recovery_location": rec.recovery_location, "notes": rec.notes,
             "admin_users": ", ".join(rec.admin_users)}
    for key, value in texts.items():
        if len(value) > LIMITS[key]:
            raise VaultError(VaultStatus.INVALID, f"{key.replace('_', ' ')} is {len(value)} characters; keep it "
                             f"under {LIMITS[key]}")
        if any(ord(c) < 32 and c not in "\t" for c in value) and key != "notes":
            raise VaultError(VaultStatus.INVALID, f"{key.replace('_', ' ')} contains a line break or control "
                             "character")
    if rec.login_email and email_domain(rec.login_email) is None:
        raise VaultError(VaultStatus.INVALID, f"the login e-mail {rec.login_email!r} is not an e-mail address")
    for key in ("recovery_location", "notes", "owner", "backup_owner"):
        value = getattr(rec, key)
        kind = looks_like_secret(value) if value else None
        if kind or (key == "recovery_location" and len(_CODE_GROUP.findall(value)) >= 4):
            what = kind or "a list of recovery codes"
            if key == "recovery_location":
                raise VaultError(VaultStatus.INVALID, f"recovery location looks like {what}, not a place. Record "
                                 "WHERE the codes are kept, like \"1Password vault Ops, item 'Cloudflare recovery'\"")
            # notes and owner names: the "where the codes are kept" advice made no sense there
            raise VaultError(VaultStatus.INVALID, f"{key.replace('_', ' ')} looks like {what}; secrets never go in "
                             "account details (a token: --token-stdin)")
    size = stored_size(rec.to_json())
    if size > 2560:
        longest = max(texts, key=lambda k: len(texts[k]))
        raise VaultError(VaultStatus.TOO_LARGE, f"this account record takes {size:,} bytes in the vault and Windows "
                         f"Credential Manager holds at most 2,560; shorten the {longest.replace('_', ' ')}")


# --------------------------------------------------------------------------------------------------------
# The project file side


def project_id(project: Project, create: bool = False) -> str | None:
    """The project's UUID (the vault's service name is ``launchready:<id>``); created on first use."""
    value = project.extra.get("project_id")
    if isinstance(value, str) and value.strip():
        return value.strip()
    if value is not None:
        raise VaultError(VaultStatus.INVALID, "project_id in the project file must be text (a UUID)")
    if not create:
        return None
    new = str(uuid.uuid4())
    project.extra["project_id"] = new
    return new


def vault_refs(project: Project) -> list[str]:
    raw = project.extra.get("vault_refs") or []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise VaultError(VaultStatus.INVALID, "vault_refs in the project file must be a list of entry names")
    return list(raw)


def _set_refs(project: Project, refs: list[str]) -> None:
    project.extra["vault_refs"] = sorted(dict.fromkeys(refs))


def entries(project: Project) -> list[AccountEntry]:
    """The ``accounts:`` list of the project file; VaultError(INVALID) naming the bad item."""
    raw = project.extra.get("accounts") or []
    if not isinstance(raw, list):
        raise VaultError(VaultStatus.INVALID, "accounts in the project file must be a list")
    out: list[AccountEntry] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("service"), str):
            raise VaultError(VaultStatus.INVALID, f"accounts[{i}] in the project file needs 'service: NAME'")
        status = item.get("status") if isinstance(item.get("status"), dict) else {}
        out.append(AccountEntry(
            service=item["service"],
            **{k: str(item.get(k) or "") for k in ("label", "provider", "console_url", "plan", "renewal",
                                                    "verified_on", "verified_by")},
            status={k: status[k] for k in STATUS_KEYS if k in status},
        ))
    return out


def find_entry(project: Project, service: str) -> AccountEntry | None:
    return next((e for e in entries(project) if e.service == service), None)


def _put_entry(project: Project, entry: AccountEntry) -> None:
    rows = [e for e in entries(project) if e.service != entry.service] + [entry]
    order = {s: i for i, s in enumerate([*CORE_SERVICES, *OPTIONAL_SERVICES])}
    rows.sort(key=lambda e: (order.get(e.service, len(order)), e.service))
    project.extra["accounts"] = [e.to_dict() for e in rows]


def status_of(rec: AccountRecord, stored: bool) -> dict[str, Any]:
    return {
        "owner": bool(rec.owner.strip()),
        "backup_owner": bool(rec.backup_owner.strip()),
        "twofa": rec.twofa,
        "login": login_kind(rec.login_email),
        "recovery": bool(rec.recovery_location.strip()),
        "details": "vault" if stored else "not-stored",
    }


# --------------------------------------------------------------------------------------------------------
# Operations (vault + project in memory; the caller saves the project file)


def account_key(service: str) -> str:
    return f"account:{service}"


def token_key(service: str) -> str:
    return f"token:{service}"


def load_record(store: CredentialStore, service: str) -> AccountRecord | None:
    text = store.get(account_key(service))
    return None if text is None else AccountRecord.from_json(text)


def save_account(
    project: Project,
    store: CredentialStore,
    service: str,
    record: AccountRecord,
    meta: dict[str, str] | None = None,
    token: str | None = None,
) -> list[str]:
    """Validate, write ``account:<service>`` (and ``token:<service>``) to the vault, update the project.

    Vault first: a locked keyring fails before the project changes. Returns notes for the user.
    """
    service = normalize_service(service)
    validate_record(record)
    meta = dict(meta or {})
    for key in ("renewal", "verified_on"):
        if key in meta:
            meta[key] = _check_date(meta[key], key.replace("_", " "))
    for key, value in meta.items():
        if value and looks_like_secret(value):
            raise VaultError(VaultStatus.INVALID, f"{key.replace('_', ' ')} looks like a secret; it would be written "
                             "to the project file. Leave secrets out of it")
    if token is not None:
        token = token.strip()
        if not token:
            raise VaultError(VaultStatus.INVALID, "the token read from stdin is empty; nothing was stored")
    notes: list[str] = []
    pid = project_id(project, create=True)
    bound = getattr(store, "service", None)
    if bound is not None and bound != service_name(pid or ""):
        raise VaultError(VaultStatus.FAILED, "the vault was opened for another project (or before this project had "
                         "an id); nothing was stored: open it again")
    store.set(account_key(service), record.to_json())
    written = [account_key(service)]
    if token is not None:
        try:
            store.set(token_key(service), token)
        except VaultError:
            if find_entry(project, service) is None:  # a new account: do not leave half of it behind
                with contextlib.suppress(VaultError):
                    store.delete(account_key(service))
            raise
        written.append(token_key(service))
    entry = find_entry(project, service) or AccountEntry(service=service)
    for key, value in meta.items():
        setattr(entry, key, value)
    entry.status = status_of(record, store.persistent)
    _put_entry(project, entry)
    if store.persistent:
        _set_refs(project, vault_refs(project) + written)
    else:
        notes.append("no secrets are stored on this machine (vault: none): the owner, login and recovery details "
                     "last for this run only; the project file records only that they exist")
    hint = provider_hint(service)
    if hint:
        notes.append(hint)
    if record.login_email and login_kind(record.login_email) == "consumer":
        notes.append(f"the login e-mail is on {email_domain(record.login_email)}, a personal mailbox: move the "
                     "account to a company address so access does not leave with a person")
    return notes


def remove_account(project: Project, store: CredentialStore, service: str) -> list[str]:
    """Delete the vault entries of ``service`` and its refs and row, together."""
    service = normalize_service(service)
    keys = [k for k in vault_refs(project) if k in (account_key(service), token_key(service))]
    known = find_entry(project, service) is not None
    if not keys and not known:
        raise VaultError(VaultStatus.INVALID, f"there is no account {service!r} in this project")
    removed = [k for k in (account_key(service), token_key(service)) if store.delete(k)]
    _set_refs(project, [k for k in vault_refs(project) if k not in keys])
    project.extra["accounts"] = [e.to_dict() for e in entries(project) if e.service != service]
    notes = [f"removed {', '.join(removed)} from the vault" if removed else "the vault held no entries for it"]
    return notes


def reconcile(project: Project, store: CredentialStore) -> dict[str, bool]:
    """For every ref in the project file, whether the vault still holds it (a missing one is shown, never
    dropped)."""
    return {key: store.get(key) is not None for key in vault_refs(project)}
