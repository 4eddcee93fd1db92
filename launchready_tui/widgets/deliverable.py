"""The stage deliverable: what the founder takes away from the stage, built from the session's results.

Stage 1 is the ranked risk list (core/risk); stage 2 the DNS map when ``report/dns_map`` is built (collected by
the app in a worker and stored in ``session.deliverables``); stage 6 the capacity note from ``load.capacity``;
every stage ends with a table of its findings. Text is Markdown, so the same words go into the export.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from launchready_tui.core.model import Status
from launchready_tui.core.risk import rank_risks
from launchready_tui.core.session import SessionState, is_not_built
from launchready_tui.core.stages import StageSpec
from launchready_tui.report.handover_text import fix_headline

MAX_SUMMARY = 160
DETAIL_HINT = " — full steps in the check's detail pane"


def _cell(text: str) -> str:
    text = " ".join(str(text).split())
    if len(text) > MAX_SUMMARY:
        text = text[: MAX_SUMMARY - 1] + "…"
    return text.replace("|", "\\|")


def _line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 2 * MAX_SUMMARY else text[: 2 * MAX_SUMMARY - 1] + "…"


def risk_list_markdown(session: SessionState) -> str:
    risks = rank_risks(r for r in session.all_results() if not is_not_built(r))
    if not risks:
        if not session.results:
            return "_No results yet: run the stage (press **r**) to build the risk list._"
        return "_No risks found in the checks run so far._"
    lines = []
    for risk in risks:
        blocker = " · **BLOCKER**" if risk.blocker else ""
        lines.append(f"{risk.rank}. **{risk.status.label}**{blocker} · {risk.impact.value} · "
                     f"`{risk.check_id}`: {_line(risk.summary)}")
        if risk.fix:
            lines.append(f"    - *Fix:* {fix_headline(risk.fix, more=DETAIL_HINT)}")
    return "\n".join(lines)


def stage_table_markdown(stage: StageSpec, session: SessionState) -> str:
    rows = [r for r in session.stage_results(stage.number) if not is_not_built(r)]
    if not rows:
        return "_No checks of this stage have run yet._"
    lines = ["| status | check | finding |", "|---|---|---|"]
    lines += [f"| {r.status.label} | {_cell(r.title)} | {_cell(r.summary)} |" for r in rows]
    return "\n".join(lines)


def capacity_markdown(session: SessionState) -> str | None:
    result = session.results.get("load.capacity")
    if result is None or result.status is Status.SKIPPED:
        return None
    note = result.evidence.get("note") if result.evidence else None
    return str(note) if note else result.summary


def deliverable_markdown(stage: StageSpec, session: SessionState, dns_map_available: bool) -> str:
    # The goal and what to watch for first: a short terminal cuts them to one line each in the stage heading.
    parts = [f"**Goal:** {stage.goal}", "", f"**Watch for:** {stage.failure_signal}", "",
             f"**{stage.deliverable}**", ""]
    if stage.number == 1:
        parts += ["### Risks, most costly first", "", risk_list_markdown(session)]
    elif stage.number == 2:
        dns_map = session.deliverables.get(2)
        parts.append("### DNS map")
        parts.append("")
        if dns_map:
            parts.append(dns_map)
        elif dns_map_available:
            parts.append("_Built after the stage runs (press **r**), or press **m** to build it now._")
        else:
            parts.append("_The DNS map is coming in a later release._")
    elif stage.number == 6:
        note = capacity_markdown(session)
        parts += ["### Capacity note", "", note or "_Written when the load checks have run._"]
    elif session.deliverables.get(stage.number):
        parts.append(session.deliverables[stage.number])
    parts += ["", "### Findings of this stage", "", stage_table_markdown(stage, session)]
    return "\n".join(parts)


class StageDeliverable(VerticalScroll):
    DEFAULT_CSS = """
    StageDeliverable { height: 1fr; }
    StageDeliverable > Static { padding: 0 1; }
    """

    def __init__(self, stage: StageSpec, session: SessionState, redact: Callable[[str], str],
                 dns_map_available: bool, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.stage = stage
        self.session = session
        self._redact = redact
        self.dns_map_available = dns_map_available
        self._last = ""

    def compose(self) -> ComposeResult:
        # One Static with Rich's Markdown renderable: Textual's Markdown widget builds a widget per block,
        # and every focus change restyles them all (measured: ~0.2 s per key press on a full risk list).
        yield Static("", id=f"deliverable-md-{self.stage.number}")

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        text = self._redact(deliverable_markdown(self.stage, self.session, self.dns_map_available))
        if text != self._last:  # Markdown re-parsing is the expensive part; skip when nothing changed
            self._last = text
            from rich.markdown import Markdown  # markdown-it costs ~25 ms: paid when a deliverable shows

            self.query_one(Static).update(Markdown(text, hyperlinks=False))

    @property
    def markdown_text(self) -> str:
        return self._last
