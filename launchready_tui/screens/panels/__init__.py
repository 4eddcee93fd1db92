"""Stage panels: stage-specific widgets that other parts of launchready add to a stage screen.

Every stage screen is one ``StageScreen`` class driven by ``core/stages.py``. Below its check list and detail
pane it shows the panels registered here for its stage number, e.g. the "Did it land?" e-mail header paste
(stages 1 and 7), the live load chart (stage 6), the alert-route confirmation (stage 5) or the vault/accounts
editor (stage 7).

Registering a panel: add one line to ``PANELS`` below, ``stage number -> ["package.module:ClassName", ...]``.
Modules are imported lazily, when the stage screen is first built, so a panel costs nothing at start-up. A
module that does not exist (yet) is skipped silently; a module that fails to import is skipped and the screen
shows a one-line notice instead of crashing.

The protocol (keep to it so panels stay independent of the screen's internals):

* The class is a Textual ``Widget`` constructed as ``PanelClass(host)`` with one positional argument, an
  object that satisfies :class:`PanelHost` (the stage screen). Do not open sockets in the panel: run checks
  through ``host.run_checks`` or, for a panel that streams data itself, call a ``checks/`` function from an
  async worker with ``await host.check_context()``.
* Render every piece of text through ``host.redact(text)``: it applies presenter mode (secrets, tokens, webhook
  URLs, e-mail addresses and home paths hidden while someone shares their screen).
* Store what the user enters with ``host.set_answer(key, value)`` (saved atomically under ``answers:`` in the
  project file at once; never a secret there - keep secrets in the vault).
* Optional hooks the screen calls on a mounted panel when defined:

  - ``results_changed(self, results: Mapping[str, CheckResult]) -> None`` - after any check finished (all
    results of the session, by check id);
  - ``check_event(self, event: CheckEvent) -> None`` - every runner event of this stage (started, progress
    lines from ``ctx.say``, finished), for live charts;
  - ``presenter_changed(self, on: bool) -> None`` - presenter mode toggled: re-render your text.

Minimal example::

    class DidItLandPanel(Static):
        def __init__(self, host: PanelHost) -> None:
            super().__init__(host.redact("Paste the headers of a test mail"), classes="stage-panel")
            self.host = host
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext
    from launchready_tui.core.model import CheckResult
    from launchready_tui.core.project import Project
    from launchready_tui.core.session import SessionState
    from launchready_tui.core.stages import StageSpec

# stage number -> "module:ClassName" of the panels shown in that stage, in this order.
PANELS: dict[int, list[str]] = {
    1: ["launchready_tui.screens.panels.email_headers:DidItLandPanel"],
    2: [],
    3: [],
    4: [],
    5: ["launchready_tui.screens.panels.alert_confirm:AlertConfirmPanel"],
    6: ["launchready_tui.screens.panels.load_chart:LoadChartPanel",
        "launchready_tui.screens.panels.ai_confirm:AiConfirmPanel"],
    7: ["launchready_tui.screens.panels.accounts:AccountsPanel",
        "launchready_tui.screens.panels.email_headers:DidItLandPanel"],
}


class PanelHost(Protocol):
    """What a stage screen offers its panels."""

    @property
    def stage(self) -> StageSpec: ...

    @property
    def session(self) -> SessionState: ...

    @property
    def project(self) -> Project: ...

    @property
    def project_path(self) -> Path: ...

    @property
    def presenter(self) -> bool: ...

    @property
    def results(self) -> Mapping[str, CheckResult]: ...

    def redact(self, text: str) -> str: ...

    def set_answer(self, key: str, value: Any) -> None: ...

    def run_checks(self, check_ids: Sequence[str]) -> None: ...

    async def check_context(self) -> CheckContext: ...


def load_panels(stage: int, registry: Mapping[int, Sequence[str]] | None = None) -> tuple[list[type], list[str]]:
    """Import the panel classes of a stage. Returns ``(classes, problems)``: missing modules are skipped
    silently; a module that is present but broken is skipped with a one-line problem for the screen."""
    classes: list[type] = []
    problems: list[str] = []
    for ref in (registry if registry is not None else PANELS).get(stage, []):
        module_name, _, class_name = ref.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
                continue  # not built yet
            problems.append(f"panel {ref} could not load: {exc}")
            continue
        except Exception as exc:  # a broken panel must not take the stage screen down
            problems.append(f"panel {ref} could not load: {type(exc).__name__}: {exc}")
            continue
        cls = getattr(module, class_name, None)
        if not isinstance(cls, type):
            problems.append(f"panel {ref}: {module_name} has no class {class_name}")
            continue
        classes.append(cls)
    return classes, problems
