"""The live list of a stage's checks: spinner while running, then glyph + WORD, and the duration.

Rows are keyed by check id and rendered from ``SessionState`` only (never from the event that caused the
refresh), so a screen that was switched away and back shows the same truth. Checks that are not built yet are
listed as ``◌ COMING``: a stage never shows a fake result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual.widgets import DataTable

from launchready_tui.core.catalogue import CheckSpec
from launchready_tui.core.session import SessionState, is_not_built
from launchready_tui.widgets.status import (
    LABEL_WIDTH,
    coming_text,
    duration_text,
    not_run_text,
    running_text,
    status_text,
)

TIME_WIDTH = 9
MIN_TITLE_WIDTH = 18
# Any cell update makes DataTable re-render every visible cell (its caches are keyed by an update counter),
# so the spinner turns at 4 frames a second and the running time counts whole seconds: ~5 % of a core on
# a busy stage instead of ~40 % at 8 fps with tenths.
SPIN_INTERVAL_S = 0.25


class CheckList(DataTable[Text | str]):
    """Three columns: status, check, time. Rows keyed by check id."""

    DEFAULT_CSS = """
    CheckList { height: auto; max-height: 55%; }
    """

    def __init__(self, specs: Sequence[CheckSpec], *, redact: Callable[[str], str],
                 built: Callable[[str], bool], id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.specs = list(specs)
        self._redact = redact
        self._built = built
        self._tick = 0
        self._session: SessionState | None = None
        self._shown: dict[tuple[str, str], str] = {}  # (row, column) -> what the cell shows now

    # -- building ----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.add_column("Status", width=LABEL_WIDTH, key="status")
        self.add_column("Check", width=self._title_width(), key="check")
        self.add_column("Time", width=TIME_WIDTH, key="time")
        for spec in self.specs:
            self.add_row(Text(""), Text(""), "", key=spec.id)
        self.set_interval(SPIN_INTERVAL_S, self._spin)

    def _title_width(self) -> int:
        # Keep status and time visible at 80 columns: the title column takes what is left.
        width = self.size.width or (self.parent.size.width if self.parent else 60)
        return max(MIN_TITLE_WIDTH, width - LABEL_WIDTH - TIME_WIDTH - 8)

    def on_resize(self) -> None:
        column = self.columns.get("check")  # type: ignore[call-overload]
        if column is not None:
            column.width = self._title_width()
            self.refresh(layout=True)
            self._clear_caches()
            self._shown.clear()
            if self._session is not None:
                self.show(self._session)

    # -- rendering ---------------------------------------------------------------------------------

    def _theme(self) -> Mapping[str, str]:
        return self.app.theme_variables

    def _cells(self, spec: CheckSpec, session: SessionState) -> tuple[Text, Text, str]:
        theme = self._theme()
        title = Text(self._redact(spec.title), no_wrap=True, overflow="ellipsis")
        if spec.id in session.running:
            elapsed = int(time.monotonic() - session.running[spec.id])
            return running_text(self._tick, theme), title, f"{elapsed} s"
        result = session.results.get(spec.id)
        if result is not None and is_not_built(result) or (result is None and not self._built(spec.id)):
            return coming_text(theme), title, ""
        if result is None:
            return not_run_text(theme), title, ""
        return status_text(result.status, theme), title, duration_text(result.duration_ms)

    def show(self, session: SessionState, only: str | None = None) -> None:
        """Re-render every row (or just ``only``) from the session."""
        self._session = session
        for spec in self.specs:
            if only is not None and spec.id != only:
                continue
            if spec.id not in self.rows:
                continue
            for column, value in zip(("status", "check", "time"), self._cells(spec, session), strict=True):
                key = (spec.id, column)
                plain = value.markup if isinstance(value, Text) else value  # style included: themes change it
                if self._shown.get(key) != plain:
                    self._shown[key] = plain
                    self.update_cell(spec.id, column, value)

    def _spin(self) -> None:
        session = self._session
        if session is None or not any(spec.id in session.running for spec in self.specs):
            return
        self._tick += 1
        for spec in self.specs:
            if spec.id in session.running:
                self.show(session, only=spec.id)

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row = self.cursor_row
        if 0 <= row < len(self.specs):
            return self.ordered_rows[row].key.value
        return None

    def select(self, check_id: str) -> None:
        if check_id in self.rows:
            self.move_cursor(row=self.get_row_index(check_id))
