"""The welcome screen: continue this project (or start a new audit), open a recent one, or try the demo.

Nothing network-bound happens here: the first paint is this screen, and checks start only on request.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from launchready_tui.core.session import RecentProject
from launchready_tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from launchready_tui.core.project import Project

TAGLINE = ("From prototype to safe to demo and sell: live launch checks, risks in business terms, fixes for your "
           "provider.")


class WelcomeScreen(WizardScreen):
    BINDINGS = [
        Binding("d", "demo", "Demo", id="welcome_demo", tooltip="Open the built-in lab with planted flaws"),
        Binding("q", "app.quit", "Quit", id="welcome_quit"),
    ]

    def __init__(self, project_path: Path, project: Project | None, recent: list[RecentProject],
                 reading: bool = False) -> None:
        super().__init__(name="welcome", id="welcome")
        self.project_path = project_path
        self.project = project
        self.reading = reading  # the project file exists and is being read (after the first paint)
        self.recent = [r for r in recent if Path(r.path) != project_path.resolve()]

    def set_project(self, project: Project) -> None:
        self.project = project
        self.reading = False
        self.refresh_presenter()

    def compose(self) -> ComposeResult:
        yield from self.chrome()
        with Vertical(id="welcome-box"):
            yield Static(Text("launchready", style="bold"), id="welcome-title")
            yield Static(TAGLINE, id="welcome-tagline")
            yield OptionList(*self._options(), id="welcome-options")
            yield Static("", id="welcome-hint")
        yield Footer(compact=True)

    def _options(self) -> list[Option]:
        r = self.redact
        opts: list[Option] = []
        if self.reading:
            opts.append(Option(Text(r(f"Reading {self.project_path} …"), style="dim"), id="reading"))
        elif self.project is not None:
            name = self.project.product or self.project.domain
            opts.append(Option(Text.assemble(Text("Continue  ", style="bold"),
                                              r(f"{name} ({self.project.domain})"), "\n",
                                              Text(r(f"   {self.project_path}"), style="dim")), id="continue"))
            opts.append(Option(Text.assemble(Text("Edit setup  ", style="bold"), "domain, URLs, endpoints, repo"),
                               id="setup"))
        else:
            opts.append(Option(Text.assemble(Text("New audit  ", style="bold"), "set up your product (2 minutes)",
                                             "\n", Text(r(f"   saved as {self.project_path}"), style="dim")),
                               id="new"))
        for i, recent in enumerate(self.recent):
            label = recent.product or recent.domain
            opts.append(Option(Text.assemble(Text("Open recent  ", style="bold"), r(f"{label} ({recent.domain})"),
                                             "\n", Text(r(f"   {recent.path}"), style="dim")), id=f"recent-{i}"))
        opts.append(Option(Text.assemble(Text("Try the demo  ", style="bold"),
                                         "the built-in lab on this machine, with planted flaws"), id="demo"))
        return opts

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(OptionList).focus()

    @property
    def composed(self) -> bool:
        """The widgets exist (``is_mounted`` turns true only after on_mount, which renders too)."""
        return bool(self.query("OptionList"))

    def refresh_presenter(self) -> None:
        if not self.composed:
            return
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = highlighted

    @on(OptionList.OptionSelected, "#welcome-options")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id or ""
        if choice == "continue" and self.project is not None:
            self.wizard.open_project(self.project_path, self.project)
        elif choice == "setup" and self.project is not None:
            self.wizard.open_setup(self.project_path, self.project, first_run=True)
        elif choice == "new":
            self.wizard.open_setup(self.project_path, None, first_run=True)
        elif choice.startswith("recent-"):
            self.wizard.open_path(Path(self.recent[int(choice.split("-")[1])].path))
        elif choice == "demo":
            self.action_demo()

    def action_demo(self) -> None:
        self.wizard.start_demo()
