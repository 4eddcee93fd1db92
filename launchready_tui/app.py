"""The launchready wizard: ``LaunchReadyApp`` and the two entry points the CLI calls.

* ``run_app(project_path, presenter)`` - ``launchready``: welcome screen, setup form, seven stage screens.
* ``run_demo_app(domain, presenter)`` - ``launchready demo``: starts the built-in lab, writes a project for it
  in a temporary folder and opens the wizard on it (default ``flawed.test``, so the demo shows findings).

The app owns the services screens use: the session (``core/session``), check runs (async workers, one
exclusive group per stage, ``exit_on_error=False``; Esc sets the run's cancel event so finished results are
kept, then cancels the worker if it has not stopped), one ``CheckContext`` per app session (built on first
use, closed on exit), report export, presenter mode and themes. Nothing network-bound runs before the first
paint: the network layer and the check modules are imported once a project is open, in a thread, and a run
waits for that import instead of repeating it on the UI loop (``tests/test_import_hygiene.py`` keeps them out
of ``import launchready_tui.app``).

Start-up budget (issue #3, ``bench/first_paint.py``: first paint within 1.3x a minimal Textual app): the welcome
screen is the default screen (no blank screen before it), the theme is set before the stylesheet is first
parsed, the project file is read in a thread started after the first frame, and the catalogue, stage and model
modules load when a project opens.

The demo lab runs on the app's event loop by default. A thread with its own loop was measured side by side
(``bench/first_paint.py --part lab``, stages 1+2 on the lab): on a quiet machine the two are within noise
(thread/loop 0.90-0.98x on p95 lag and key latency); on a loaded 2-core machine the second thread made the UI
loop's stalls longer (p95 lag 106 vs 75 ms, worst 1.45 vs 0.97 s), since both share the GIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import importlib.util
import io
import re
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal
from textual.theme import Theme
from textual.worker import Worker, get_current_worker

from launchready_tui.core.redact import redact_text
from launchready_tui.core.session import (
    SessionState,
    read_wizard_state,
    recent_projects,
    remember_project,
    save_theme,
    saved_theme,
)
from launchready_tui.screens.welcome import WelcomeScreen

if TYPE_CHECKING:  # the other screens, the project loader and the check catalogue are imported on first use
    from textual.notifications import SeverityLevel

    from launchready_tui.checks.base import CheckContext
    from launchready_tui.checks.runner import CheckEvent
    from launchready_tui.core.catalogue import CheckSpec
    from launchready_tui.core.model import CheckResult
    from launchready_tui.core.project import Project
    from launchready_tui.lab.server import Lab
    from launchready_tui.screens.lab_start import LabStartScreen

Runner = Callable[..., Awaitable[list["CheckResult"]]]  # checks.runner.run_checks(specs, ctx, on_event=...)
ContextFactory = Callable[["Project", Path], AbstractAsyncContextManager["CheckContext"]]
LabMode = Literal["thread", "loop"]

DEMO_DOMAINS = ("flawed.test", "good.test")
CANCEL_GRACE_S = 3.0  # after Esc, a run that has not wound down by itself is cancelled outright
HIGH_CONTRAST = Theme(
    name="launchready-high-contrast", primary="#FFD700", secondary="#00E5FF", accent="#FF7AFF",
    foreground="#FFFFFF", background="#000000", surface="#000000", panel="#1C1C1C", success="#3DFF6E",
    warning="#FFD700", error="#FF5C5C", dark=True,
)
THEMES: dict[str, str] = {"dark": "textual-dark", "light": "textual-light", "high contrast": HIGH_CONTRAST.name}
DNS_MAP_MODULES = ("launchready_tui.report.dns_map", "launchready_tui.checks.dns_map")


@dataclass(slots=True, eq=False)
class _Run:
    stage: int
    ids: tuple[str, ...]
    cancel_event: asyncio.Event = field(default_factory=asyncio.Event)
    worker: Worker[Any] | None = None


class _LabHost:
    """The demo lab, either in a thread with its own event loop or on the app's loop."""

    def __init__(self, mode: LabMode) -> None:
        self.mode = mode
        self.lab: Lab | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    async def start(self) -> Lab:
        from launchready_tui.lab.server import Lab

        if self.mode == "loop":
            lab = Lab()
            await lab.start()
            self.lab = lab
            return lab
        self._thread = threading.Thread(target=self._thread_main, name="launchready-lab", daemon=True)
        self._thread.start()
        await asyncio.to_thread(self._ready.wait)
        if self._error is not None or self.lab is None:
            raise RuntimeError(str(self._error or "the lab did not start"))
        return self.lab

    def _thread_main(self) -> None:
        async def main() -> None:
            from launchready_tui.lab.server import Lab

            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                lab = Lab()
                await lab.start()
            except BaseException as exc:  # reported to the app; the thread must not die silently
                self._error = exc
                self._ready.set()
                return
            self.lab = lab
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await lab.stop()

        asyncio.run(main())

    async def stop(self) -> None:
        if self.mode == "loop":
            if self.lab is not None:
                await self.lab.stop()
            return
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have just closed
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)


