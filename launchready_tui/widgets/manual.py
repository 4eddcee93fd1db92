"""The stage's manual checklist: things only a person can confirm, each with a done toggle and a note.

Answers are saved at once (a toggle) or shortly after typing stops (a note) through
``SessionState.set_manual``, which writes the project file atomically. A note that looks like a secret is not
saved and the reason is shown under it; the other answers keep saving.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Static

from launchready_tui.core.session import SessionState
from launchready_tui.core.stages import StageSpec
from launchready_tui.widgets.toggle import GlyphCheckbox

NOTE_SAVE_DELAY_S = 0.4


def _key(item_id: str) -> str:
    return item_id.replace(".", "--")


class ManualItemRow(Vertical):
    DEFAULT_CSS = """
    ManualItemRow { height: auto; margin-bottom: 1; }
    ManualItemRow > Horizontal { height: auto; }
    ManualItemRow GlyphCheckbox { width: auto; border: none; padding: 0; }
    ManualItemRow .manual-text { width: 1fr; height: auto; padding-left: 1; }
    ManualItemRow Input { margin-left: 9; width: 1fr; }
    ManualItemRow .manual-error { margin-left: 9; color: $error; height: auto; display: none; }
    ManualItemRow .manual-error.-shown { display: block; }
    """

    def __init__(self, item_id: str, text: str, done: bool, note: str, redact: Callable[[str], str]) -> None:
        super().__init__(id=f"manual-{_key(item_id)}")
        self.item_id = item_id
        self.text = text
        self._done = done
        self._note = note
        self._redact = redact

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield GlyphCheckbox("Done", self._done, id=f"done-{_key(self.item_id)}", compact=True)
            yield Static(Content(self._redact(self.text)), classes="manual-text")
        yield Input(self._note, placeholder="note: who, where, when…", id=f"note-{_key(self.item_id)}",
                    compact=True)
        yield Static("", classes="manual-error")


class ManualChecklist(VerticalScroll):
    DEFAULT_CSS = """
    ManualChecklist { height: 1fr; }
    ManualChecklist > .manual-intro { margin-bottom: 1; color: $text-muted; }
    """

    def __init__(self, stage: StageSpec, session: SessionState, redact: Callable[[str], str],
                 on_change: Callable[[], None], id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.stage = stage
        self.session = session
        self._redact = redact
        self._on_change = on_change
        self._pending: dict[str, tuple[Timer, str]] = {}  # item id -> (save timer, note text)

    def compose(self) -> ComposeResult:
        if not self.stage.manual_items:
            yield Static("Nothing to confirm by hand in this stage.", classes="manual-intro")
            return
        yield Static("Only you can confirm these. Tick what is true; add a note for the handover "
                     "(saved in the project file as you type; never put a secret here).", classes="manual-intro")
        for item in self.stage.manual_items:
            answer = self.session.manual(item.id)
            yield ManualItemRow(item.id, item.text, answer.done, answer.note, self._redact)

    def _row(self, widget: Checkbox | Input) -> ManualItemRow | None:
        for ancestor in widget.ancestors:
            if isinstance(ancestor, ManualItemRow):
                return ancestor
        return None

    def _report(self, row: ManualItemRow, error: str | None) -> None:
        message = row.query_one(".manual-error", Static)
        message.update(Content(self._redact(error or "")))
        message.set_class(bool(error), "-shown")
        self._on_change()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        row = self._row(event.checkbox)
        if row is None:
            return
        event.stop()
        self._report(row, self.session.set_manual(row.item_id, done=event.value))

    def on_input_changed(self, event: Input.Changed) -> None:
        row = self._row(event.input)
        if row is None:
            return
        event.stop()
        event.input.password = self._redact(event.value) != event.value  # presenter: mask what it would hide
        old = self._pending.pop(row.item_id, None)
        if old is not None:
            old[0].stop()
        value = event.value
        timer = self.set_timer(NOTE_SAVE_DELAY_S, lambda: self._save_note(row.item_id, value))
        self._pending[row.item_id] = (timer, value)

    def _save_note(self, item_id: str, value: str) -> None:
        self._pending.pop(item_id, None)
        error = self.session.set_manual(item_id, note=value)
        rows = [r for r in self.query(ManualItemRow) if r.item_id == item_id]
        if rows:
            self._report(rows[0], error)

    def flush(self) -> None:
        """Save notes still waiting for their timer (leaving the screen, quitting)."""
        for item_id, (timer, value) in list(self._pending.items()):
            timer.stop()
            self._save_note(item_id, value)

    def on_unmount(self) -> None:
        for item_id, (_timer, value) in list(self._pending.items()):
            self._pending.pop(item_id, None)
            self.session.set_manual(item_id, note=value)  # the widgets may be gone; the answer must not be

    def refresh_presenter(self) -> None:
        for row in self.query(ManualItemRow):
            row.query_one(".manual-text", Static).update(Content(self._redact(row.text)))
            note = row.query_one(Input)
            note.password = self._redact(note.value) != note.value
