"""Stages 1 and 7 panel: "Did it land?" — paste the headers of an e-mail your app sent you, read what happened.

The explanation comes from ``checks.emailauth.headers.explain_authentication_results`` (pure: no DNS, no
sockets). The pasted text stays in the panel: it holds addresses and message ids, so it is never saved. What is
saved, on request, is the DKIM selector the message shows for the project's domain
(``answers["email.header_selectors"]``); the stage's email check is then re-run so the DKIM check fetches that key.
Every line shown goes through ``host.redact`` (presenter mode hides e-mail addresses), and is shown without
markup, so pasted text cannot style the screen. The paste box itself cannot be redacted, so in presenter mode
what is pasted is moved out of it at once and held in memory (the box says how many lines it holds); turning
presenter mode off puts it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static, TextArea

from launchready_tui.checks.emailauth.answers import ANSWER_SELECTORS
from launchready_tui.checks.emailauth.headers import Explanation, explain_authentication_results

if TYPE_CHECKING:
    from launchready_tui.screens.panels import PanelHost

# The checks that re-read DKIM selectors, in the stages this panel is registered for.
EMAIL_CHECKS = ("email.summary", "handover.email_recheck")
VERDICT_GLYPH = {"authenticated": "✔", "at-risk": "▲", "failing": "✖", "unknown": "?"}


class PasteBox(TextArea):
    """The paste box; while presenting, a paste goes straight to the panel's memory and never paints (the
    Changed event alone would let the addresses show for a frame)."""

    def __init__(self, panel: DidItLandPanel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._panel = panel

    async def _on_paste(self, event: events.Paste) -> None:
        if self._panel.host.presenter:
            event.stop()
            self._panel.hold(event.text)
            return
        await super()._on_paste(event)


class DidItLandPanel(Vertical):
    """Paste a received message's headers; see SPF, DKIM and DMARC in plain words."""

    PANEL_TITLE = "Did it land?"
    DEFAULT_CSS = """
    DidItLandPanel { height: auto; padding: 1; }
    DidItLandPanel TextArea { height: 10; }
    DidItLandPanel Horizontal { height: auto; margin: 1 0; }
    DidItLandPanel Button { margin-right: 2; }
    DidItLandPanel #headers-verdict { text-style: bold; }
    DidItLandPanel #headers-verdict.-authenticated { color: $success; }
    DidItLandPanel #headers-verdict.-at-risk { color: $warning; }
    DidItLandPanel #headers-verdict.-failing { color: $error; }
    """

    def __init__(self, host: PanelHost) -> None:
        super().__init__(classes="stage-panel")
        self.host = host
        self._explanation: Explanation | None = None
        self._selectors: list[str] = []
        self._held = ""  # pasted text kept off the screen while presenting

    def compose(self) -> ComposeResult:
        yield Static(
            "Send yourself an e-mail from your app (a sign-up or password reset), open its headers (Gmail: ⋮ → "
            "Show original; Outlook: View → View message source) and paste them here. Nothing you paste is saved.",
            markup=False, id="headers-help")
        yield PasteBox(self, text="", id="headers-input", soft_wrap=True, show_line_numbers=False)
        with Horizontal():
            yield Button("Explain", id="headers-explain", variant="primary")
            yield Button("Use the DKIM selector", id="headers-use-selector", disabled=True)
            yield Button("Clear", id="headers-clear")
        yield Static("", id="headers-verdict", markup=False)
        yield Static("", id="headers-lines", markup=False)
        yield Static("", id="headers-status", markup=False)

    # -- actions ----------------------------------------------------------------------------------------

    @on(Button.Pressed, "#headers-explain")
    def explain(self) -> None:
        text = self._held + self.query_one("#headers-input", TextArea).text
        self._explanation = explain_authentication_results(text)
        domain = self.host.project.domain
        self._selectors = self._explanation.selectors_for(domain) if domain else []
        self._show()
        button = self.query_one("#headers-use-selector", Button)
        button.disabled = not self._selectors
        button.label = (f"Use DKIM selector '{self._selectors[0]}'" if len(self._selectors) == 1 else
                        f"Use {len(self._selectors)} DKIM selectors" if self._selectors else "Use the DKIM selector")

    @on(Button.Pressed, "#headers-use-selector")
    def use_selector(self) -> None:
        if not self._selectors:
            return
        saved = self.host.project.answers.get(ANSWER_SELECTORS)
        current = [s for s in saved if isinstance(s, str)] if isinstance(saved, list) else []
        merged = list(dict.fromkeys([*current, *self._selectors]))
        self.host.set_answer(ANSWER_SELECTORS, merged)
        rerun = [spec.id for spec in self.host.stage.checks if spec.id in EMAIL_CHECKS]
        if rerun:
            self.host.run_checks(rerun)
        self._status(f"saved the DKIM selector(s) {', '.join(self._selectors)} for {self.host.project.domain}"
                     + ("; checking again…" if rerun else ""))
        self.query_one("#headers-use-selector", Button).disabled = True

    @on(Button.Pressed, "#headers-clear")
    def clear(self) -> None:
        self.query_one("#headers-input", TextArea).text = ""
        self._held = ""
        self._explanation = None
        self._selectors = []
        self.query_one("#headers-use-selector", Button).disabled = True
        self._show()
        self._status("")

    # -- rendering --------------------------------------------------------------------------------------

    def _status(self, text: str) -> None:
        self.query_one("#headers-status", Static).update(self.host.redact(text))

    def _show(self) -> None:
        verdict = self.query_one("#headers-verdict", Static)
        lines = self.query_one("#headers-lines", Static)
        for cls in ("-authenticated", "-at-risk", "-failing", "-unknown"):
            verdict.remove_class(cls)
        e = self._explanation
        if e is None:
            verdict.update("")
            lines.update("")
            return
        verdict.add_class(f"-{e.verdict}")
        verdict.update(self.host.redact(f"{VERDICT_GLYPH.get(e.verdict, '?')} {e.headline}"))
        body = [f"• {line}" for line in e.lines] + [f"  note: {n}" for n in e.notes]
        lines.update(self.host.redact("\n".join(body)))

    @on(TextArea.Changed, "#headers-input")
    def _pasted(self, event: TextArea.Changed) -> None:
        if self.host.presenter and event.text_area.text:
            self._hide_paste(event.text_area)

    def _hide_paste(self, area: TextArea) -> None:
        """Move the box's text into memory: raw headers carry every sender and recipient address."""
        text, area.text = area.text, ""
        self.hold(text)

    def hold(self, text: str) -> None:
        self._held += text
        lines = len(self._held.splitlines())
        self.query_one("#headers-input", TextArea).placeholder = (
            f"{lines} pasted line(s) held, hidden while presenting: press Explain (F2 shows them)")

    def presenter_changed(self, on: bool) -> None:
        area = self.query_one("#headers-input", TextArea)
        if on and area.text:
            self._hide_paste(area)
        elif not on and self._held:
            area.text, self._held = self._held + area.text, ""
            area.placeholder = ""
        self._show()

    def results_changed(self, results: Any) -> None:  # noqa: ARG002 - nothing to refresh from results
        return None
