"""Stage 6 panel: the live load chart (p95 and error rate per step) and the capacity note.

The load itself runs in the generator *process* (launchready_tui/loadgen), started by the ``load.*`` checks
that this panel asks the stage screen to run (``host.run_checks``); the panel opens no socket. It listens
to the generator's per-second events through ``checks.load.subscribe`` and redraws twice a second, so the
chart refreshes at least once a second while rendering never delays the load (another process).

"Stop, keep results" (key ``x``) stops the generator within a second and keeps what it measured; Esc
(the screen's cancel) stops it too. A target that is not on this machine is loaded only after the founder
types its host name here: the confirmation is stored in the project file (``load.confirmed_targets``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from launchready_tui.checks import load as load_checks
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.loadgen.live import LiveChart
from launchready_tui.loadgen.safety import confirmation_line_for, parse_confirmation
from launchready_tui.screens.panels import PanelHost

REDRAW_S = 0.5


class LoadChartPanel(Vertical):
    PANEL_TITLE = "Load chart"
    DEFAULT_CSS = """
    LoadChartPanel { height: 1fr; padding: 0 1; }
    LoadChartPanel #load-buttons { height: auto; margin-bottom: 1; }
    LoadChartPanel #load-buttons Button { margin-right: 2; }
    LoadChartPanel #load-status { color: $text-muted; }
    LoadChartPanel #load-chart { height: auto; margin-bottom: 1; }
    LoadChartPanel #load-note { height: auto; }
    LoadChartPanel #load-confirm-box { height: auto; display: none; margin-bottom: 1; }
    LoadChartPanel #load-confirm-box.visible { display: block; }
    """
    BINDINGS = [Binding("x", "stop_load", "Stop load", id="stop_load", tooltip="Stop the load, keep results")]

    def __init__(self, host: PanelHost) -> None:
        super().__init__(classes="stage-panel", id="load-chart-panel")
        self.host = host
        self.chart = LiveChart()
        self._unsubscribe: Any = None
        self._pending_confirm: list[dict[str, Any]] = []  # targets waiting for the owner's confirmation
        self._pending_plan: dict[str, Any] = {}
        self._preview: list[str] = []  # the plan before any run: what Run will send, per step and endpoint

    def compose(self) -> ComposeResult:
        with Horizontal(id="load-buttons"):
            yield Button("Run load test", id="load-run", variant="primary",
                         tooltip="Load every endpoint step by step (stops on its own if errors spike)")
            yield Button("Stop, keep results", id="load-stop", tooltip="Stop within a second; keep what was measured")
        with Vertical(id="load-confirm-box"):
            yield Static("", id="load-confirm-text", markup=False)
            yield Input(placeholder="type the host name to confirm", id="load-confirm")
        with VerticalScroll():
            yield Static("", id="load-status", markup=False)
            yield Static("", id="load-chart", markup=False)
            yield Static("", id="load-note", markup=False)

    def on_mount(self) -> None:
        self._unsubscribe = load_checks.subscribe(self.chart.on_event)
        self.set_interval(REDRAW_S, self.redraw)
        self.results_changed(self.host.results)
        self.refresh_preview()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    # -- hooks from the stage screen -----------------------------------------------------------------

    def results_changed(self, results: Mapping[str, CheckResult]) -> None:
        cap = results.get("load.capacity")
        if cap is None:
            self.refresh_preview()  # stage 1's response times refine the req/s per step
            return
        ev = cap.evidence or {}
        if isinstance(ev.get("steps"), list):
            self.chart.apply_steps(ev["steps"], ev.get("note"))
        if cap.status is Status.SKIPPED and "not on this machine" in cap.summary:
            self._ask_confirmation(ev, cap.summary)
        elif cap.status in (Status.ERROR, Status.SKIPPED) and not ev.get("steps"):
            self.chart.note = cap.summary
        self.redraw()

    def presenter_changed(self, _on: bool) -> None:
        self.redraw()

    # -- drawing -------------------------------------------------------------------------------------

    def redraw(self) -> None:
        if not self.is_mounted:
            return
        lines = self.chart.lines()
        self.query_one("#load-status", Static).update(self.host.redact(lines[0]))
        body = lines[1:] or (self.chart.plan_lines if self.chart.running else
                             self._preview if not self.chart.finished else [])
        self.query_one("#load-chart", Static).update(self.host.redact("\n".join(body)))
        self.query_one("#load-note", Static).update(self.host.redact(self.chart.note))
        self._buttons()

    def _buttons(self) -> None:
        """Run while nothing runs, Stop while the load runs (Stop pressed when idle did nothing, silently); the
        focus follows to the button that can act, so Enter keeps working for a keyboard user."""
        session = getattr(self.host, "session", None)
        running = bool(session is not None and any(i in session.running for i in load_checks.LOAD_IDS))
        run, stop = self.query_one("#load-run", Button), self.query_one("#load-stop", Button)
        if run.disabled == running and stop.disabled == (not running):
            return
        focus_to = stop if running and run.has_focus else run if not running and stop.has_focus else None
        run.disabled, stop.disabled = running, not running
        if focus_to is not None:
            focus_to.focus()

    def refresh_preview(self) -> None:
        self.run_worker(self._refresh_preview, exclusive=True, group="load-chart-preview", exit_on_error=False)

    async def _refresh_preview(self) -> None:
        # Pure: the plan is built from the project file and this session's results; nothing is sent.
        ctx = await self.host.check_context()
        try:
            lines = load_checks.preview(ctx)
        except load_checks.PlanError as exc:
            self._preview = [f"This plan cannot run: {exc}."]
        else:
            self._preview = ["The plan (nothing is sent before you press Run):", *lines]
        self.redraw()

    # -- actions -------------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "load-run":
            self.start()
        elif event.button.id == "load-stop":
            self.action_stop_load()

    def start(self) -> None:
        self.run_worker(self._start, exclusive=True, group="load-chart-start", exit_on_error=False)

    async def _start(self) -> None:
        # Pressing Run here asks for the load test itself: the full plan, not an audit's quick sanity run.
        ctx = await self.host.check_context()
        ctx.options.extra.setdefault(load_checks.OPTIONS_KEY, {})["explicit"] = True
        self.chart = LiveChart()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = load_checks.subscribe(self.chart.on_event)
        self.chart.running = True
        self.host.run_checks(list(load_checks.LOAD_IDS))
        self.redraw()

    def action_stop_load(self) -> None:
        if load_checks.stop_all():
            self.notify("Stopping the load: what was measured is kept.", timeout=4)

    def _ask_confirmation(self, evidence: dict[str, Any], summary: str) -> None:
        targets = [t for t in evidence.get("targets") or [] if not t.get("loopback")]
        if not targets:
            return
        self._pending_confirm = targets
        self._pending_plan = evidence.get("plan") or {}
        names = ", ".join(t["host"] for t in targets)
        self.query_one("#load-confirm-text", Static).update(self.host.redact(
            f"{summary}.\nType {names} and press Enter to confirm you own this system or are authorised to "
            "load-test it (staging is better than production)."))
        self.query_one("#load-confirm-box").add_class("visible")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "load-confirm":
            return
        typed = event.value.strip().lower().rstrip(".")
        match = [t for t in self._pending_confirm if t["host"] == typed]
        if not match:
            self.notify("That is not the host shown above; nothing was confirmed.", severity="warning")
            return
        load = self.host.project.load
        users = max(self._pending_plan.get("users") or [0])
        rps = float(self._pending_plan.get("peak_rps") or 0.0)
        lines = [str(x) for x in load.get("confirmed_targets") or []]
        for t in match:
            lines = [x for x in lines if parse_confirmation(x).host != t["host"]]
            lines.append(confirmation_line_for(t["host"], list(t.get("addresses") or []), users, rps))
        load["confirmed_targets"] = lines
        error = self.host.session.save()
        if error:
            self.notify(self.host.redact(error), severity="error")
            return
        self._pending_confirm = [t for t in self._pending_confirm if t not in match]
        if not self._pending_confirm:
            self.query_one("#load-confirm-box").remove_class("visible")
        event.input.value = ""
        self.notify(f"Confirmed {typed}; saved in the project file.", timeout=4)