# A preview a check already made ("sk-p…3kQ", core/redact.preview) shows the last three characters; presenter
# mode shows only the first four, so the tail of an existing preview is cut as well.
_PREVIEW_TAIL = re.compile(r"(?<![\w-])([\w-]{4})…[A-Za-z0-9_-]{3}(?![\w-])")


def redact_for_screen(text: str, presenter: bool) -> str:
    """``core/redact.redact_text``, plus presenter mode's first-four-characters rule for existing previews."""
    out = redact_text(text, presenter=presenter)
    return _PREVIEW_TAIL.sub(r"\1…", out) if presenter else out


def redact_obj(value: Any, presenter: bool) -> Any:
    """Redact every string inside a JSON-shaped value (exports carry the same redaction as the screen)."""
    if isinstance(value, str):
        return redact_for_screen(value, presenter)
    if isinstance(value, dict):
        return {k: redact_obj(v, presenter) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_obj(v, presenter) for v in value]
    return value


class LaunchReadyApp(App[int]):
    CSS_PATH = Path(__file__).parent / "assets" / "app.tcss"  # absolute: a subclass elsewhere finds it too
    TITLE = "launchready"
    BINDINGS = [
        Binding("f2", "toggle_presenter", "Presenter", id="presenter",
                tooltip="Hide secrets, e-mail addresses and home folders for screen sharing"),
        Binding("f3", "next_theme", "Theme", show=False, id="theme"),
        Binding("f1", "toggle_keys", "Keys", show=False, id="keys", tooltip="Show or hide every key of this screen"),
    ]
    presenter: reactive[bool] = reactive(False)

    def __init__(
        self,
        project_path: Path | None = None,
        *,
        presenter: bool = False,
        project: Project | None = None,
        initial_results: Iterable[CheckResult] = (),
        start_stage: int | None = None,
        runner: Runner | None = None,
        context_factory: ContextFactory | None = None,
        demo_domain: str | None = None,
        lab_mode: LabMode = "loop",
        export_dir: Path | None = None,
        auto_run: bool | None = None,
        remember: bool = True,
        built: Callable[[str], bool] | None = None,
    ) -> None:
        """``project`` + ``initial_results`` + ``start_stage`` open a stage directly with known results (tests,
        snapshots); ``runner`` / ``context_factory`` replace ``checks.runner.run_checks`` / the real context;
        ``built`` overrides which checks count as built (tests with a fake runner)."""
        super().__init__()
        self.project_path = Path(project_path or "launchready.yaml")
        self.session: SessionState | None = None
        self.check_events: Signal[CheckEvent | None] = Signal(self, "check-events")
        self.state_changed: Signal[str] = Signal(self, "state-changed")
        self._start_presenter = presenter
        self._given_project = project
        self._initial_results = list(initial_results)
        self._start_stage = start_stage
        self._runner = runner
        self._context_factory = context_factory
        self._demo_domain = demo_domain
        self._lab_mode: LabMode = lab_mode
        self._export_dir = export_dir
        self._auto_run = auto_run
        self._remember = remember
        self._built_override = built
        self._ctx: CheckContext | None = None
        self._ctx_stack = AsyncExitStack()
        self._ctx_lock: asyncio.Lock | None = None
        self._active: dict[int, _Run] = {}
        self._run_all_active = False
        self._run_all_cancelled = False
        self._built: dict[str, bool] = {}
        self._warmed = asyncio.Event()  # set when the check modules are imported (off the UI loop)
        self._lab_host: _LabHost | None = None
        self._demo_dir: Path | None = None
        self.last_export: list[Path] = []
        # Read once, before the first paint: what the welcome screen lists and the saved theme.
        self._wizard_state = read_wizard_state()
        self._project_exists = self._opens_welcome and self.project_path.exists()
        # The theme is set before the app starts: set in on_mount, it re-parsed every stylesheet (~12 ms).
        self.register_theme(HIGH_CONTRAST)
        theme = saved_theme(self._wizard_state)
        if theme in THEMES.values():
            self.theme = theme

    # -- start ---------------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """The welcome screen is the bottom of the stack on the plain ``launchready`` path: composed with the
        app, not after a blank default screen that would be styled, laid out and resized for nothing."""
        if self._opens_welcome:
            path = self.project_path
            return WelcomeScreen(path, None, recent_projects(self._wizard_state),
                                 reading=self._project_exists)
        return super().get_default_screen()

    @property
    def _opens_welcome(self) -> bool:
        return self._demo_domain is None and self._given_project is None

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.presenter = self._start_presenter
        if self._demo_domain is not None:
            self.start_demo(self._demo_domain)
        elif self._given_project is not None:
            self.open_project(self.project_path, self._given_project, stage=self._start_stage)
        else:
            self._show_start()

    def _show_start(self) -> None:
        """The welcome screen is already there (the default screen); the project file is read after the first
        frame, in a thread: the first read loads YAML and the public-suffix list (~60 ms of imports), which
        started any earlier would compete with the first paint for the GIL."""
        if self._project_exists:
            self.screen.call_after_refresh(self._start_reading)

    def _start_reading(self) -> None:
        path = self.project_path
        self.run_worker(lambda: self._read_project(path), thread=True, group="read-project", exit_on_error=False)

    def _read_project(self, path: Path) -> None:
        from launchready_tui.core.project import ProjectError, load_project

        try:
            project, warnings = load_project(path)
        except ProjectError as exc:
            self.call_from_thread(self._project_unreadable, path, str(exc))
            return
        self.call_from_thread(self._project_read, project, warnings)

    def _project_read(self, project: Project, warnings: list[str]) -> None:
        for warning in warnings:
            self.notify(self.redact(warning), severity="warning", timeout=10)
        # The welcome screen is the bottom of the stack: filled in even when another screen is on top of it.
        for screen in self.screen_stack:
            if isinstance(screen, WelcomeScreen):
                screen.set_project(project)

    def _project_unreadable(self, path: Path, message: str) -> None:
        from launchready_tui.screens.project_error import ProjectErrorScreen

        # On top of the welcome screen, not instead of it: it may still be mounting (switching away from a
        # half-mounted screen trips Textual's header), and nothing below it can open this project anyway.
        self.push_screen(ProjectErrorScreen(path, message))

    def open_path(self, path: Path) -> None:
        from launchready_tui.core.project import ProjectError, load_project
        from launchready_tui.screens.project_error import ProjectErrorScreen

        try:
            project, _ = load_project(path)
        except ProjectError as exc:
            self.push_screen(ProjectErrorScreen(path, str(exc)))
            return
        self.project_path = path
        self.open_project(path, project)

    def open_project(self, path: Path, project: Project, *, demo: bool = False, stage: int | None = None) -> None:
        from launchready_tui.core.stages import STAGES

        if self.session is not None:
            self.notify("A project is already open in this window; start launchready again for another.",
                        severity="warning")
            return
        self.project_path = path
        self.session = SessionState(project, path, demo=demo)
        for result in self._initial_results:
            self.session.record(result)
        if self._remember and not demo:
            remember_project(path, project)
        from launchready_tui.screens.stage import StageScreen

        for stage_spec in STAGES:
            self.install_screen(StageScreen(stage_spec.number), name=f"stage-{stage_spec.number}")
        self._reset_to(f"stage-{stage or 1}")
        self.session.current_stage = stage or 1
        if self._runner is None and not self._initial_results:
            self.call_after_refresh(self._warm_checks)
        else:
            self._warmed.set()

    def _reset_to(self, screen: Screen[Any] | str) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) == 2:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_setup(self, path: Path | None = None, project: Project | None = None, *, first_run: bool = False) -> None:
        from launchready_tui.screens.setup import SetupScreen

        if first_run or self.session is None:
            target = path or self.project_path
            self.push_screen(SetupScreen(target, project, first_run=True,
                                         on_done=lambda p, proj: self.open_project(p, proj)))
            return
        session = self.session
        self.push_screen(SetupScreen(session.project_path, session.project, first_run=False,
                                     on_done=lambda _p, _proj: self._setup_closed(),
                                     on_domain_change=self._domain_changed,
                                     save=lambda _proj, _path: session.save()))

    def _setup_closed(self) -> None:
        self.pop_screen()
        self.state_changed.publish("setup")

    def _domain_changed(self) -> None:
        if self.session is None:
            return
        self.cancel_runs(quiet=True)
        self.session.clear_results()
        if self._ctx is not None:
            self._ctx.results.clear()
        self.notify("The domain changed, so earlier results were cleared.", timeout=6)
        self.state_changed.publish("domain")

    # -- demo ----------------------------------------------------------------------------------------

    def start_demo(self, domain: str | None = None) -> None:
        from launchready_tui.screens.lab_start import LabStartScreen

        domain = domain or DEMO_DOMAINS[0]
        screen = LabStartScreen(domain)
        self._reset_to(screen)
        self.run_worker(self._start_demo(domain, screen), group="lab", exclusive=True, exit_on_error=False)

    async def _start_demo(self, domain: str, screen: LabStartScreen) -> None:
        from launchready_tui.core.project import load_project

        try:
            if self._lab_host is None:
                self._lab_host = _LabHost(self._lab_mode)
                lab = await self._lab_host.start()
            else:
                assert self._lab_host.lab is not None
                lab = self._lab_host.lab
            self._demo_dir = Path(tempfile.mkdtemp(prefix="launchready-demo-"))
            path = lab.write_project(self._demo_dir / "launchready.yaml", domain)
            project, _ = load_project(path)
        except Exception as exc:  # shown on the waiting screen; the app stays usable (quit with ctrl+q)
            screen.failed(str(exc))
            return
        self.open_project(path, project, demo=True)
        if self._auto_run is not False:
            self.run_stage(1)  # the demo shows findings at once; a real project waits for the user

    @property
    def lab(self) -> Lab | None:
        return self._lab_host.lab if self._lab_host is not None else None

    # -- shutdown ------------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit, first saving answers still waiting for their typing pause."""
        for screen in self.screen_stack:
            flush = getattr(screen, "flush", None)
            if callable(flush):
                with contextlib.suppress(Exception):  # saving is best effort here; errors were shown as typed
                    flush()
        await super().action_quit()

    async def on_unmount(self) -> None:
        with contextlib.suppress(Exception):  # closing sockets at exit must never mask the exit itself
            await self._ctx_stack.aclose()
        if self._lab_host is not None:
            with contextlib.suppress(Exception):
                await self._lab_host.stop()
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)

    # -- presenter mode and themes -------------------------------------------------------------------

    def redact(self, text: str) -> str:
        return redact_for_screen(text, self.presenter)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every toast is redacted for the current mode (a panel's error may name a home folder or carry a key)
        and plain text: a product name like "Acme [beta]" or an error with "[/path]" is not markup (Textual's
        markup dropped the first and raised on the second). ``markup`` is accepted and ignored on purpose."""
        super().notify(self.redact(message), title=self.redact(title), severity=severity, timeout=timeout,
                       markup=False)

    def action_toggle_presenter(self) -> None:
        self.presenter = not self.presenter
        if self.presenter:  # a toast shown before (a report path, an error) must not stay up while sharing
            self.clear_notifications()
        self.notify("Presenter mode is on: secrets, e-mail addresses and home folders are hidden."
                    if self.presenter else "Presenter mode is off.", timeout=4)

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_next_theme(self) -> None:
        names = list(THEMES.values())
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]

    def set_theme_by_label(self, label: str) -> None:
        self.theme = THEMES[label]

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name in THEMES.values():
            save_theme(theme.name)
        self.state_changed.publish("theme")  # status colours come from the theme

    # -- checks --------------------------------------------------------------------------------------

    def is_built(self, check_id: str) -> bool:
        from launchready_tui.core import catalogue

        if self._built_override is not None:
            return self._built_override(check_id)
        if check_id not in self._built:
            try:
                self._built[check_id] = catalogue.get(check_id).is_built()
            except KeyError:
                self._built[check_id] = False
        return self._built[check_id]

    def _warm_checks(self) -> None:
        self.run_worker(self._import_checks, thread=True, group="warm", exit_on_error=False)

    async def _wait_warm(self) -> None:
        # A run waits for the warm-up: importing the same modules on the UI loop meanwhile would block it on
        # Python's import lock until the thread is done (measured: a ~1 s freeze at the demo's first run).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._warmed.wait(), 30)

    def _import_checks(self) -> None:
        """Import the check modules after the first paint (off the event loop), so the first run starts at
        once, and learn precisely which checks exist (a module may hold only some of its checks yet)."""
        from launchready_tui.core import catalogue

        found: dict[str, bool] = {}
        try:
            for spec in catalogue.CHECKS:
                if not spec.is_built():
                    found[spec.id] = False
                    continue
                try:
                    module = importlib.import_module(spec.module_path)
                except Exception:  # a broken module is reported by the run itself, as an error result
                    found[spec.id] = True
                    continue
                found[spec.id] = hasattr(module, spec.function_name)
            import launchready_tui.checks.context  # noqa: F401 - the network layer, for the first run
            import launchready_tui.checks.runner  # noqa: F401
        except Exception:  # never leave runs waiting: they import what they need themselves
            pass
        finally:
            with contextlib.suppress(Exception):  # the app may be closing
                self.call_from_thread(self._learned_built, found)

    def _learned_built(self, found: dict[str, bool]) -> None:
        self._built.update(found)
        self._warmed.set()
        self.state_changed.publish("built")

    async def check_context(self) -> CheckContext:
        """The one context of this app session (resolver, HTTP client), built on first use."""
        if self._ctx_lock is None:
            self._ctx_lock = asyncio.Lock()
        async with self._ctx_lock:
            if self._ctx is None:
                session = self._require_session()
                folder = session.project_path.parent
                if self._context_factory is not None:
                    cm = self._context_factory(session.project, folder)
                else:
                    from launchready_tui.checks.base import CheckOptions
                    from launchready_tui.checks.context import check_context

                    cm = check_context(session.project, folder, options=CheckOptions(samples=5))
                self._ctx = await self._ctx_stack.enter_async_context(cm)
            return self._ctx

    def _require_session(self) -> SessionState:
        if self.session is None:
            raise RuntimeError("no project is open")
        return self.session

    def running_stages(self) -> set[int]:
        return set(self._active)

    def _specs_for(self, stage: int, check_ids: Sequence[str] | None) -> list[CheckSpec]:
        from launchready_tui.core import catalogue

        if check_ids is None:
            specs = list(catalogue.for_stage(stage))
        else:
            specs = [catalogue.get(i) for i in check_ids if i in catalogue.BY_ID]
        return [s for s in specs if self.is_built(s.id)]

    def run_stage(self, stage: int, check_ids: Sequence[str] | None = None) -> Worker[None] | None:
        """Run a stage's built checks (or some of them) in an exclusive worker for that stage."""
        if self.session is None:
            return None
        if self._run_all_active:
            self.notify("All stages are running: wait for them, or press Esc to cancel.", severity="warning")
            return None
        if check_ids is not None and stage in self._active:
            self.notify(f"Stage {stage} is running: wait for it, or press Esc to cancel.", severity="warning")
            return None
        specs = self._specs_for(stage, check_ids)
        if not specs:
            self.notify("Nothing to run here yet: these checks are coming in a later release.", timeout=5)
            return None
        run = self._register_run(stage, specs)  # at once: the screen shows "running" before the worker starts
        worker = self.run_worker(self._run_stage(stage, specs, run), name=f"stage {stage}", group=f"stage-{stage}",
                                 exclusive=True, exit_on_error=False)
        run.worker = worker
        return worker

    def _register_run(self, stage: int, specs: list[CheckSpec]) -> _Run:
        run = _Run(stage, tuple(s.id for s in specs))
        previous = self._active.get(stage)
        if previous is not None:
            previous.cancel_event.set()
        self._active[stage] = run
        return run

    async def _run_stage(self, stage: int, specs: list[CheckSpec], run: _Run | None = None) -> None:
        from launchready_tui.core.model import CheckResult, Status

        session = self._require_session()
        if run is None:
            run = self._register_run(stage, specs)
            with contextlib.suppress(Exception):  # run_all calls in from its own worker
                run.worker = get_current_worker()
        stage_run = session.start_run(stage, run.ids)
        mine: dict[str, float] = {}

        def on_event(event: CheckEvent) -> None:
            if event.kind == "started":
                session.mark_running(event.check_id)
                mine[event.check_id] = session.running[event.check_id]
            elif event.kind == "progress":
                session.progress[event.check_id] = event.text
            elif event.kind == "finished" and event.result is not None:
                session.record(event.result)
                stage_run.done += 1
            self.check_events.publish(event)

        self.check_events.publish(None)
        cancelled = False
        try:
            await self._wait_warm()
            try:
                base = await self.check_context()
            except Exception as exc:  # bad network settings (CA file, --connect-to): every check says why
                reason = f"could not start the checks: {exc}"
                for spec in specs:
                    session.record(CheckResult(id=spec.id, title=spec.title, status=Status.ERROR, summary=reason,
                                               stage=spec.stage, impact=spec.impact))
                self.notify(self.redact(reason), severity="error", timeout=10)
                return
            ctx = dataclasses.replace(base, cancel_event=run.cancel_event, progress=None)
            runner = self._runner
            if runner is None:
                from launchready_tui.checks.runner import run_checks

                runner = run_checks
            for result in await runner(specs, ctx, on_event=on_event):
                session.record(result)
            cancelled = run.cancel_event.is_set()
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            for check_id, started in mine.items():
                if session.running.get(check_id) == started:
                    session.running.pop(check_id, None)
            if self._active.get(stage) is run:
                del self._active[stage]
            session.finish_run(stage, cancelled)
            self.check_events.publish(None)
        if stage == 2 and not cancelled and self.dns_map_available():
            await self._collect_dns_map()

    def run_all(self, only_failed: bool = False) -> Worker[None] | None:
        if self.session is None:
            return None
        if self._active or self._run_all_active:
            self.notify("Checks are running: wait for them, or press Esc to cancel.", severity="warning")
            return None
        if only_failed and not self.session.rerun_ids():
            self.notify("No failed, warning or unmeasured checks to re-run.", timeout=4)
            return None
        self._run_all_active = True  # at once, so a second key press cannot start a parallel run
        self._run_all_cancelled = False
        return self.run_worker(self._run_all(only_failed), name="all stages", group="run-all", exclusive=True,
                               exit_on_error=False)

    def rerun_failed(self) -> Worker[None] | None:
        return self.run_all(only_failed=True)

    async def _run_all(self, only_failed: bool) -> None:
        from launchready_tui.core.stages import STAGES

        session = self._require_session()
        self._run_all_active = True
        try:
            for stage in STAGES:
                if self._run_all_cancelled:
                    break
                ids = session.rerun_ids(stage.number) if only_failed else None
                if only_failed and not ids:
                    continue
                specs = self._specs_for(stage.number, ids)
                if specs:
                    await self._run_stage(stage.number, specs)
        finally:
            self._run_all_active = False
            self.check_events.publish(None)

    def cancel_runs(self, quiet: bool = False) -> None:
        """Esc: every running check stops; finished results are kept, the rest are marked cancelled."""
        if not self._active and not self._run_all_active:
            return
        self._run_all_cancelled = True
        runs = list(self._active.values())
        for run in runs:
            run.cancel_event.set()
        if not quiet:
            self.notify("Cancelling: finished results are kept.", timeout=4)
        self.set_timer(CANCEL_GRACE_S, lambda: self._force_cancel(runs))

    def _force_cancel(self, runs: list[_Run]) -> None:
        for run in runs:
            if run.worker is not None and run.worker.is_running:
                run.worker.cancel()

    # -- deliverables --------------------------------------------------------------------------------

    def dns_map_available(self) -> bool:
        for name in DNS_MAP_MODULES:
            with contextlib.suppress(ModuleNotFoundError, ValueError):
                if importlib.util.find_spec(name) is not None:
                    return True
        return False

    def build_dns_map(self) -> None:
        if self.session is None or not self.dns_map_available():
            return
        self.run_worker(self._collect_dns_map(), group="dns-map", exclusive=True, exit_on_error=False)

    @staticmethod
    def _dns_map_part(name: str) -> Any:
        for module_name in DNS_MAP_MODULES:
            with contextlib.suppress(ModuleNotFoundError):
                found = getattr(importlib.import_module(module_name), name, None)
                if found is not None:
                    return found
        return None

    async def _collect_dns_map(self) -> None:
        session = self._require_session()
        session.deliverables[2] = "_Building the DNS map…_"
        self.state_changed.publish("deliverable")
        try:
            # collect_dns_map (network: checks/) and its Markdown renderer (pure: report/) may live apart.
            collect = self._dns_map_part("collect_dns_map")
            render = self._dns_map_part("render_dns_map_markdown") or self._dns_map_part("render_dns_map")
            if collect is None or render is None:
                raise RuntimeError("the DNS map is not complete in this version")
            base = await self.check_context()
            # its own cancel event: a fresh per-run memo, so a rebuilt map asks DNS again
            dns_map = await collect(dataclasses.replace(base, cancel_event=asyncio.Event(), progress=None))
            session.deliverables[2] = str(render(dns_map))
        except Exception as exc:  # a deliverable failing must not break the stage
            session.deliverables[2] = f"_The DNS map could not be built: {exc}_"
        self.state_changed.publish("deliverable")

    # -- export --------------------------------------------------------------------------------------

    def report_texts(self) -> tuple[str, str]:
        """(Markdown, JSON) of the current results, redacted as the screen is."""
        from launchready_tui.report.formats import build_report, render_json, render_markdown

        session = self._require_session()
        report = redact_obj(build_report(session.project, session.all_results()), self.presenter)
        markdown = render_markdown(report) + self._markdown_extras(session)
        return markdown, render_json(report)

    def _markdown_extras(self, session: SessionState) -> str:
        from launchready_tui.core.stages import STAGES

        out = ["", "## Checklist (confirmed by hand)", ""]
        for stage in STAGES:
            for item in stage.manual_items:
                answer = session.manual(item.id)
                note = f" — {answer.note}" if answer.note else ""
                out.append(f"- [{'x' if answer.done else ' '}] Stage {stage.number}: {item.text}{note}")
        for number, text in sorted(session.deliverables.items()):
            out += ["", f"## Stage {number} deliverable", "", text]
        return self.redact("\n".join(out)) + "\n"

    def export_report(self) -> list[Path]:
        """Markdown + JSON next to the project file (the current folder for the demo), or a browser download
        when served on the web."""
        if self.session is None:
            return []
        markdown, json_text = self.report_texts()
        stamp = datetime.now().astimezone().strftime("%Y%m%d-%H%M%S")
        base = f"launchready-report-{stamp}"
        if self.is_web:
            self.deliver_text(io.StringIO(markdown), save_filename=f"{base}.md")
            self.deliver_text(io.StringIO(json_text), save_filename=f"{base}.json")
            self.notify("Report sent to your browser's downloads (Markdown and JSON).")
            return []
        folder = self._export_dir or (Path.cwd() if self.session.demo else self.session.project_path.parent)
        paths = [folder / f"{base}.md", folder / f"{base}.json"]
        try:
            for path, text in zip(paths, (markdown, json_text), strict=True):
                path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.notify(self.redact(f"The report could not be written to {folder}: {exc.strerror or exc}"),
                        severity="error", timeout=10)
            return []
        self.last_export = paths
        self.notify(self.redact(f"Report written: {paths[0]} and {paths[1].name}"), timeout=8)
        return paths

    # -- navigation and the command palette ----------------------------------------------------------

    def goto_stage(self, number: int) -> None:
        from launchready_tui.core.stages import STAGES
        from launchready_tui.screens.stage import StageScreen

        if self.session is None or not 1 <= number <= len(STAGES):
            return
        while len(self.screen_stack) > 2 and not isinstance(self.screen, StageScreen):
            self.pop_screen()
        self.session.current_stage = number
        self.switch_screen(f"stage-{number}")

    def get_system_commands(self, screen: Screen[Any]) -> Iterator[SystemCommand]:
        from launchready_tui.core.stages import STAGES
        from launchready_tui.screens.stage import StageScreen

        yield from super().get_system_commands(screen)
        if self.session is not None:
            if isinstance(screen, StageScreen):
                n = screen.stage.number
                yield SystemCommand(f"Run stage {n}", f"Run the checks of stage {n} ({screen.stage.title})",
                                    lambda: self.run_stage(n))
            yield SystemCommand("Run all stages", "Run every built check, stage by stage", self.run_all)
            yield SystemCommand("Re-run failed checks", "Run again what failed, warned or could not be measured",
                                self.rerun_failed)
            yield SystemCommand("Cancel running checks", "Stop now; finished results are kept",
                                self.cancel_runs)
            yield SystemCommand("Export report", "Write the results as Markdown and JSON", self.export_report)
            yield SystemCommand("Edit setup", "Domain, URLs, endpoints, repository, e-mail", self.open_setup)
            for stage in STAGES:
                yield SystemCommand(f"Go to stage {stage.number}: {stage.title}", stage.goal,
                                    lambda n=stage.number: self.goto_stage(n))
        yield SystemCommand("Presenter mode: " + ("turn off" if self.presenter else "turn on"),
                            "Hide secrets, e-mail addresses and home folders while sharing the screen",
                            self.action_toggle_presenter)
        for label in THEMES:
            yield SystemCommand(f"Theme: {label}", f"Switch to the {label} theme",
                                lambda label=label: self.set_theme_by_label(label))


def _exit_code(app: LaunchReadyApp, value: int | None) -> int:
    if isinstance(value, int):
        return value
    return int(app.return_code or 0)


def run_app(project_path: str | Path, presenter: bool = False) -> int:
    """``launchready``: the wizard on ``project_path`` (created by the setup form when absent)."""
    app = LaunchReadyApp(Path(project_path), presenter=presenter)
    return _exit_code(app, app.run())


def run_demo_app(domain: str | None = None, presenter: bool = False, lab_mode: LabMode = "loop") -> int:
    """``launchready demo``: the lab on loopback, a temporary project for it, the wizard on stage 1."""
    domain = (domain or DEMO_DOMAINS[0]).strip().lower().rstrip(".")
    if domain not in DEMO_DOMAINS:
        raise ValueError(f"the demo lab serves {' and '.join(DEMO_DOMAINS)}, not {domain!r}")
    app = LaunchReadyApp(presenter=presenter, demo_domain=domain, lab_mode=lab_mode)
    return _exit_code(app, app.run())


__all__ = ["LaunchReadyApp", "redact_obj", "run_app", "run_demo_app"]
