"""The sidebar of all seven stages: number, title, pass/warn/fail/error counts, checklist progress.

Selecting a stage (Enter or a click) posts ``StageSidebar.Jump``; the app switches screens. The current
stage is marked with ``▶`` as well as the highlight, so it shows without colour too.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from launchready_tui.core.session import SessionState
from launchready_tui.core.stages import STAGES
from launchready_tui.widgets.status import counts_text


class StageSidebar(OptionList):
    DEFAULT_CSS = """
    StageSidebar { width: 26; height: 1fr; }
    """

    class Jump(Message):
        def __init__(self, stage: int) -> None:
            super().__init__()
            self.stage = stage

    def __init__(self, current: int, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.current = current
        self.running: set[int] = set()

    def show(self, session: SessionState | None, running: set[int] | None = None) -> None:
        self.running = running or set()
        highlighted = self.highlighted
        self.clear_options()
        self.add_options([self._option(stage.number, stage.title, session) for stage in STAGES])
        self.highlighted = highlighted if highlighted is not None else self.current - 1

    def _option(self, number: int, title: str, session: SessionState | None) -> Option:
        marker = "▶" if number == self.current else " "
        line = Text(f"{marker} {number} {title}", style="bold" if number == self.current else "", no_wrap=True,
                    overflow="ellipsis")
        detail = ""
        if session is not None:
            tally = counts_text(session.counts(number))
            done, total = session.manual_done(number)
            detail = " ".join(p for p in (tally, f"☑{done}/{total}" if total else "") if p)
        if number in self.running:
            detail = ("⟳ " + detail).strip()
        second = Text(f"    {detail}" if detail else "    not run", style="dim", no_wrap=True, overflow="ellipsis")
        text = Text.assemble(line, "\n", second, no_wrap=True, overflow="ellipsis")
        return Option(text, id=f"stage-{number}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Jump(int(event.option.id.split("-")[1])))
