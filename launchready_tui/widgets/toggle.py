"""A checkbox whose state shows as a glyph (✔ or blank), not only as a colour: readable under NO_COLOR."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class GlyphCheckbox(Checkbox):
    @property
    def _button(self) -> Content:
        # Textual draws the same "X" for on and off and tells them apart by colour alone.
        self.BUTTON_INNER = "✔" if self.value else " "
        return super()._button
