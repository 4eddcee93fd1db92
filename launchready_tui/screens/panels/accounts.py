"""Stage 7 panel: who owns each account (the vault editor), the one-time vault choice, and the handover export.

* The vault opens in a thread worker (a locked keyring waiting on its unlock prompt never freezes the
  screen: the call lane gives up after a few seconds and says so). When no safe keyring works, the panel
  offers the one-time choice of handover.md §3.2 - unlock the OS keyring (with instructions for this
  machine), a passphrase-encrypted file, or no stored secrets - remembered in the user config when the box
  is ticked. Never a silent plaintext fallback.
* The passphrase is typed into a masked field and held in memory only.
* Presenter mode: vault values (names, logins, recovery locations, tokens) are never shown; the table
  shows their status and the form stays blank.
* "Export handover" runs the ``handover.export`` check with an export request on the wizard's context
  (the screen opens no socket; the export re-checks DNS through the context), and asks before replacing
  files from an earlier export.

All text goes through ``host.redact``. Vault calls go through ``launchready_tui.vault`` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static

if TYPE_CHECKING:
    from launchready_tui.core.model import CheckResult
    from launchready_tui.screens.panels import PanelHost
    from launchready_tui.vault.accounts import AccountRecord
    from launchready_tui.vault.opener import Vault

TWOFA_CHOICES = [("2FA on", "yes"), ("2FA off", "no"), ("2FA not known", "unknown")]
FIELDS = ("owner", "backup", "login", "method", "recovery", "provider", "console", "renewal", "verified-by", "notes")
VAULT_FIELDS = ("owner", "backup", "login", "method", "recovery", "notes")  # never on screen in presenter mode


class AccountsPanel(VerticalScroll):
    """Accounts editor, vault choice and handover export for stage 7."""

    PANEL_TITLE = "Accounts & handover"
    DEFAULT_CSS = """
    AccountsPanel { height: 1fr; padding: 0 1; }
    AccountsPanel Horizontal { height: auto; }
    AccountsPanel #vault-choice { height: auto; }  /* a Vertical is 1fr: its buttons were clipped to nothing */
    AccountsPanel .row Input, AccountsPanel .row Select { width: 1fr; margin-right: 1; }
    AccountsPanel Button { margin-right: 1; }
    AccountsPanel #vault-choice, AccountsPanel #passphrase-row, AccountsPanel #replace-row { display: none; }
    AccountsPanel #vault-choice.shown, AccountsPanel #passphrase-row.shown, AccountsPanel #replace-row.shown {
        display: block;
    }
    AccountsPanel DataTable { height: auto; max-height: 14; margin: 1 0; }
    AccountsPanel #vault-status, AccountsPanel #form-status, AccountsPanel #export-status { margin: 1 0 0 0; }
    """

    def __init__(self, host: PanelHost) -> None:
        super().__init__(classes="stage-panel")
        self.host = host
        self.vault: Vault | None = None
        self._records: dict[str, AccountRecord | None] = {}
        self._pending_mode: str | None = None

    # -- layout --------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        from launchready_tui.vault.accounts import CORE_SERVICES, OPTIONAL_SERVICES

        yield Static(self.host.redact("Vault: opening…"), id="vault-status", markup=False)
        with Vertical(id="vault-choice"):
            yield Label("No safe keyring answered. Choose once where secrets and account details go:")
            with Horizontal():
                yield Button("Retry the OS keyring", id="choose-keyring")
                yield Button("Passphrase-encrypted file", id="choose-file", variant="primary")
                yield Button("Store nothing", id="choose-none")
            yield Checkbox("Remember this choice on this machine", value=True, id="remember-choice")
        with Horizontal(id="passphrase-row"):
            yield Input(placeholder="vault passphrase (at least 8 characters for a new file)", password=True,
                        id="passphrase")
            yield Button("Unlock", id="unlock", variant="primary")
        yield DataTable(id="accounts-table", cursor_type="row", zebra_stripes=True)
        options = [(f"{label} ({sid})", sid) for sid, label in {**CORE_SERVICES, **OPTIONAL_SERVICES}.items()]
        with Horizontal(classes="row"):
            yield Select(options, prompt="account", id="service")
            yield Input(placeholder="or your own name, e.g. analytics", id="custom-service")
        with Horizontal(classes="row"):
            yield Input(placeholder="owner (person or company)", id="owner")
            yield Input(placeholder="backup owner (second admin)", id="backup")
            yield Input(placeholder="login e-mail (company address)", id="login")
        with Horizontal(classes="row"):
            yield Select(TWOFA_CHOICES, value="unknown", allow_blank=False, id="twofa")
            yield Input(placeholder="2FA method (app, hardware key…)", id="method")
            yield Input(placeholder="WHERE the recovery codes are kept (never the codes)", id="recovery")
        with Horizontal(classes="row"):
            yield Input(placeholder="provider (cloudflare, vercel…)", id="provider")
            yield Input(placeholder="console URL", id="console")
            yield Input(placeholder="renewal YYYY-MM-DD", id="renewal")
            yield Input(placeholder="verified by (name)", id="verified-by")
        with Horizontal(classes="row"):
            yield Input(placeholder="notes for the next owner (no secrets)", id="notes")
        with Horizontal():
            yield Button("Save account", id="save", variant="primary")
            yield Button("Remove account", id="remove", variant="error")
            yield Button("Export handover (md, html, pdf)", id="export")
        yield Static("", id="form-status", markup=False)
        with Horizontal(id="replace-row"):
            yield Button("Replace the existing files", id="replace", variant="warning")
        yield Static("", id="export-status", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#accounts-table", DataTable)
        table.add_columns("Account", "Owner", "Backup", "Login", "2FA", "Recovery codes", "Verified")
        self._render_table()
        self._mask_fields(self.host.presenter)
        self._open_vault(None, None, remember=False)

    def _mask_fields(self, on: bool) -> None:
        """While presenting, what is typed into a vault field shows as dots (a login e-mail typed live was shown)."""
        for field in VAULT_FIELDS:
            self.query_one(f"#{field}", Input).password = on

    # -- text helpers ----------------------------------------------------------------------------------

    def _say(self, widget_id: str, text: str) -> None:
        self.query_one(f"#{widget_id}", Static).update(self.host.redact(text))

    def _shown(self, widget_id: str, shown: bool) -> None:
        self.query_one(f"#{widget_id}").set_class(shown, "shown")

    # -- the vault -------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="accounts-vault", exit_on_error=False)
    def _open_vault(self, mode: str | None, passphrase: str | None, remember: bool) -> None:
        """Open (and maybe remember) the vault in a thread; a stuck keyring costs the lane's timeout, not the UI."""
        from launchready_tui.vault import VaultError
        from launchready_tui.vault.accounts import entries, load_record, project_id, reconcile
        from launchready_tui.vault.choice import Choice, current_choice, default_file_path
        from launchready_tui.vault.choice import remember as remember_choice
        from launchready_tui.vault.opener import open_vault

        self.app.call_from_thread(self._say, "vault-status", "Vault: waiting for your keyring to answer (it may be "
                                  "asking for your password)…")
        try:
            remembered = current_choice()
            if mode is None:
                effective = remembered  # a remembered "file" choice then asks for the passphrase
            else:
                file = remembered.file if remembered and remembered.mode == "file" else None
                effective = Choice(mode, "chosen", (file or default_file_path()) if mode == "file" else None)
            mode = effective.mode if effective else None
            # The id names the keyring service; created now (in memory) so a first save lands under it. It reaches
            # the project file with the first saved account.
            pid = project_id(self.host.project, create=True) or ""
            vault = open_vault(pid, choice=effective, passphrase=passphrase)
            if remember and mode is not None:
                remember_choice(mode)
            records = {e.service: load_record(vault.store, e.service) for e in entries(self.host.project)} \
                if vault.store.persistent else {}
            missing = [k for k, ok in reconcile(self.host.project, vault.store).items() if not ok] \
                if vault.store.persistent else []
        except VaultError as exc:
            self.app.call_from_thread(self._vault_failed, exc.status.value, exc.message, mode)
            return
        self.app.call_from_thread(self._vault_ready, vault, records, missing)

    def _vault_failed(self, status: str, message: str, mode: str | None) -> None:
        """Show why, then the way forward: the passphrase again for the file, else the one-time choice."""
        self.vault = None
        self._say("vault-status", f"Vault: {status} — {message}")
        self._shown("passphrase-row", mode == "file" and status != "corrupt")
        self._shown("vault-choice", mode != "file" or status == "corrupt")

    def _vault_ready(self, vault: Vault, records: dict[str, AccountRecord | None], missing: list[str]) -> None:
        self.vault = vault
        self._records = records
        self._shown("vault-choice", False)
        self._shown("passphrase-row", False)
        self.query_one("#passphrase", Input).value = ""  # held by the store only
        persist = "" if vault.store.persistent else " — nothing is written; details last until you quit"
        self._say("vault-status", f"Vault: {vault.describe()}{persist}")
        self._render_table()
        if missing:  # refs without a value: shown, never dropped (keyring cannot list entries)
            self._say("form-status", "Missing from the vault (listed in the project file, not found): "
                      f"{', '.join(missing)}. Record them again, or remove the account")
        self._share_with_checks(vault)

    @work(exclusive=True, group="accounts-share", exit_on_error=False)
    async def _share_with_checks(self, vault: Vault) -> None:
        """Let this session's stage-7 checks read the account details (names for the leaving/personal checks)."""
        ctx = await self.host.check_context()
        ctx.options.extra["vault"] = vault.store

    @on(Button.Pressed, "#choose-keyring")
    def _choose_keyring(self) -> None:
        self._pending_mode = "keyring"
        self._open_vault("keyring", None, remember=self._remember())

    @on(Button.Pressed, "#choose-file")
    def _choose_file(self) -> None:
        self._pending_mode = "file"
        self._shown("passphrase-row", True)
        self.query_one("#passphrase", Input).focus()

    @on(Button.Pressed, "#choose-none")
    def _choose_none(self) -> None:
        self._pending_mode = "none"
        self._open_vault("none", None, remember=self._remember())

    @on(Button.Pressed, "#unlock")
    @on(Input.Submitted, "#passphrase")
    def _unlock(self) -> None:
        secret = self.query_one("#passphrase", Input).value
        if not secret:
            self._say("vault-status", "Vault: type the passphrase first")
            return
        self._pending_mode = "file"
        self._open_vault("file", secret, remember=self._remember())

    def _remember(self) -> bool:
        return self.query_one("#remember-choice", Checkbox).value

    # -- the table and the form ------------------------------------------------------------------------

    def _render_table(self) -> None:
        from launchready_tui.vault import VaultError
        from launchready_tui.vault.accounts import CORE_SERVICES, entries

        table = self.query_one("#accounts-table", DataTable)
        table.clear()
        try:
            rows = {e.service: e for e in entries(self.host.project)}
        except VaultError as exc:
            self._say("form-status", str(exc))
            return
        yes = {True: "✔", False: "✖", None: "?"}
        hide = self.host.presenter
        for service in [*CORE_SERVICES, *[s for s in rows if s not in CORE_SERVICES]]:
            entry = rows.get(service)
            if entry is None:
                table.add_row(self.host.redact(CORE_SERVICES.get(service, service)), "—", "—", "—", "?", "—",
                              "not recorded", key=service)
                continue
            st, rec = entry.status, self._records.get(service)
            if rec is not None and not hide:
                owner, backup, login = rec.owner or "—", rec.backup_owner or "—", rec.login_email or "—"
                twofa = yes[rec.twofa] + (f" {rec.twofa_method}" if rec.twofa_method else "")
            else:
                owner = "recorded" if st.get("owner") else "—"
                backup = "recorded" if st.get("backup_owner") else "—"
                login = {"company": "company address", "consumer": "personal mailbox"}.get(str(st.get("login")), "—")
                twofa = yes.get(st.get("twofa"), "?")  # type: ignore[arg-type]
            recovery = "recorded" if st.get("recovery") else "—"
            verified = entry.verified_on or "not yet"
            table.add_row(*(self.host.redact(str(c)) for c in (entry.title, owner, backup, login, twofa, recovery,
                                                                verified)), key=service)

    def _service(self) -> str:
        custom = self.query_one("#custom-service", Input).value.strip()
        if custom:
            return custom
        value = self.query_one("#service", Select).value
        return value if isinstance(value, str) else ""

    @on(DataTable.RowSelected, "#accounts-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        from launchready_tui.vault.accounts import CORE_SERVICES, OPTIONAL_SERVICES, find_entry

        service = str(event.row_key.value)
        known = service in CORE_SERVICES or service in OPTIONAL_SERVICES
        select = self.query_one("#service", Select)
        if known:
            select.value = service
        else:
            select.clear()
        self.query_one("#custom-service", Input).value = "" if known else service
        entry = find_entry(self.host.project, service)
        rec = self._records.get(service)
        values = dict.fromkeys(FIELDS, "")
        if entry is not None:
            values.update(provider=entry.provider, console=entry.console_url, renewal=entry.renewal)
        if rec is not None and not self.host.presenter:  # presenter mode never puts vault values on screen
            values.update(owner=rec.owner, backup=rec.backup_owner, login=rec.login_email, method=rec.twofa_method,
                          recovery=rec.recovery_location, notes=rec.notes)
        for field, value in values.items():
            self.query_one(f"#{field}", Input).value = value
        twofa = rec.twofa if rec is not None else (entry.status.get("twofa") if entry else None)
        self.query_one("#twofa", Select).value = {True: "yes", False: "no"}.get(twofa, "unknown")  # type: ignore[arg-type]
        if self.host.presenter and rec is not None:
            self._say("form-status", "Presenter mode: the stored details are hidden; an empty field keeps its stored "
                                     "value, a typed one (masked) replaces it")

    def _form(self) -> tuple[AccountRecord, dict[str, str]]:
        from datetime import UTC, datetime

        from launchready_tui.vault.accounts import AccountRecord

        def val(field: str) -> str:
            return self.query_one(f"#{field}", Input).value.strip()

        twofa = self.query_one("#twofa", Select).value
        record = AccountRecord(owner=val("owner"), backup_owner=val("backup"), login_email=val("login"),
                               twofa={"yes": True, "no": False}.get(str(twofa)), twofa_method=val("method"),
                               recovery_location=val("recovery"), notes=val("notes"))
        old = self._records.get(self._service())
        if old is not None:
            record.admin_users = list(old.admin_users)  # edited with `launchready accounts set --admin`
            if self.host.presenter:
                # The stored values were never put in the form while presenting: an empty field means "unchanged",
                # not "erase" (saving a new 2FA answer used to wipe the login and the recovery location).
                for attr in ("owner", "backup_owner", "login_email", "twofa_method", "recovery_location", "notes"):
                    if not getattr(record, attr):
                        setattr(record, attr, getattr(old, attr))
        meta = {"provider": val("provider"), "console_url": val("console"), "renewal": val("renewal")}
        if val("verified-by"):
            meta.update(verified_by=val("verified-by"), verified_on=datetime.now(UTC).date().isoformat())
        return record, meta

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        service = self._service()
        if not service:
            self._say("form-status", "Choose an account, or type your own name for it")
            return
        if self.vault is None:
            self._say("form-status", "The vault is not open yet: choose where to keep the details above")
            return
        record, meta = self._form()
        if not record.owner:
            self._say("form-status", "Who owns it? The owner is required")
            return
        self._say("form-status", f"saving {service}…")
        self._save(service, record, meta)

    @work(thread=True, exclusive=True, group="accounts-vault", exit_on_error=False)
    def _save(self, service: str, record: AccountRecord, meta: dict[str, str]) -> None:
        from launchready_tui.vault import VaultError
        from launchready_tui.vault.accounts import load_record, normalize_service, save_account

        assert self.vault is not None
        try:
            notes = save_account(self.host.project, self.vault.store, service, record, meta)
            key = normalize_service(service)
            fresh = load_record(self.vault.store, key)
        except VaultError as exc:
            self.app.call_from_thread(self._say, "form-status", f"not saved: {exc}")
            return
        self.app.call_from_thread(self._saved, key, fresh, notes)

    def _saved(self, service: str, record: AccountRecord | None, notes: list[str]) -> None:
        self._records[service] = record
        error = self.host.session.save()  # the project file: the account's status and the vault refs
        self._render_table()
        text = f"saved {service}" + (f" — {'; '.join(notes)}" if notes else "")
        self._say("form-status", f"{text}. Project file: {error}" if error else text)
        self.host.run_checks(["handover.accounts"])

    @on(Button.Pressed, "#remove")
    def _remove_pressed(self) -> None:
        service = self._service()
        if not service or self.vault is None:
            self._say("form-status", "Choose an account to remove (and open the vault first)")
            return
        self._remove(service)

    @work(thread=True, exclusive=True, group="accounts-vault", exit_on_error=False)
    def _remove(self, service: str) -> None:
        from launchready_tui.vault import VaultError
        from launchready_tui.vault.accounts import normalize_service, remove_account

        assert self.vault is not None
        try:
            notes = remove_account(self.host.project, self.vault.store, service)
        except VaultError as exc:
            self.app.call_from_thread(self._say, "form-status", f"not removed: {exc}")
            return
        self.app.call_from_thread(self._removed, normalize_service(service), notes)

    def _removed(self, service: str, notes: list[str]) -> None:
        self._records.pop(service, None)
        error = self.host.session.save()
        self._render_table()
        self._say("form-status", f"removed {service}: {'; '.join(notes)}" + (f". Project file: {error}" if error
                                                                              else ""))
        self.host.run_checks(["handover.accounts"])

    # -- export ----------------------------------------------------------------------------------------

    def export_folder(self) -> Path:
        return self.host.project_path.parent / "handover"

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self._shown("replace-row", False)
        self._export(False)

    @on(Button.Pressed, "#replace")
    def _replace_pressed(self) -> None:
        self._shown("replace-row", False)
        self._export(True)

    @work(exclusive=True, group="accounts-export", exit_on_error=False)
    async def _export(self, force: bool) -> None:
        from launchready_tui.checks.runner import run_one
        from launchready_tui.core import catalogue
        from launchready_tui.report.handover import ExportRequest

        self._say("export-status", "exporting: re-reading the DNS map and checking the document for secrets…")
        ctx = await self.host.check_context()
        if self.vault is not None:
            ctx.options.extra["vault"] = self.vault.store
        ctx.options.extra["handover_export"] = ExportRequest(self.export_folder(), force=force,
                                                             presenter=self.host.presenter)
        try:
            result = await run_one(catalogue.get("handover.export"), ctx)
        finally:
            ctx.options.extra.pop("handover_export", None)
        self._export_done(result)

    def _export_done(self, result: CheckResult) -> None:
        from launchready_tui.core.model import Status

        self.host.session.record(result)
        if result.status is Status.PASS:
            files = ", ".join(Path(f).name for f in result.evidence.get("files") or [])
            notes = " ".join(result.evidence.get("notes") or [])
            masked = (" Presenter mode: e-mail addresses and home folders are masked in this copy; turn it off (F2) "
                      "and export again for the new owner's copy." if self.host.presenter else "")
            tail = " ".join(t for t in (notes, masked.strip()) if t)
            self._say("export-status", f"{result.status.label} — written to {self.export_folder()}: {files}. {tail}")
            return
        self._say("export-status", f"{result.status.label} — {result.summary}")
        if "already exist" in result.summary:  # never replaced without asking
            self._shown("replace-row", True)

    # -- host hooks ------------------------------------------------------------------------------------

    def presenter_changed(self, on: bool) -> None:
        self._render_table()
        self._mask_fields(on)  # masked, not cleared: F2 mid-form used to throw away what was typed
        if self.vault is not None:
            self._say("vault-status", f"Vault: {self.vault.describe()}")
