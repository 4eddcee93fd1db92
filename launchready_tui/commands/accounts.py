"""``launchready accounts``: who owns each account, stored in the vault (handover.md §3-§4, contract).

* ``accounts set SERVICE --owner NAME [--backup-owner NAME] [--login EMAIL] [--twofa yes|no]
  [--recovery-location TEXT] [--token-stdin]`` (+ method, admins, notes, provider, console URL, plan,
  renewal, verified-by). Fields not given keep their stored value.
* ``accounts list`` - every account with its status; details read from the vault, tokens masked,
  recovery locations shown only as "recorded"; missing core accounts and missing vault entries named.
* ``accounts show SERVICE`` - one account in full (the recovery location too; a token only masked).
* ``accounts remove SERVICE`` - the vault entries and the project-file refs together.
* ``accounts vault [--use keyring|file|none | --forget]`` - which vault is in use and why; remember a choice.

The vault comes from ``LAUNCHREADY_VAULT`` / the remembered choice; the encrypted file's passphrase from
``LAUNCHREADY_VAULT_PASSPHRASE`` or, on a terminal, a hidden prompt. Exit 2 with one clear message when
the vault cannot be used (locked, refused, wrong passphrase); nothing is ever written in plain text.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchready_tui.commands.common import EXIT_OK, EXIT_USAGE, UsageError, add_project_option, say

if TYPE_CHECKING:
    from launchready_tui.core.project import Project
    from launchready_tui.vault.accounts import AccountEntry, AccountRecord
    from launchready_tui.vault.opener import Vault


def _project_option(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: `accounts --project X list` and `accounts list --project X` both work (a subparser's own
    # default would otherwise overwrite the value given before the action).
    p.add_argument("--project", metavar="PATH", default=argparse.SUPPRESS,
                   help="project file (default: ./launchready.yaml)")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("accounts", help="who owns each account (stored in the vault)",
                       description="Account-ownership records: owners, backups, logins, 2FA and where recovery "
                       "codes live. Details go to the OS keyring (or the vault you chose), never the project file.")
    add_project_option(p)
    acts = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    s = acts.add_parser("set", help="record or update one account")
    _project_option(s)
    s.add_argument("service", metavar="SERVICE",
                   help="registrar, dns, hosting, email, monitoring, repository, payments, or your own name")
    s.add_argument("--owner", required=True, metavar="NAME", help="the person (or company) who owns it")
    s.add_argument("--backup-owner", metavar="NAME", help="a second person with admin access")
    s.add_argument("--login", metavar="EMAIL", help="the login e-mail (should be a company address)")
    s.add_argument("--twofa", choices=("yes", "no"), help="is two-factor authentication on?")
    s.add_argument("--twofa-method", metavar="TEXT", help="how: authenticator app, hardware key, SMS …")
    s.add_argument("--recovery-location", metavar="TEXT",
                   help="WHERE the recovery codes are kept (never the codes), e.g. \"1Password: Ops/Cloudflare\"")
    s.add_argument("--admin", action="append", metavar="NAME", help="another admin user (repeatable)")
    s.add_argument("--notes", metavar="TEXT", help="anything else the next owner should know (no secrets)")
    s.add_argument("--provider", metavar="NAME", help="the provider, e.g. cloudflare, vercel, stripe")
    s.add_argument("--console-url", metavar="URL", help="where to log in")
    s.add_argument("--plan", metavar="TEXT", help="plan or tier")
    s.add_argument("--renewal", metavar="YYYY-MM-DD", help="next renewal or billing date")
    s.add_argument("--verified-by", metavar="NAME", help="mark the record verified today by NAME")
    s.add_argument("--token-stdin", action="store_true",
                   help="read an API token for this account from stdin and keep it in the vault")

    ls = acts.add_parser("list", help="list the accounts and their status")
    _project_option(ls)
    ls.add_argument("--format", choices=("text", "json"), default="text")

    sh = acts.add_parser("show", help="show one account in full (recovery location included)")
    _project_option(sh)
    sh.add_argument("service", metavar="SERVICE")

    rm = acts.add_parser("remove", help="delete an account's vault entries and its row")
    _project_option(rm)
    rm.add_argument("service", metavar="SERVICE")

    v = acts.add_parser("vault", help="show which vault is used; remember a choice")
    _project_option(v)
    g = v.add_mutually_exclusive_group()
    g.add_argument("--use", choices=("keyring", "file", "none"), help="remember this choice on this machine")
    g.add_argument("--forget", action="store_true", help="forget the remembered choice")


# --------------------------------------------------------------------------------------------------------
# Shared with `launchready handover`


def load_project_for(args: argparse.Namespace) -> tuple[Project, Path]:
    from launchready_tui.core.project import load_project

    path = Path(args.project)
    if not path.exists():
        raise UsageError(f"no project file at {path}; pass --project PATH (run `launchready` once to create one)")
    project, warnings = load_project(path)
    for w in warnings:
        say(f"launchready: warning: {w}")
    return project, path


def _has_terminal() -> bool:
    """True when a controlling terminal can be opened (getpass would otherwise fall back to stdin)."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return sys.platform.startswith("win") and sys.stdin.isatty()
    os.close(fd)
    return True


