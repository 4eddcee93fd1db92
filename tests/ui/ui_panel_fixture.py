"""A stage panel used by tests/ui/test_ui_panels.py: records every hook the stage screen calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.widgets import Static

CALLS: list[tuple[str, Any]] = []


class RecordingPanel(Static):
    PANEL_TITLE = "Recorder"

    def __init__(self, host: Any) -> None:
        super().__init__(host.redact(f"panel for stage {host.stage.number} of {host.project.domain}"),
                         id="recording-panel")
        self.host = host
        CALLS.append(("init", host.stage.number))

    def results_changed(self, results: Mapping[str, Any]) -> None:
        CALLS.append(("results_changed", sorted(results)))

    def check_event(self, event: Any) -> None:
        CALLS.append(("check_event", (event.kind, event.check_id)))

    def presenter_changed(self, on: bool) -> None:
        CALLS.append(("presenter_changed", on))


class BrokenPanel(Static):
    def __init__(self, host: Any) -> None:
        raise RuntimeError("this panel is broken on purpose")


NOT_A_CLASS = 42
