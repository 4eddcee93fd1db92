"""Status cells: glyph and WORD always (never colour alone), coloured from the active theme.

Rich ``Text`` rather than markup strings: DataTable parses plain strings as markup, and check titles or
summaries may contain brackets.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from launchready_tui.core.model import Status

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
RUNNING_WORD = "RUNNING"
COMING_LABEL = "◌ COMING"
NOT_RUN_LABEL = "· NOT RUN"
LABEL_WIDTH = 10  # "⠋ RUNNING", "– SKIPPED", "◌ COMING"

# Theme variable per status; fail is also bold so it stands out in monochrome (NO_COLOR) too.
_THEME_KEY: dict[Status, tuple[str, str]] = {
    Status.PASS: ("success", ""),
    Status.WARN: ("warning", ""),
    Status.FAIL: ("error", "bold"),
    Status.ERROR: ("accent", "italic"),
    Status.SKIPPED: ("text-muted", ""),
    Status.MANUAL: ("primary", ""),
}


def _style(theme: Mapping[str, str], key: str, extra: str = "") -> str:
    colour = theme.get(key, "")
    return f"{extra} {colour}".strip()


def status_text(status: Status, theme: Mapping[str, str]) -> Text:
    key, extra = _THEME_KEY[status]
    return Text(status.label, style=_style(theme, key, extra), no_wrap=True)


def running_text(tick: int, theme: Mapping[str, str]) -> Text:
    return Text(f"{SPINNER[tick % len(SPINNER)]} {RUNNING_WORD}", style=_style(theme, "primary", "bold"),
                no_wrap=True)


def coming_text(theme: Mapping[str, str]) -> Text:
    return Text(COMING_LABEL, style=_style(theme, "text-muted", "italic"), no_wrap=True)


def not_run_text(theme: Mapping[str, str]) -> Text:
    return Text(NOT_RUN_LABEL, style=_style(theme, "text-muted"), no_wrap=True)


def duration_text(ms: int) -> str:
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms // 60_000} min {ms % 60_000 // 1000} s"


def counts_text(counts: Mapping[Status, int]) -> str:
    """Compact tally for the sidebar: ``✔3 ▲1 ✖2 ?1`` (glyph shapes differ, so colour is never needed)."""
    parts = [f"{s.glyph}{counts[s]}" for s in (Status.PASS, Status.WARN, Status.FAIL, Status.ERROR) if counts.get(s)]
    return " ".join(parts)
