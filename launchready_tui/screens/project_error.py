"""Shown when the project file does not load: the reason (with its line), and a promise that it was left alone.

The wizard never writes over a file it could not read (core/project.save_project refuses too), so a hand edit
with a typo is never lost. The app exits with code 2 from here, as the CLI does for project-file errors.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from launchready_tui.core.project import backup_path
from launchready_tui.screens.base import WizardScreen

EXIT_PROJECT_ERROR = 2


class ProjectErrorScreen(WizardScreen):
    BINDINGS = [Binding("q", "quit_with_error", "Quit", id="error_quit")]

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(name="project-error", id="project-error")
        self.path = path
        self.message = message

    def compose(self) -> ComposeResult:
        yield from self.chrome()
        with Vertical(id="error-box"):
            yield Static(Text("The project file could not be read", style="bold"), id="error-title")
            yield Static("", id="error-message")
            yield Static("", id="error-advice")
            yield OptionList(Option("Quit and fix the file", id="quit"),
                             Option("Try the demo instead (the built-in lab)", id="demo"), id="error-options")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(OptionList).focus()

    def refresh_presenter(self) -> None:
        bak = backup_path(self.path)
        advice = (f"Nothing was changed: launchready never writes over a file it cannot read. Open {self.path} in "
                  "an editor and fix the line named above")
        advice += f", or restore the previous version from {bak.name}." if bak.exists() else "."
        self.query_one("#error-message", Static).update(Text(self.redact(self.message)))
        self.query_one("#error-advice", Static).update(Text(self.redact(advice), style="dim"))

    @on(OptionList.OptionSelected, "#error-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "demo":
            self.wizard.start_demo()
        else:
            self.action_quit_with_error()

    def action_quit_with_error(self) -> None:
        self.app.exit(EXIT_PROJECT_ERROR)
