"""The setup form: product, domain, URLs, core endpoints (with an AI flag), health path, AI endpoint request
template, repository, e-mail senders and environments.

Every field is validated as the user types (rules in ``setup_rules``; the message shows under the field) and
each valid value is saved to the project file at once (atomic, ``.bak`` kept), so quitting never loses an
answer. A new project is first written when its domain is valid (a project file needs one). An invalid value
is never written: the field says why and the last good value stays in the file.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static

from launchready_tui.core.project import (
    AiEndpoint,
    Endpoint,
    Project,
    ProjectError,
    project_from_domain,
    save_project,
)
from launchready_tui.screens import setup_rules as rules
from launchready_tui.screens.base import WizardScreen
from launchready_tui.screens.setup_rules import Checked
from launchready_tui.widgets.toggle import GlyphCheckbox

VALIDATE_DELAY_S = 0.3
_ids = itertools.count(1)


class FormField(Vertical):
    """Label, input, and one line under it: the hint, a note about what was changed, or the error."""

    DEFAULT_CSS = """
    FormField { height: auto; }
    FormField > Label { text-style: bold; }
    FormField > .field-message { color: $text-muted; height: auto; }
    FormField > .field-message.-error { color: $error; text-style: bold; }
    FormField > .field-message.-note { color: $success; }
    """

    def __init__(self, key: str, label: str, hint: str, value: str, placeholder: str = "") -> None:
        super().__init__(id=f"field-{key}")
        self.key = key
        self.label = label
        self.hint = hint
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        yield Input(self.value, placeholder=self.placeholder, id=f"f-{self.key}")
        yield Static(self.hint, classes="field-message", id=f"msg-{self.key}", markup=False)

    def show(self, checked: Checked | None, redact: Callable[[str], str]) -> None:
        msg = self.query_one(".field-message", Static)
        msg.remove_class("-error", "-note")
        if checked is None or (checked.ok and not checked.note):
            msg.update(self.hint)
        elif not checked.ok:
            msg.add_class("-error")
            msg.update(Text("✖ " + redact(checked.error or "")))
        else:
            msg.add_class("-note")
            msg.update(Text("✔ " + redact(checked.note or "")))


class EndpointRow(Vertical):
    DEFAULT_CSS = """
    EndpointRow { height: auto; margin-bottom: 1; border-left: thick $panel; padding-left: 1; }
    EndpointRow Horizontal { height: auto; }
    EndpointRow .ep-name { width: 16; }
    EndpointRow .ep-method { width: 10; }
    EndpointRow .ep-url { width: 1fr; }
    EndpointRow Checkbox { width: auto; }
    EndpointRow Button { min-width: 5; width: 5; }
    EndpointRow .field-message { color: $text-muted; height: auto; }
    EndpointRow .field-message.-error { color: $error; text-style: bold; }
    """

    def __init__(self, endpoint: Endpoint | None) -> None:
        self.row_id = next(_ids)
        super().__init__(id=f"endpoint-{self.row_id}")
        self.endpoint = endpoint

    def compose(self) -> ComposeResult:
        e = self.endpoint
        with Horizontal():
            yield Input(e.name if e else "", placeholder="name", classes="ep-name", id=f"ep-name-{self.row_id}")
            yield Input(e.method if e else "GET", placeholder="GET", classes="ep-method",
                        id=f"ep-method-{self.row_id}")
            yield Input(e.url if e else "", placeholder="https://api.acme.example/v1/login", classes="ep-url",
                        id=f"ep-url-{self.row_id}")
            yield GlyphCheckbox("AI", e.ai if e else False, id=f"ep-ai-{self.row_id}")
            yield Button("✕", id=f"ep-remove-{self.row_id}", tooltip="Remove this endpoint")
        yield Input(e.body or "" if e else "", placeholder='request body (JSON), optional: {"email": "demo@…"}',
                    id=f"ep-body-{self.row_id}")
        yield Static("", classes="field-message", markup=False)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.query_one(f"#ep-name-{self.row_id}", Input).value,
            "method": self.query_one(f"#ep-method-{self.row_id}", Input).value,
            "url": self.query_one(f"#ep-url-{self.row_id}", Input).value,
            "ai": self.query_one(f"#ep-ai-{self.row_id}", Checkbox).value,
            "body": self.query_one(f"#ep-body-{self.row_id}", Input).value,
        }

    def is_empty(self) -> bool:
        v = self.values()
        return not (v["name"].strip() or v["url"].strip() or v["body"].strip())

    def fill(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.query_one(f"#ep-name-{self.row_id}", Input).value = endpoint.name
        self.query_one(f"#ep-method-{self.row_id}", Input).value = endpoint.method
        self.query_one(f"#ep-url-{self.row_id}", Input).value = endpoint.url
        self.query_one(f"#ep-body-{self.row_id}", Input).value = endpoint.body or ""
        self.query_one(f"#ep-ai-{self.row_id}", Checkbox).value = endpoint.ai

    def show_error(self, error: str | None, redact: Callable[[str], str]) -> None:
        msg = self.query_one(".field-message", Static)
        msg.set_class(bool(error), "-error")
        msg.update(Text("✖ " + redact(error)) if error else "")


# (key, label, hint, placeholder)
SIMPLE_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("product", "Product name", "Shown in reports, e.g. Acme AI.", "Acme AI"),
    ("domain", "Domain (required)", "The address customers type. A pasted URL is fine.", "acme.example"),
    ("app_url", "App URL", "Where users sign in. Leave empty if it is the domain itself.", "https://app.acme.example"),
    ("api_url", "API URL", "Your backend, if it has its own address.", "https://api.acme.example"),
    ("health", "Health check", "A path like /health (on the API) or a full URL.", "/health"),
    ("repo", "Repository folder", "The git repository to scan for leaked keys (relative to the project file).",
     "."),
    ("senders", "E-mail senders", "Who sends your mail, comma separated: google-workspace, resend, postmark, …",
     "google-workspace, resend"),
    ("environments", "Environments", "Comma separated, e.g. production, staging.", "production, staging"),
)
AI_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("ai_url", "AI endpoint URL", "The chat or completion route of your product. Leave empty if it has none.",
     "https://api.acme.example/v1/chat"),
    ("ai_method", "AI request method", "Usually POST.", "POST"),
    ("ai_template", "AI request template", "The JSON body, with {prompt} where the test question goes. Tokens go "
     "in the vault, never here.", '{"message": "{prompt}"}'),
    ("ai_response", "Answer path", "Where the answer is in the JSON reply, e.g. reply or choices.0.message.content.",
     "reply"),
)


class SetupScreen(WizardScreen):
    BINDINGS = [
        Binding("ctrl+s", "done", "Save and continue", id="setup_done", priority=True),
        Binding("escape", "back", "Back", id="setup_back"),
    ]

    def __init__(self, path: Path, project: Project | None, *, first_run: bool,
                 on_done: Callable[[Path, Project], None], on_domain_change: Callable[[], None] | None = None,
                 save: Callable[[Project, Path], str | None] | None = None) -> None:
        super().__init__(name="setup", id="setup")
        self.path = path
        self.project = project
        self.first_run = first_run
        self._on_done = on_done
        self._on_domain_change = on_domain_change
        self._save_fn = save
        self._pending: dict[str, Timer] = {}
        self._checked: dict[str, Checked] = {}
        self._ai_backup: AiEndpoint | None = project.ai_endpoint if project else None
        self._dirty_unsaved = False
        self._saved_at: str | None = None  # time of this screen's last save, for the status line

    # -- layout --------------------------------------------------------------------------------------

    def _initial(self, key: str) -> str:
        p = self.project
        if p is None:
            return "production" if key == "environments" else ("POST" if key == "ai_method" else "")
        ai = p.ai_endpoint
        values: dict[str, str] = {
            "product": p.product,
            "domain": p.domain,
            "app_url": p.app_url or "",
            "api_url": p.api_url or "",
            "health": p.health_url or "",
            "repo": p.repo or "",
            "senders": ", ".join(p.email.senders),
            "environments": ", ".join(p.environments),
            "ai_url": ai.url if ai else "",
            "ai_method": ai.method if ai else "POST",
            "ai_template": ai.body_template if ai else "",
            "ai_response": ai.response_path if ai else "",
        }
        return values.get(key, "")

    def compose(self) -> ComposeResult:
        yield from self.chrome()
        with VerticalScroll(id="setup-form"):
            yield Static(Text("Set up the audit", style="bold"), id="setup-title")
            yield Static("", id="setup-intro")
            for key, label, hint, placeholder in SIMPLE_FIELDS:
                yield FormField(key, label, hint, self._initial(key), placeholder)
                if key == "senders":
                    yield GlyphCheckbox("The product sends e-mail (sign-up, password reset, invoices)",
                                   self.project.email.sends_mail if self.project else True, id="f-sends_mail")
            yield Label(Text("Core endpoints", style="bold"))
            yield Static("The requests that matter most (login, the main API call, the AI call). Response times are "
                         "measured on them and, in stage 6, the load test. Tick AI for model-backed routes.",
                         classes="section-hint")
            with Vertical(id="endpoint-rows"):
                for endpoint in (self.project.endpoints if self.project else [None]):
                    yield EndpointRow(endpoint)  # a new project starts with one empty row (the home page)
            yield Button("+ Add endpoint", id="add-endpoint")
            yield Label(Text("AI endpoint (optional)", style="bold"))
            for key, label, hint, placeholder in AI_FIELDS:
                yield FormField(key, label, hint, self._initial(key), placeholder)
            with Horizontal(id="setup-buttons"):
                yield Button("Start the audit" if self.first_run else "Done", variant="primary", id="setup-done")
                yield Button("Back", id="setup-back")
        yield Static("", id="setup-status")  # under the form, not in it: the save state stays in view
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#f-domain" if self.project is None else "#f-product", Input).focus()
        self._set_status()

    def _set_status(self, error: str | None = None) -> None:
        status = self.query_one("#setup-status", Static)
        intro = self.query_one("#setup-intro", Static)
        intro.update(Text(self.redact(f"Answers are saved to {self.path} as you type."), style="dim"))
        bad = sum(1 for checked in self._checked.values() if not checked.ok)
        todo = f" · {bad} answer{'s' if bad > 1 else ''} to fix (in red), not saved" if bad else ""
        if error:
            status.update(Text("✖ Not saved: " + self.redact(error), style="bold"))
        elif self.project is None:
            status.update(Text("Nothing saved yet: the file is written once the domain is valid." + todo))
        elif self._saved_at is None:
            status.update(Text(f"✔ Everything shown is in {self.redact(self.path.name)}; changes save as you type."
                               + todo))
        else:
            status.update(Text(f"✔ Saved to {self.redact(self.path.name)} at {self._saved_at}{todo}"))

    @property
    def composed(self) -> bool:
        """The widgets exist (``is_mounted`` turns true only after on_mount, which renders too)."""
        return bool(self.query("#setup-status"))

    def refresh_presenter(self) -> None:
        if not self.composed:
            return
        self._set_status()
        for field in self.query(Input):
            self._mask(field)

    def _mask(self, field: Input) -> None:
        # Presenter mode: a value that would be redacted (an e-mail, a home path, a token) is masked whole
        # while keeping the cursor usable; the raw value is still what gets validated and saved.
        field.password = self.wizard.presenter and self.redact(field.value) != field.value

    # -- validation ----------------------------------------------------------------------------------

    def _value(self, key: str) -> str:
        return self.query_one(f"#f-{key}", Input).value

    def _domain(self) -> str | None:
        checked = rules.check_domain(self._value("domain"))
        return checked.value if checked.ok else (self.project.domain if self.project else None)

    def _validate(self, key: str) -> Checked:
        v = self._value(key)
        domain = self._domain()
        if key == "product":
            return rules.check_product(v)
        if key == "domain":
            return rules.check_domain(v)
        if key == "app_url":
            return rules.check_url(v, "the app URL", domain=domain)
        if key == "api_url":
            return rules.check_url(v, "the API URL", domain=domain)
        if key == "health":
            api = rules.check_url(self._value("api_url"), "the API URL")
            return rules.check_health(v, api.value if api.ok else None, domain)
        if key == "repo":
            return rules.check_repo(v, self.path.parent)
        if key == "senders":
            return rules.check_senders(v)
        if key == "environments":
            return rules.check_environments(v)
        if key == "ai_url":
            return rules.check_url(v, "the AI endpoint URL", domain=domain)
        if key == "ai_method":
            return rules.check_method(v or "POST")
        if key == "ai_template":
            if not self._value("ai_url").strip():
                return Checked(v.strip() or None)
            return rules.check_ai_template(v)
        if key == "ai_response":
            return rules.check_response_path(v)
        raise KeyError(key)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        field_id = event.input.id or ""
        self._mask(event.input)
        self._dirty_unsaved = True
        key = field_id[2:] if field_id.startswith("f-") else "endpoints" if field_id.startswith("ep-") else None
        if key is None:
            return
        timer = self._pending.pop(key, None)
        if timer is not None:
            timer.stop()
        self._pending[key] = self.set_timer(VALIDATE_DELAY_S, lambda: self._commit(key))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.flush()
        self.focus_next()

    @on(Checkbox.Changed)
    def _toggled(self, event: Checkbox.Changed) -> None:
        if (event.checkbox.id or "").startswith("ep-ai-"):
            self._commit("endpoints")
        elif event.checkbox.id == "f-sends_mail" and self.project is not None:
            self.project.email.sends_mail = event.value
            self._save()

    def _commit(self, key: str) -> None:
        """Validate one field (and the ones that depend on it); store and save when valid."""
        self._pending.pop(key, None)
        if key == "endpoints":
            self._commit_endpoints()
            return
        checked = self._validate(key)
        self._checked[key] = checked
        self.query_one(f"#field-{key}", FormField).show(checked, self.redact)
        if not checked.ok:
            self._set_status()
            return
        if self.project is None:
            if key != "domain":
                return  # kept in the form; written with the domain
            self.project = project_from_domain(checked.value)
            self._fill_empty_rows(self.project.endpoints)
            self._apply_all()
        else:
            self._apply(key, checked)
        if key == "api_url":
            self._commit("health")
            return
        if key == "ai_url":
            self._commit("ai_template")
            return
        self._save()

    def _apply_all(self) -> None:
        for key, *_ in SIMPLE_FIELDS + AI_FIELDS:
            if key == "domain":
                continue
            checked = self._validate(key)
            self._checked[key] = checked
            self.query_one(f"#field-{key}", FormField).show(checked, self.redact)
            if checked.ok:
                self._apply(key, checked)
        self._commit_endpoints(save=False)
        self._save()

    def _apply(self, key: str, checked: Checked) -> None:
        p = self.project
        assert p is not None
        value = checked.value
        if key == "product":
            p.product = value
        elif key == "domain" and value != p.domain:
            old = p.domain
            p.domain = value
            for endpoint in p.endpoints:  # the defaulted home page follows the domain
                if endpoint.url in (f"https://{old}/", f"https://{old}"):
                    endpoint.url = f"https://{value}/"
            for row in self.query(EndpointRow):
                url = row.query_one(f"#ep-url-{row.row_id}", Input)
                if url.value in (f"https://{old}/", f"https://{old}"):
                    url.value = f"https://{value}/"
            if self._on_domain_change is not None:
                self._on_domain_change()
        elif key == "app_url":
            p.app_url = value
        elif key == "api_url":
            p.api_url = value
        elif key == "health":
            p.health_url = value
        elif key == "repo":
            p.repo = value
        elif key == "senders":
            p.email.senders = value
        elif key == "environments":
            p.environments = value
        elif key in ("ai_url", "ai_method", "ai_template", "ai_response"):
            self._apply_ai()

    def _apply_ai(self) -> None:
        p = self.project
        assert p is not None
        url = rules.check_url(self._value("ai_url"), "the AI endpoint URL")
        if not url.ok:
            return
        if url.value is None:
            if p.ai_endpoint is not None:
                self._ai_backup = p.ai_endpoint
            p.ai_endpoint = None
            return
        template = rules.check_ai_template(self._value("ai_template"))
        method = rules.check_method(self._value("ai_method") or "POST")
        answer = rules.check_response_path(self._value("ai_response"))
        ai = p.ai_endpoint or self._ai_backup or AiEndpoint(url=url.value)
        ai.url = url.value
        if template.ok:
            ai.body_template = template.value
        if method.ok:
            ai.method = method.value
        if answer.ok:
            ai.response_path = answer.value
        p.ai_endpoint = ai

    def _fill_empty_rows(self, endpoints: list[Endpoint]) -> None:
        """A new project's defaulted endpoints go into the empty rows, so the form shows what is saved."""
        empty = [row for row in self.query(EndpointRow) if row.is_empty()]
        for row, endpoint in zip(empty, endpoints, strict=False):
            row.fill(endpoint)

    def _commit_endpoints(self, save: bool = True) -> bool:
        rows = list(self.query(EndpointRow))
        taken: set[str] = set()
        built: list[Endpoint] = []
        ok = True
        domain = self._domain()
        for row in rows:
            if row.is_empty():
                row.show_error(None, self.redact)
                continue  # an untouched row is not an endpoint yet
            v = row.values()
            error = None
            name = rules.check_endpoint_name(v["name"], taken)
            method = rules.check_method(v["method"])
            url = rules.check_url(v["url"], "the endpoint URL", required=True, domain=domain)
            body = rules.check_body(v["body"], "the request body")
            for checked in (name, method, url, body):
                if not checked.ok:
                    error = checked.error
                    break
            row.show_error(error, self.redact)
            if error:
                ok = False
                continue
            taken.add(name.value)
            old = row.endpoint
            built.append(Endpoint(name=name.value, url=url.value, method=method.value, body=body.value, ai=v["ai"],
                                  headers=dict(old.headers) if old else {}, extra=dict(old.extra) if old else {}))
        self._checked["endpoints"] = Checked(error=None if ok else "fix the endpoints marked above")
        if ok and self.project is not None:
            self.project.endpoints = built
            if save:
                self._save()
        return ok

    def _save(self) -> None:
        if self.project is None:
            return
        if self._save_fn is not None:
            error = self._save_fn(self.project, self.path)
        else:
            try:
                save_project(self.project, self.path)
                error = None
            except ProjectError as exc:
                error = str(exc)
        self._dirty_unsaved = bool(error)
        if not error:
            self._saved_at = datetime.now().astimezone().strftime("%H:%M:%S")
        self._set_status(error)

    def flush(self) -> None:
        """Validate and save everything still waiting for its timer."""
        for key in list(self._pending):
            timer = self._pending.pop(key)
            timer.stop()
            self._commit(key)

    # -- buttons and keys ----------------------------------------------------------------------------

    @on(Button.Pressed, "#add-endpoint")
    async def _add_endpoint(self) -> None:
        row = EndpointRow(None)
        await self.query_one("#endpoint-rows").mount(row)
        row.query_one(Input).focus()

    @on(Button.Pressed)
    async def _remove_endpoint(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("ep-remove-"):
            row = self.query_one(f"#endpoint-{button_id.removeprefix('ep-remove-')}", EndpointRow)
            await row.remove()
            self._commit_endpoints()

    @on(Button.Pressed, "#setup-done")
    def _done_pressed(self) -> None:
        self.action_done()

    @on(Button.Pressed, "#setup-back")
    def _back_pressed(self) -> None:
        self.action_back()

    def invalid_fields(self) -> list[str]:
        """Keys of the fields that do not validate now (all fields, not just the touched ones)."""
        bad = []
        for key, *_ in SIMPLE_FIELDS + AI_FIELDS:
            checked = self._validate(key)
            self._checked[key] = checked
            self.query_one(f"#field-{key}", FormField).show(checked, self.redact)
            if not checked.ok:
                bad.append(key)
        if not self._commit_endpoints(save=False):
            bad.append("endpoints")
        return bad

    def action_done(self) -> None:
        self.flush()
        bad = self.invalid_fields()
        if bad or self.project is None:
            first = bad[0] if bad else "domain"
            target = self.query_one(f"#f-{first}", Input) if first != "endpoints" else \
                self.query_one(EndpointRow).query_one(Input)
            target.focus()
            self.notify("Some answers need fixing first: see the messages in red.", severity="warning", timeout=5)
            return
        self._apply_all()
        if self._dirty_unsaved:
            self.notify("The project file could not be saved: see the message at the bottom.", severity="error")
            return
        self._on_done(self.path, self.project)

    def action_back(self) -> None:
        self.flush()
        # Leaving drops answers that do not validate: say which, rather than losing them silently.
        labels = {key: label for key, label, *_ in SIMPLE_FIELDS + AI_FIELDS}
        bad = [labels.get(key, key) for key, checked in self._checked.items() if not checked.ok]
        self.app.pop_screen()
        if bad:
            self.notify(f"Not saved (they need fixing): {', '.join(bad)}. Press s to fix them; everything else is "
                        "saved.", severity="warning", timeout=8)