def _ask_passphrase(creating: bool) -> str | None:
    """Hidden prompt on the terminal (getpass reads /dev/tty, so a piped token on stdin still works)."""
    if not _has_terminal():
        return None
    try:
        if not creating:
            return getpass.getpass("Vault passphrase: ")
        first = getpass.getpass("New vault passphrase (at least 8 characters): ")
        if getpass.getpass("Type it again: ") != first:
            raise UsageError("the two passphrases differ; nothing was stored")
        return first
    except (EOFError, OSError):
        return None


def open_vault_for(project: Project, *, create_id: bool) -> Vault:
    """The vault for this project, or UsageError with the vault's explanation (exit 2)."""
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import project_id
    from launchready_tui.vault.opener import open_vault

    try:
        pid = project_id(project, create=create_id) or "unset"
        return open_vault(pid, ask_passphrase=_ask_passphrase)
    except VaultError as exc:
        raise UsageError(str(exc)) from None


def _save(project: Project, path: Path) -> None:
    from launchready_tui.core.project import save_project

    for note in save_project(project, path):
        say(f"launchready: {note}")


# --------------------------------------------------------------------------------------------------------
# Actions


MAX_TOKEN_BYTES = 64 * 1024  # API tokens are under 8 KB; a cloud service-account JSON a few KB


def _read_token(args: argparse.Namespace) -> str | None:
    if not args.token_stdin:
        return None
    if sys.stdin is None:
        raise UsageError("--token-stdin: standard input is closed; pipe the token in")
    if sys.stdin.isatty():
        return getpass.getpass(f"API token for {args.service} (hidden): ")
    buffer = getattr(sys.stdin, "buffer", None)  # a text stream without one (tests, embedding) is read as text
    data = buffer.read(MAX_TOKEN_BYTES + 1) if buffer is not None else sys.stdin.read(MAX_TOKEN_BYTES + 1)
    if len(data) > MAX_TOKEN_BYTES:  # bounded: `< /dev/zero` or a wrong file is not a token
        raise UsageError(f"--token-stdin: more than {MAX_TOKEN_BYTES // 1024} KB on stdin; that is not a token, "
                         "nothing was stored")
    try:
        token = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise UsageError("--token-stdin: the token is not UTF-8 text (binary data?); nothing was stored") from None
    if any(ord(c) < 32 and c not in "\r\n\t" for c in token) or "\x7f" in token:
        raise UsageError("--token-stdin: the token has control characters (binary data?); nothing was stored")
    return token


def _merge(old: AccountRecord | None, args: argparse.Namespace) -> AccountRecord:
    from launchready_tui.vault.accounts import AccountRecord

    rec = AccountRecord() if old is None else old
    rec.owner = args.owner.strip()
    for attr, value in (("backup_owner", args.backup_owner), ("login_email", args.login),
                        ("twofa_method", args.twofa_method), ("recovery_location", args.recovery_location),
                        ("notes", args.notes)):
        if value is not None:
            setattr(rec, attr, value.strip())
    if args.twofa is not None:
        rec.twofa = args.twofa == "yes"
    elif rec.twofa is None and rec.twofa_method:
        rec.twofa = True
    if args.admin:
        rec.admin_users = [a.strip() for a in args.admin if a.strip()]
    return rec


def _set(args: argparse.Namespace) -> int:
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import load_record, normalize_service, save_account

    if args.console_url:  # it becomes a link in the handover document: http(s) only, never javascript: or a typo
        from launchready_tui.core.project import http_url_problem

        problem = http_url_problem(args.console_url.strip())
        if problem:
            raise UsageError(f"--console-url {args.console_url!r} is not a usable address: {problem}")
    project, path = load_project_for(args)
    token = _read_token(args)  # before the vault may prompt, so a piped token is read once
    vault = open_vault_for(project, create_id=True)
    try:
        service = normalize_service(args.service)
        old = load_record(vault.store, service) if vault.store.persistent else None
        record = _merge(old, args)
        meta = {k: v for k, v in (("provider", args.provider), ("console_url", args.console_url),
                                  ("plan", args.plan), ("renewal", args.renewal)) if v is not None}
        if args.verified_by:
            meta["verified_by"] = args.verified_by.strip()
            meta["verified_on"] = datetime.now(UTC).date().isoformat()
        notes = save_account(project, vault.store, service, record, meta, token)
    except VaultError as exc:
        raise UsageError(str(exc)) from None
    try:
        _save(project, path)
    except Exception:
        if vault.store.persistent:  # with LAUNCHREADY_VAULT=none nothing was written anywhere
            say("launchready: the vault entry was written but the project file could not be saved; `accounts "
                "list` will not show it until `accounts set` succeeds again")
        raise
    stored = "token and details" if token is not None else "details"
    if vault.store.persistent:
        say(f"launchready: {service}: {stored} stored in {vault.describe()}")
    else:
        say(f"launchready: {service}: {stored} kept for this run only (vault: none)")
    for note in notes:
        say(f"launchready: note: {note}")
    return EXIT_OK


