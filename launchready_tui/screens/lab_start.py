"""A short waiting screen while the built-in lab starts (certificates, DNS zones, demo repositories)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, LoadingIndicator, Static

from launchready_tui.screens.base import WizardScreen


class LabStartScreen(WizardScreen):
    def __init__(self, domain: str) -> None:
        super().__init__(name="lab-start", id="lab-start")
        self.domain = domain

    def compose(self) -> ComposeResult:
        yield from self.chrome()
        with Vertical(id="lab-box"):
            yield Static(f"Starting the built-in lab for {self.domain} on 127.0.0.1 …", id="lab-text", markup=False)
            yield Static("A DNS server, HTTPS sites with a throw-away certificate authority and demo "
                         "repositories, all on this machine. Nothing leaves it.", id="lab-detail")
            yield LoadingIndicator()
        yield Footer(compact=True)

    def failed(self, message: str) -> None:
        # The reason may name a folder under the home directory (a temp dir, a permission error): redacted.
        self.query_one("#lab-text", Static).update(self.redact(f"The lab could not start: {message}"))
        self.query_one(LoadingIndicator).display = False
