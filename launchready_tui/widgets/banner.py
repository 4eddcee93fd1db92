"""The presenter-mode banner: a visible line on every screen while redaction for screen-sharing is on."""

from __future__ import annotations

from textual.widgets import Static

BANNER_TEXT = ("PRESENTER MODE: secrets, tokens, webhook URLs, e-mail addresses and home folders are hidden "
               "· F2 turns it off")


class PresenterBanner(Static):
    DEFAULT_CSS = """
    PresenterBanner {
        height: 1;
        width: 1fr;
        background: $warning;
        color: $background;
        text-style: bold;
        padding: 0 1;
        display: none;
    }
    PresenterBanner.-on { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(BANNER_TEXT, markup=False)

    def set_on(self, on: bool) -> None:
        self.set_class(on, "-on")