def _row(entry: AccountEntry, record: AccountRecord | None, token: str | None, problem: str | None) -> dict[str, Any]:
    from launchready_tui.core.redact import preview

    st = entry.status
    row: dict[str, Any] = {
        "service": entry.service, "title": entry.title, "core": entry.core, "provider": entry.provider,
        "console_url": entry.console_url, "plan": entry.plan, "renewal": entry.renewal,
        "verified_on": entry.verified_on, "verified_by": entry.verified_by, "status": dict(st),
    }
    if record is not None:
        row["details"] = {
            "owner": record.owner, "backup_owner": record.backup_owner, "login_email": record.login_email,
            "twofa": record.twofa, "twofa_method": record.twofa_method,
            "recovery_location": "recorded" if record.recovery_location else None,
            "admin_users": record.admin_users,
        }
    elif problem:
        row["details"] = {"unavailable": problem}
    if token is not None:
        row["token"] = preview(token)
    return row


def _yes(value: Any) -> str:
    return {True: "yes", False: "no", None: "?"}.get(value, str(value))


def _list(args: argparse.Namespace) -> int:
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import (
        CORE_SERVICES,
        entries,
        load_record,
        reconcile,
        token_key,
        vault_refs,
    )

    project, _path = load_project_for(args)
    try:
        rows_in = entries(project)
        refs = vault_refs(project)
    except VaultError as exc:
        raise UsageError(str(exc)) from None
    problem: str | None = None
    vault = None
    present: dict[str, bool] = {}
    if refs:
        try:
            vault = open_vault_for(project, create_id=False)
            present = reconcile(project, vault.store)
        except (UsageError, VaultError) as exc:
            problem = str(exc)
    rows = []
    for entry in rows_in:
        record = token = None
        if vault is not None and problem is None:
            try:
                record = load_record(vault.store, entry.service) if present.get(f"account:{entry.service}") else None
                if present.get(token_key(entry.service)):
                    token = vault.store.get(token_key(entry.service))
            except VaultError as exc:
                problem = str(exc)
        rows.append(_row(entry, record, token, problem and problem.splitlines()[0]))
    recorded = {e.service for e in rows_in}
    missing_core = [s for s in CORE_SERVICES if s not in recorded]
    missing_refs = sorted(k for k, ok in present.items() if not ok)
    if args.format == "json":
        out = {"project_id": project.extra.get("project_id"), "accounts": rows, "missing_core": missing_core,
               "missing_from_vault": missing_refs,
               "vault": {"where": vault.where, "mode": vault.mode} if vault else {"error": problem}}
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_list_text(rows, missing_core, missing_refs, vault.describe() if vault else None))
    if problem:
        say(f"launchready: the details could not be read from the vault: {problem}")
        return EXIT_USAGE
    return EXIT_OK


