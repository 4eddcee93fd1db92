"""Stage 5 panel: send one clearly labelled test alert, then record whether it arrived (monitoring.md §6).

The alert goes out only on an explicit key press, after the exact text is shown; it is sent once. The send
runs the ``monitor.alert_route`` check itself (checks/monitoring.py) on the wizard's context, with the panel's
one-time permission, so the screen opens no socket. "It arrived" / "It did not arrive" are stored with the date
under ``answers["monitor.alert_route"]`` (never the webhook: only its fingerprint), then the check is re-run.

The webhook comes from the vault (``webhook:slack``) or ``LAUNCHREADY_ALERT_WEBHOOK``; a founder who has neither
can paste one into the masked field: it is held in the wizard's memory for this session only
(``ctx.options.extra["secrets"]``, which ``checks.secret_source.read_secret`` reads first), never written.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

if TYPE_CHECKING:
    from launchready_tui.screens.panels import PanelHost

CHECK_ID = "monitor.alert_route"
WEBHOOK_KEY = "webhook:slack"


class AlertConfirmPanel(Vertical):
    """Send a test alert; confirm it arrived."""

    PANEL_TITLE = "Test alert"
    DEFAULT_CSS = """
    AlertConfirmPanel { height: auto; padding: 1; }
    AlertConfirmPanel Horizontal { height: auto; }
    AlertConfirmPanel Button { margin-right: 2; }
    """

    def __init__(self, host: PanelHost) -> None:
        super().__init__(classes="stage-panel")
        self.host = host
        self._sent: dict[str, Any] | None = None
        self._fingerprint = ""

    def compose(self) -> ComposeResult:
        product = self.host.project.product or self.host.project.domain
        yield Static(self.host.redact(
            "Sends ONE message to your Slack incoming webhook (the vault's webhook:slack, LAUNCHREADY_ALERT_WEBHOOK, "
            "or the one pasted below):\n"
            f"  \"[TEST] launchready test alert for {product}: no action needed …\"\n"
            "Then tell us whether it arrived."), id="alert-preview", markup=False)
        yield Input(placeholder="Slack incoming webhook URL, if none is stored (masked; kept for this session only)",
                    password=True, id="alert-webhook")
        yield Input(placeholder="channel it should reach, e.g. #alerts (optional)", id="alert-channel")
        with Horizontal():
            yield Button("Send test alert", id="alert-send", variant="primary")
            yield Button("It arrived", id="alert-arrived", variant="success", disabled=True)
            yield Button("It did not arrive", id="alert-missing", variant="error", disabled=True)
        yield Static("", id="alert-status", markup=False)

    def _status(self, text: str) -> None:
        self.query_one("#alert-status", Static).update(self.host.redact(text))

    @on(Button.Pressed, "#alert-send")
    def _send(self) -> None:
        self.query_one("#alert-send", Button).disabled = True
        self._status("sending the test alert…")
        self._send_worker()

    @work(exclusive=True, group="alert-confirm", exit_on_error=False)
    async def _send_worker(self) -> None:
        from launchready_tui.checks.runner import run_one
        from launchready_tui.core import catalogue

        ctx = await self.host.check_context()
        pasted = self.query_one("#alert-webhook", Input).value.strip()
        if pasted:
            if not pasted.startswith("https://"):
                self._status("That is not a webhook URL: Slack's start with https://hooks.slack.com/services/")
                self.query_one("#alert-send", Button).disabled = False
                return
            held = ctx.options.extra.setdefault("secrets", {})
            if isinstance(held, dict):
                held[WEBHOOK_KEY] = pasted  # memory only: the check reads it before the vault
        ctx.options.extra["send_test_alert"] = True  # this one run only: the key press is the permission
        try:
            result = await run_one(catalogue.get(CHECK_ID), ctx)
        finally:
            ctx.options.extra.pop("send_test_alert", None)
        sent = result.evidence.get("test_alert") if isinstance(result.evidence, dict) else None
        self._fingerprint = str(result.evidence.get("webhook_fingerprint", "")) if result.evidence else ""
        if isinstance(sent, dict) and sent.get("status") == 200:
            self._sent = sent
            self._status(f"sent at {sent.get('sent_at')} (Slack answered 200 ok). Did it arrive?")
            self.query_one("#alert-arrived", Button).disabled = False
            self.query_one("#alert-missing", Button).disabled = False
        else:
            self._status(f"{result.status.label}: {result.summary}")
            self.query_one("#alert-send", Button).disabled = False

    def _record(self, arrived: bool) -> None:
        from launchready_tui.checks.monitoring import confirmation_answer

        channel = self.query_one("#alert-channel", Input).value.strip()
        answer = confirmation_answer(arrived, self._fingerprint, (self._sent or {}).get("sent_at"), channel,
                                     dt.datetime.now(dt.UTC))
        self.host.set_answer(CHECK_ID, answer)
        self._status(("recorded: it arrived" if arrived else "recorded: it did not arrive")
                     + f" ({answer['confirmed_at']})")
        for button in ("#alert-arrived", "#alert-missing"):
            self.query_one(button, Button).disabled = True
        self.query_one("#alert-send", Button).disabled = False
        self.host.run_checks([CHECK_ID])

    @on(Button.Pressed, "#alert-arrived")
    def _arrived(self) -> None:
        self._record(True)

    @on(Button.Pressed, "#alert-missing")
    def _missing(self) -> None:
        self._record(False)
