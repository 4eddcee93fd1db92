"""The detail pane of the selected check: what we measured, why it matters, how to fix it.

* What we measured: the summary, the target, then every piece of evidence (every redirect hop, every record).
* Why it matters: the fix guide's ``why`` (business words), or the impact's words when no guide exists.
* How to fix it: the check's own fix text (it already knows the provider and the host); otherwise the guide's
  text for the provider detected by ``stack.providers``, falling back to "default".

Every string goes through the screen's ``redact`` (presenter mode hides secrets, e-mail addresses and home
paths).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from launchready_tui.checks.fixes import guide, providers_with_guides
from launchready_tui.core.catalogue import CheckSpec
from launchready_tui.core.model import CheckResult
from launchready_tui.core.session import SessionState, is_not_built
from launchready_tui.core.stages import StageSpec
from launchready_tui.widgets.evidence import evidence_lines, provider_for
from launchready_tui.widgets.status import duration_text, status_text


def _heading(text: str, theme: Mapping[str, str]) -> Text:
    return Text(text, style=f"bold {theme.get('primary', '')}".strip())


def _para(text: str, style: str = "") -> Text:
    return Text(text, style=style)


def _hanging(line: str) -> Text | Padding:
    """An evidence line whose wrapped part keeps its indent: a long URL or path under "findings:" used to
    continue at column 0, where it read as a new top-level key."""
    body = line.lstrip(" ")
    indent = len(line) - len(body)
    return Padding(Text(body), (0, 0, 0, indent)) if indent else Text(body)



_UNFILLED = re.compile(r"\{[a-z_]+\}")  # a placeholder the chosen variant needs but we do not have
_LIST_ITEM = re.compile(r"^(?:[-*•]|\d+[.)])\s")
WRAPPED_AT = 72  # fix texts are wrapped at 100-115 columns; a shorter line ended where its author meant it


def _is_prose(line: str) -> bool:
    """A line of running text (not indented code/records, not a list item, not blank)."""
    return bool(line.strip()) and not line[0].isspace() and not _LIST_ITEM.match(line)


def reflow(text: str) -> str:
    """Join the hard-wrapped lines of fix texts (YAML blocks wrapped at ~110 columns) so the pane wraps them at
    its own width: unjoined, a 50-column pane showed "point the / DNS / records of …" as a ragged column.

    Only a line that ran to the wrap margin (``WRAPPED_AT`` characters or more) is joined with the next one:
    short lines are deliberate (a list of names, a record, a step), and code or indented lines keep theirs."""
    out: list[str] = []
    prev = ""
    for line in text.splitlines():
        wrapped = len(prev) >= WRAPPED_AT and (_is_prose(prev) or bool(_LIST_ITEM.match(prev))) \
            and not prev.rstrip().endswith(":")
        if out and wrapped and _is_prose(line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
        prev = line
    return "\n".join(out)


class CheckDetail(VerticalScroll, can_focus=True):
    """Scrollable; focus it (Tab) to scroll long evidence with the arrow keys."""

    DEFAULT_CSS = """
    CheckDetail { height: 1fr; }
    CheckDetail > Static { width: 1fr; }
    """

    def __init__(self, stage: StageSpec, *, redact: Callable[[str], str], built: Callable[[str], bool],
                 id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.stage = stage
        self._redact = redact
        self._built = built
        self.body = Static("", id=f"{id or 'detail'}-body")
        self.provider_override: str | None = None  # chosen with g; None = detected provider

    def compose(self):  # type: ignore[no-untyped-def]
        yield self.body

    def show_stage_intro(self) -> None:
        theme = self.app.theme_variables
        r = self._redact
        parts = [
            _heading(f"Stage {self.stage.number}: {self.stage.title}", theme),
            _para(r(f"Goal: {self.stage.goal}")),
            _para(r(f"Watch for: {self.stage.failure_signal}")),
            _para(r(f"Deliverable: {self.stage.deliverable}")),
            Text(""),
            _para("Select a check to see what was measured and how to fix it.", "italic"),
        ]
        self.body.update(Group(*parts))

    def show_check(self, spec: CheckSpec, session: SessionState) -> None:
        theme = self.app.theme_variables
        r = self._redact
        result = session.results.get(spec.id)
        head = Text.assemble(_heading(r(spec.title), theme), Text(f"  {spec.id}", style="dim"))
        parts: list[Text | Padding] = [head]
        if spec.id in session.running:
            elapsed = int((time.monotonic() - session.running[spec.id]) * 1000)
            line = session.progress.get(spec.id) or "started"
            parts.append(_para(r(f"Running for {duration_text(elapsed)}: {line}"), "italic"))
            parts.append(_para("Esc cancels the run; finished results are kept.", "dim"))
        elif (result is not None and is_not_built(result)) or (result is None and not self._built(spec.id)):
            parts.append(_para("Coming in a later release: this check is not built yet, so it has no result. "
                               "The stage's checklist covers it meanwhile.", "italic"))
        elif result is None:
            parts.append(_para("Not run yet. Press r to run the stage's checks, or c for this one.", "italic"))
        if result is not None and not is_not_built(result) and spec.id not in session.running:
            parts += self._result_parts(result, session.results, theme)
        else:
            parts += self._why_parts(spec.id, spec, theme)
        self.body.update(Group(*parts))
        self.scroll_home(animate=False)

    def _result_parts(self, result: CheckResult, results: Mapping[str, CheckResult],
                      theme: Mapping[str, str]) -> list[Text | Padding]:
        r = self._redact
        line = Text.assemble(status_text(result.status, theme), "  ", Text(r(result.summary)))
        parts = [line]
        meta = [f"took {duration_text(result.duration_ms)}", f"impact: {result.impact.words}"]
        if result.target:
            meta.insert(0, f"target: {result.target}")
        if result.blocker:
            meta.append("BLOCKER: fix before a demo or launch")
        parts.append(_para(r(" · ".join(meta)), "dim"))
        parts += [Text(""), _heading("What we measured", theme)]
        parts += [_hanging(r(line)) for line in evidence_lines(result.evidence)]
        parts += self._why_parts(result.id, None, theme, result)
        return parts

    def _why_parts(self, check_id: str, spec: CheckSpec | None, theme: Mapping[str, str],
                   result: CheckResult | None = None) -> list[Text]:
        r = self._redact
        g = guide(check_id)
        impact = result.impact if result is not None else (spec.impact if spec is not None else None)
        why = g.why if g and g.why else (f"If this goes wrong, {impact.words}." if impact else "")
        parts: list[Text] = []
        if why:
            parts += [Text(""), _heading("Why it matters", theme), _para(r(why))]
        if result is not None and result.status.value in ("pass", "skipped"):
            return parts
        session = getattr(self.app, "session", None)
        results: Mapping[str, CheckResult] = session.results if session is not None else {}
        domain = session.project.domain if session is not None else ""
        available = providers_with_guides(check_id)
        provider = self.provider_override if self.provider_override in available else provider_for(
            check_id, results, available)
        target = (result.target if result is not None else "") or domain
        fix: str | None
        if result is not None and result.fix and self.provider_override not in available:
            # The check already wrote its fix for the detected provider, with every value filled in.
            fix, label = result.fix, "How to fix it" if provider == "default" else f"How to fix it on {provider}"
        elif g is not None and provider != "default":
            # The founder picked another platform (g): render that variant with what we know.
            values = {k: v for k, v in (result.evidence if result is not None else {}).items()
                      if isinstance(v, str | int | float)}
            text = g.text(provider, **{**values, "domain": domain, "host": target, "target": target})
            fix, label = _UNFILLED.sub("(see what we measured above)", text), f"How to fix it on {provider}"
        else:
            fix = result.fix if result is not None and result.fix else (
                g.text(None, domain=domain, host=target, target=target) if g else None)
            label = "How to fix it"
        if fix:
            parts += [Text(""), _heading(label, theme), _para(r(reflow(fix)))]
            others = [p for p in available if p not in ("default", provider)]
            if others:
                parts.append(_para(f"Press g for the steps on another platform: {', '.join(others)}.", "dim"))
        return parts

