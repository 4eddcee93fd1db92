"""What every wizard screen shares: the header, the presenter banner, and redaction of everything shown.

Screens reach the app's services (session, runs, export) through ``self.wizard``; the app module is imported
for typing only, so screens stay importable on their own and the app imports them, not the reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from launchready_tui.widgets.banner import PresenterBanner

if TYPE_CHECKING:
    from launchready_tui.app import LaunchReadyApp


class WizardScreen(Screen[None]):
    """Base class: compose ``chrome()`` first; override ``refresh_presenter`` to re-render text."""

    @property
    def wizard(self) -> LaunchReadyApp:
        return cast("LaunchReadyApp", self.app)

    def redact(self, text: str) -> str:
        return self.wizard.redact(text)

    def chrome(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield PresenterBanner()

    def on_mount(self) -> None:
        self.watch(self.app, "presenter", self._presenter_changed, init=True)

    def _presenter_changed(self, on: bool) -> None:
        for banner in self.query(PresenterBanner):
            banner.set_on(on)
        self.sub_title = self.redact(self.subtitle_text())
        self.refresh_presenter()

    def subtitle_text(self) -> str:
        session = self.wizard.session
        if session is None:
            return ""
        p = session.project
        name = f"{p.product} · {p.domain}" if p.product else p.domain
        return f"{name} · demo on the built-in lab" if session.demo else f"{name} · {session.project_path}"

    def refresh_presenter(self) -> None:
        """Re-render anything that shows user data; called when presenter mode changes."""