def _list_text(rows: list[dict[str, Any]], missing_core: list[str], missing_refs: list[str],
               where: str | None) -> str:
    from launchready_tui.vault.accounts import CORE_SERVICES

    lines = [f"Accounts (vault: {where or 'not opened'})", ""]
    if not rows:
        lines.append("  none recorded yet: `launchready accounts set registrar --owner NAME …`")
    for r in rows:
        st, d = r["status"], r.get("details") or {}
        head = f"  {r['service']:<14} {r['title']}" + (f" · {r['provider']}" if r["provider"] else "")
        lines.append(head)
        if "unavailable" in d:
            lines.append(f"      details: unavailable ({d['unavailable']})")
        elif d:
            lines.append(f"      owner: {d['owner'] or '—'} · backup: {d['backup_owner'] or '—'} · login: "
                         f"{d['login_email'] or '—'}")
            lines.append(f"      2FA: {_yes(d['twofa'])}{' (' + d['twofa_method'] + ')' if d['twofa_method'] else ''}"
                         f" · recovery codes: {'location recorded' if d['recovery_location'] else 'not recorded'}"
                         + (f" · token: {r['token']}" if r.get("token") else ""))
        else:
            lines.append(f"      owner: {_yes(st.get('owner'))} · backup: {_yes(st.get('backup_owner'))} · 2FA: "
                         f"{_yes(st.get('twofa'))} · details: {st.get('details', '?')}")
        verified = f"verified {r['verified_on']} by {r['verified_by']}" if r["verified_on"] else "not verified yet"
        extra = [x for x in (f"renews {r['renewal']}" if r["renewal"] else "", verified) if x]
        lines.append("      " + " · ".join(extra))
    if missing_core:
        lines += ["", "Core accounts not recorded yet: " + ", ".join(f"{s} ({CORE_SERVICES[s]})"
                                                                   for s in missing_core)]
    if missing_refs:
        lines += ["", "Missing from the vault (listed in the project file, not found): " + ", ".join(missing_refs)]
    return "\n".join(lines) + "\n"


def _show(args: argparse.Namespace) -> int:
    from launchready_tui.core.redact import preview
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import find_entry, load_record, normalize_service, token_key

    project, _path = load_project_for(args)
    try:
        service = normalize_service(args.service)
        entry = find_entry(project, service)
    except VaultError as exc:
        raise UsageError(str(exc)) from None
    if entry is None:
        raise UsageError(f"there is no account {service!r} in this project; `launchready accounts list` shows them")
    vault = open_vault_for(project, create_id=False)
    try:
        record = load_record(vault.store, service)
        token = vault.store.get(token_key(service))
    except VaultError as exc:
        raise UsageError(str(exc)) from None
    lines = [f"{entry.title} ({service})" + (f" · {entry.provider}" if entry.provider else "")]
    if record is None:
        lines.append("  details: not in the vault" + (" (vault: none, this run only)" if not vault.store.persistent
                                                       else " (missing: record them again with `accounts set`)"))
    else:
        lines += [f"  owner:             {record.owner or '—'}",
                  f"  backup owner:      {record.backup_owner or '—'}",
                  f"  login e-mail:      {record.login_email or '—'}",
                  f"  2FA:               {_yes(record.twofa)}"
                  + (f" ({record.twofa_method})" if record.twofa_method else ""),
                  f"  recovery codes at: {record.recovery_location or '—'}",
                  f"  admins:            {', '.join(record.admin_users) or '—'}"]
        if record.notes:
            lines.append(f"  notes:             {record.notes}")
    for label, value in (("console", entry.console_url), ("plan", entry.plan), ("renews", entry.renewal)):
        if value:
            lines.append(f"  {label + ':':<18} {value}")
    verified = f"{entry.verified_on} by {entry.verified_by}" if entry.verified_on else "no"
    lines.append(f"  verified:          {verified}")
    if token is not None:
        lines.append(f"  token:             {preview(token)} (kept in the vault; never shown in full)")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import remove_account

    project, path = load_project_for(args)
    vault = open_vault_for(project, create_id=False)
    try:
        notes = remove_account(project, vault.store, args.service)
    except VaultError as exc:
        raise UsageError(str(exc)) from None
    _save(project, path)
    for note in notes:
        say(f"launchready: {note}")
    return EXIT_OK


def _vault(args: argparse.Namespace) -> int:
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.choice import MODE_WORDS, config_path, current_choice, forget, remember

    try:
        if args.forget:
            say(f"launchready: {'forgot the saved choice' if forget() else 'no saved choice to forget'}")
            return EXIT_OK
        if args.use:
            where = remember(args.use)
            say(f"launchready: will use {MODE_WORDS[args.use]} from now on (saved in {where})")
        choice = current_choice()
    except VaultError as exc:
        raise UsageError(str(exc)) from None
    lines = []
    if choice is None:
        lines.append("Vault choice: none saved; the OS keyring is used when it is safe and unlocked.")
    else:
        src = "LAUNCHREADY_VAULT" if choice.source == "env" else str(config_path())
        lines.append(f"Vault choice: {MODE_WORDS[choice.mode]} (from {src})"
                     + (f", file {choice.file}" if choice.file else ""))
    project_path = Path(args.project)
    if project_path.exists():
        project, _ = load_project_for(args)
        try:
            vault = open_vault_for(project, create_id=False)
            lines.append(f"In use: {vault.describe()}")
        except UsageError as exc:
            lines.append(f"Not usable right now: {exc}")
            sys.stdout.write("\n".join(lines) + "\n")
            return EXIT_USAGE
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    return {"set": _set, "list": _list, "show": _show, "remove": _remove, "vault": _vault}[args.action](args)
