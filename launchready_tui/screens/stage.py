"""``StageScreen``: one class for all seven stages, driven by ``core/stages.py`` (no screen per stage).

Layout: the stage sidebar on the left; on the right the stage heading, goal and failure signal, then tabs:
Checks (live list + detail pane), Checklist (manual items), Deliverable, and any stage panels registered in
``screens/panels``. Everything is rendered from ``SessionState``; the app's check runs publish events on
``app.check_events`` and the screen re-renders the rows they touch.

The screen implements the ``PanelHost`` protocol of ``screens/panels`` for stage-specific widgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, ScrollableContainer, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Static, TabbedContent, TabPane, Tabs, TextArea

from launchready_tui.core.model import CheckResult
from launchready_tui.core.project import Project
from launchready_tui.core.session import SessionState
from launchready_tui.core.stages import STAGES, StageSpec
from launchready_tui.core.stages import get as get_stage
from launchready_tui.screens.base import WizardScreen
from launchready_tui.screens.panels import load_panels
from launchready_tui.widgets.check_list import CheckList
from launchready_tui.widgets.deliverable import StageDeliverable
from launchready_tui.widgets.detail import CheckDetail
from launchready_tui.widgets.manual import ManualChecklist
from launchready_tui.widgets.sidebar import StageSidebar
from launchready_tui.widgets.status import duration_text

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext
    from launchready_tui.checks.runner import CheckEvent


class StageScreen(WizardScreen):
    # Only this screen's CSS uses them (list and detail side by side, one-line goal): on the app they would
    # restyle every screen on each resize, the welcome screen's first paint included.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]
    BINDINGS = [
        Binding("r", "run_stage", "Run", id="run_stage", tooltip="Run this stage's checks"),
        Binding("c", "rerun_check", "Re-run", id="rerun_check", tooltip="Run the selected check again"),
        Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Stop running checks; finished ones are kept"),
        Binding("t", "next_tab", "Tab", id="next_tab", tooltip="Checks, checklist, deliverable, panels"),
        Binding("n", "next_stage", "Next", id="next_stage"),
        Binding("p", "prev_stage", "Prev", show=False, id="prev_stage"),
        Binding("e", "export", "Export", id="export", tooltip="Write the report as Markdown and JSON"),
        Binding("s", "setup", "Setup", id="setup", tooltip="Edit the product's domain, URLs and endpoints"),
        Binding("a", "run_all", "Run all", show=False, id="run_all"),
        Binding("f", "rerun_failed", "Re-run failed", show=False, id="rerun_failed"),
        Binding("g", "cycle_guide", "Other platform's fix", show=False, id="cycle_guide"),
        Binding("m", "build_dns_map", "Build DNS map", show=False, id="build_dns_map"),
        *[Binding(str(n), f"goto({n})", f"Stage {n}", show=False, id=f"goto_{n}") for n in range(1, 8)],
    ]

    def __init__(self, stage: int) -> None:
        super().__init__(name=f"stage-{stage}", id=f"stage-{stage}")
        self._stage = get_stage(stage)
        self._panels: list[Widget] = []
        self._panel_problems: list[str] = []

    # -- PanelHost -----------------------------------------------------------------------------------

    @property
    def stage(self) -> StageSpec:
        return self._stage

    @property
    def session(self) -> SessionState:
        session = self.wizard.session
        assert session is not None, "stage screens exist only once a project is open"
        return session

    @property
    def project(self) -> Project:
        return self.session.project

    @property
    def project_path(self) -> Path:
        return self.session.project_path

    @property
    def presenter(self) -> bool:
        return self.wizard.presenter

    @property
    def results(self) -> Mapping[str, CheckResult]:
        return self.session.results

    def set_answer(self, key: str, value: Any) -> None:
        error = self.session.set_answer(key, value)
        if error:
            self.notify(self.redact(error), severity="error", timeout=8)

    def run_checks(self, check_ids: Sequence[str]) -> None:
        self.wizard.run_stage(self._stage.number, list(check_ids))

    async def check_context(self) -> CheckContext:
        return await self.wizard.check_context()

    # -- layout --------------------------------------------------------------------------------------

    @property
    def specs(self) -> list[Any]:
        return list(self._stage.checks)

    def compose(self) -> ComposeResult:
        yield from self.chrome()
        with Horizontal(id="stage-body"):
            yield StageSidebar(self._stage.number, id="sidebar")
            with Vertical(id="stage-main"):
                yield Static("", id="stage-heading")
                yield Static("", id="stage-goal")
                with TabbedContent(id="stage-tabs"):
                    with TabPane("Checks", id="tab-checks"):
                        yield Static("", id="coming-note", markup=False)
                        with Container(id="checks-split"):
                            yield CheckList(self.specs, redact=self.redact, built=self.wizard.is_built,
                                            id="checks")
                            yield CheckDetail(self._stage, redact=self.redact, built=self.wizard.is_built,
                                              id="detail")
                    with TabPane("Checklist", id="tab-checklist"):
                        yield Static("", id="checklist-coming", markup=False)
                        yield ManualChecklist(self._stage, self.session, self.redact, self._checklist_changed,
                                              id="checklist")
                    with TabPane("Deliverable", id="tab-deliverable"):
                        yield StageDeliverable(self._stage, self.session, self.redact,
                                               self.wizard.dns_map_available(), id="deliverable")
                    classes, self._panel_problems = load_panels(self._stage.number)
                    for i, cls in enumerate(classes):
                        title = str(getattr(cls, "PANEL_TITLE", "") or cls.__name__)
                        with TabPane(title, id=f"tab-panel-{i}"):
                            try:
                                panel = cls(self)
                            except Exception as exc:  # a broken panel must not take the stage down
                                self._panel_problems.append(f"panel {cls.__name__} failed to start: {exc}")
                                yield Static(self.redact(f"This panel could not start: {exc}"), markup=False)
                                continue
                            self._panels.append(panel)
                            yield panel
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.wizard.check_events.subscribe(self, self._on_check_event)
        self.wizard.state_changed.subscribe(self, self._on_state_changed)
        for problem in self._panel_problems:
            self.notify(problem, severity="warning", timeout=8)
        if not any(self.wizard.is_built(s.id) for s in self.specs) and self._stage.manual_items:
            self.query_one(TabbedContent).active = "tab-checklist"
        self.render_all()
        self.query_one(CheckList).focus()

    def on_screen_resume(self) -> None:
        if self.wizard.session is not None:
            self.session.current_stage = self._stage.number
            self.render_all()

    def on_screen_suspend(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Save checklist notes still waiting for their typing pause."""
        self.query_one(ManualChecklist).flush()

    # -- rendering -----------------------------------------------------------------------------------

    def render_all(self) -> None:
        if not self.composed:
            return
        self._render_heading()
        self._render_sidebar()
        self.query_one(CheckList).show(self.session)
        self._render_detail()
        self._render_coming()
        self.query_one(StageDeliverable).show()
        self._checklist_changed()
        self.refresh_bindings()

    def _render_heading(self) -> None:
        s = self._stage
        run = self.session.runs.get(s.number)
        state = ""
        if s.number in self.wizard.running_stages():
            running = [c for c in self.specs if c.id in self.session.running]
            done = run.done if run is not None else 0
            total = len(run.check_ids) if run is not None else 0
            state = f"running: {done} of {total} done, {len(running)} in progress" if running or done \
                else "starting the checks…"
        elif run is not None and run.finished_at is not None:
            when = run.finished_at.astimezone().strftime("%H:%M")
            state = f"{'cancelled' if run.cancelled else 'last run'} {when}, {duration_text(int(run.elapsed_s * 1000))}"
        heading = Text.assemble(Text(f"Stage {s.number} of {len(STAGES)} · ", style="dim"),
                                Text(s.title, style="bold"), Text(f"   {state}" if state else "", style="dim"))
        self.query_one("#stage-heading", Static).update(heading)
        goal = Text.assemble(Text("Goal ", style="bold"), self.redact(s.goal), "\n",
                             Text("Watch for ", style="bold"), self.redact(s.failure_signal))
        self.query_one("#stage-goal", Static).update(goal)

    def _render_sidebar(self) -> None:
        self.query_one(StageSidebar).show(self.session, self.wizard.running_stages())

    def _render_detail(self) -> None:
        check_list = self.query_one(CheckList)
        detail = self.query_one(CheckDetail)
        selected = check_list.selected_id
        spec = next((c for c in self.specs if c.id == selected), None)
        if spec is None:
            detail.show_stage_intro()
        else:
            detail.show_check(spec, self.session)

    def _coming(self) -> list[str]:
        return [c.title for c in self.specs if not self.wizard.is_built(c.id)]

    def _render_coming(self) -> None:
        coming = self._coming()
        note = self.query_one("#coming-note", Static)
        other = self.query_one("#checklist-coming", Static)
        if len(coming) == len(self.specs):
            text = (f"The automated checks of this stage are coming in a later release: {', '.join(coming)}. "
                    "Meanwhile, work through the checklist.")
        else:  # the rows already say COMING; a note would only take room from the detail pane
            text = ""
        note.update(self.redact(text))
        note.display = bool(text)
        other.update(self.redact(text) if len(coming) == len(self.specs) else "")
        other.display = len(coming) == len(self.specs)

    def _checklist_changed(self) -> None:
        done, total = self.session.manual_done(self._stage.number)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-checklist").label = f"Checklist {done}/{total}" if total else "Checklist"
        self._render_sidebar()

    @property
    def composed(self) -> bool:
        """The widgets exist (``is_mounted`` turns true only after on_mount, which renders too)."""
        return bool(self.query("CheckList"))

    def refresh_presenter(self) -> None:
        if self.wizard.session is None or not self.composed:
            return
        self.query_one(ManualChecklist).refresh_presenter()
        self.render_all()
        for panel in self._panels:
            hook = getattr(panel, "presenter_changed", None)
            if callable(hook):
                hook(self.wizard.presenter)

    # -- events from the app -------------------------------------------------------------------------

    def _on_check_event(self, event: CheckEvent | None) -> None:
        if not self.composed or self.wizard.session is None:
            return
        ids = {c.id for c in self.specs}
        if event is None:  # a run started or ended: everything, including which keys apply (Esc, r)
            self.render_all()
            return
        if event.check_id not in ids:
            if event.kind == "finished":
                self._render_sidebar()  # another stage's counts changed
            return
        check_list = self.query_one(CheckList)
        check_list.show(self.session, only=event.check_id)
        if check_list.selected_id == event.check_id:
            self._render_detail()
        if event.kind != "progress":
            self._render_heading()
            self._render_sidebar()
        if event.kind == "finished":
            self.query_one(StageDeliverable).show()
            for panel in self._panels:
                hook = getattr(panel, "results_changed", None)
                if callable(hook):
                    hook(self.session.results)
        for panel in self._panels:
            hook = getattr(panel, "check_event", None)
            if callable(hook):
                hook(event)

    def _on_state_changed(self, _reason: str) -> None:
        self.render_all()

    @on(DataTable.RowHighlighted, "#checks")
    def _row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.query_one(CheckDetail).provider_override = None
        self._render_detail()

    @on(StageSidebar.Jump)
    def _jump(self, event: StageSidebar.Jump) -> None:
        self.wizard.goto_stage(event.stage)

    # -- actions -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.wizard.session is None:
            return False
        n = self._stage.number
        if action == "next_stage":
            return n < len(STAGES) or None
        if action == "prev_stage":
            return n > 1 or None
        if action == "cancel":
            return bool(self.wizard.running_stages()) or None
        if action == "run_stage":
            return any(self.wizard.is_built(c.id) for c in self.specs) or None
        if action == "rerun_check":
            selected = self.query_one(CheckList).selected_id if self.composed else None
            return (selected is not None and self.wizard.is_built(selected)) or None
        if action == "build_dns_map":
            return (n == 2 and self.wizard.dns_map_available()) or None
        return True

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane) if pane.id]
        if tabs.active in panes:
            tabs.active = panes[(panes.index(tabs.active) + 1) % len(panes)]
        self._focus_active_tab()

    def _focus_active_tab(self) -> None:
        active = self.query_one(TabbedContent).active
        target = {"tab-checks": "#checks", "tab-checklist": "#checklist", "tab-deliverable": "#deliverable"}.get(active)
        if target:
            widget = self.query_one(target)
            first_box = next(iter(widget.query("Checkbox")), None)  # the checklist: its first item
            (first_box or widget).focus()
            return
        # A stage panel: its first enabled button/checkbox/table, so Enter works at once (focus was left on the
        # hidden tab's widget: Tab then went to the sidebar). Never a text field: there t, n and r would be typed
        # instead of switching tabs or stages; Tab reaches the fields.
        pane = self.query_one(f"#{active}", TabPane)
        focusable = [w for w in pane.query("*") if w.focusable]
        first = next((w for w in focusable if not isinstance(w, ScrollableContainer | Input | TextArea)), None) \
            or next((w for w in focusable if isinstance(w, ScrollableContainer)), None)
        if first is not None:
            first.focus()
        else:
            self.query_one(TabbedContent).query_one(Tabs).focus()

    def action_run_stage(self) -> None:
        self.wizard.run_stage(self._stage.number)

    def action_rerun_check(self) -> None:
        selected = self.query_one(CheckList).selected_id
        if selected:
            self.wizard.run_stage(self._stage.number, [selected])

    def action_run_all(self) -> None:
        self.wizard.run_all()

    def action_rerun_failed(self) -> None:
        self.wizard.rerun_failed()

    def action_cancel(self) -> None:
        self.wizard.cancel_runs()

    def action_next_stage(self) -> None:
        self.wizard.goto_stage(self._stage.number + 1)

    def action_prev_stage(self) -> None:
        self.wizard.goto_stage(self._stage.number - 1)

    def action_goto(self, number: int) -> None:
        self.wizard.goto_stage(number)

    def action_export(self) -> None:
        self.wizard.export_report()

    def action_setup(self) -> None:
        self.wizard.open_setup()

    def action_build_dns_map(self) -> None:
        self.wizard.build_dns_map()
        self.query_one(TabbedContent).active = "tab-deliverable"

    def action_cycle_guide(self) -> None:
        from launchready_tui.checks.fixes import providers_with_guides

        selected = self.query_one(CheckList).selected_id
        if not selected:
            return
        options = providers_with_guides(selected)
        if len(options) < 2:
            self.notify("This check has one set of fix steps for every platform.", timeout=4)
            return
        detail = self.query_one(CheckDetail)
        current = detail.provider_override or "default"
        detail.provider_override = options[(options.index(current) + 1) % len(options)] \
            if current in options else options[0]
        self._render_detail()
        self.notify(f"Fix steps for: {detail.provider_override}", timeout=3)
