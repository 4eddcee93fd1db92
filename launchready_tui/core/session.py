"""The wizard's session: results per stage, manual answers, run metadata, recent projects. No secrets.

``SessionState`` is the one place screens read from and write to (architecture §5): the sidebar, the risk list
and the exporter read only it. Manual checklist answers live in the project file under ``answers:`` keyed by
the item id (``{"done": bool, "note": str}``) and are written at once through ``core/project.save_project``
(atomic, ``.bak`` kept, a broken file is never overwritten). A value that looks like a secret is refused
before it reaches the project, so one bad note can never block the saving of every other answer.

Recent projects and the chosen theme are kept in a small JSON file in the user data folder (platformdirs):
paths and names only.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchready_tui.core.redact import looks_like_secret

if TYPE_CHECKING:  # the loader (YAML, the public-suffix list) is imported when a project is saved
    from launchready_tui.core.model import CheckResult, Status
    from launchready_tui.core.project import Project

# Statuses "re-run failed" picks up (findings and checks we could not measure), by value: the model, catalogue
# and stage modules are imported when a project opens, not before the welcome screen's first paint.
RERUN_STATUSES = frozenset({"fail", "warn", "error"})
# The runner's reason for a check whose module or function does not exist yet.
NOT_BUILT_MARK = "not built yet"
MAX_RECENT = 8


@dataclass(slots=True)
class ManualAnswer:
    done: bool = False
    note: str = ""

    @classmethod
    def from_value(cls, value: Any) -> ManualAnswer:
        """Tolerant: other tools (or hand edits) may store a bare bool or text."""
        if isinstance(value, dict):
            return cls(bool(value.get("done", False)), str(value.get("note") or ""))
        if isinstance(value, bool):
            return cls(done=value)
        if isinstance(value, str):
            return cls(note=value)
        return cls()

    def to_value(self) -> dict[str, Any]:
        return {"done": self.done, "note": self.note}


@dataclass(slots=True)
class StageRun:
    """Metadata of the latest run of a stage (shown in the stage header and used by exports)."""

    stage: int
    check_ids: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None = None
    cancelled: bool = False
    done: int = 0  # checks of this run that finished so far
    started_monotonic: float = field(default_factory=time.monotonic)
    elapsed_s: float = 0.0


def is_not_built(result: CheckResult) -> bool:
    return result.status.value == "skipped" and NOT_BUILT_MARK in result.summary


def stage_check_ids(stage: int) -> list[str]:
    """The check ids listed in a stage, in catalogue order. Email checks (stage 0) are shown in stage 1."""
    from launchready_tui.core import catalogue

    return [c.id for c in catalogue.for_stage(stage)]


@dataclass(slots=True)
class SessionState:
    project: Project
    project_path: Path
    results: dict[str, CheckResult] = field(default_factory=dict)
    running: dict[str, float] = field(default_factory=dict)  # check id -> monotonic start time
    progress: dict[str, str] = field(default_factory=dict)  # check id -> last progress line
    runs: dict[int, StageRun] = field(default_factory=dict)
    current_stage: int = 1
    last_save_error: str | None = None
    demo: bool = False  # a throw-away project on the built-in lab
    # Markdown of deliverables built from live data (stage 2's DNS map), by stage number.
    deliverables: dict[int, str] = field(default_factory=dict)

    # -- results -----------------------------------------------------------------------------------

    def record(self, result: CheckResult) -> None:
        self.results[result.id] = result
        self.running.pop(result.id, None)
        self.progress.pop(result.id, None)

    def mark_running(self, check_id: str) -> None:
        self.running[check_id] = time.monotonic()
        self.progress.pop(check_id, None)

    def stage_results(self, stage: int) -> list[CheckResult]:
        """Results present for the stage's checks, in catalogue order (email checks ride with stage 1)."""
        from launchready_tui.core.catalogue import EMAIL_CHECK_IDS

        ids = stage_check_ids(stage)
        if stage == 1:
            ids += list(EMAIL_CHECK_IDS)
        return [self.results[i] for i in ids if i in self.results]

    def counts(self, stage: int) -> dict[Status, int]:
        from launchready_tui.core.model import Status

        tally = dict.fromkeys(Status, 0)
        for r in self.stage_results(stage):
            if not is_not_built(r):
                tally[r.status] += 1
        return tally

    def rerun_ids(self, stage: int | None = None) -> list[str]:
        from launchready_tui.core.stages import STAGES

        stages = [stage] if stage is not None else [s.number for s in STAGES]
        return [r.id for n in stages for r in self.stage_results(n) if r.status.value in RERUN_STATUSES]

    def all_results(self) -> list[CheckResult]:
        return list(self.results.values())

    def clear_results(self) -> None:
        self.results.clear()
        self.progress.clear()
        self.runs.clear()
        self.deliverables.clear()

    def start_run(self, stage: int, check_ids: Iterable[str]) -> StageRun:
        run = StageRun(stage, tuple(check_ids), datetime.now(UTC))
        self.runs[stage] = run
        return run

    def finish_run(self, stage: int, cancelled: bool) -> None:
        run = self.runs.get(stage)
        if run is not None:
            run.finished_at = datetime.now(UTC)
            run.cancelled = cancelled
            run.elapsed_s = time.monotonic() - run.started_monotonic

    # -- manual answers ----------------------------------------------------------------------------

    def manual(self, item_id: str) -> ManualAnswer:
        return ManualAnswer.from_value(self.project.answers.get(item_id))

    def manual_done(self, stage: int) -> tuple[int, int]:
        from launchready_tui.core.stages import get as get_stage

        items = get_stage(stage).manual_items
        return sum(self.manual(i.id).done for i in items), len(items)

    def set_manual(self, item_id: str, *, done: bool | None = None, note: str | None = None) -> str | None:
        """Store a checklist answer and save the project. Returns a plain error message, or None when saved."""
        answer = self.manual(item_id)
        if note is not None:
            kind = looks_like_secret(note)
            if kind:
                return f"not saved: the note looks like a {kind}. Keep secrets in the vault, not in notes"
            answer.note = note
        if done is not None:
            answer.done = done
        self.project.answers[item_id] = answer.to_value()
        return self.save()

    def set_answer(self, key: str, value: Any) -> str | None:
        """For stage panels: any YAML-safe value under ``answers:``; refused when it holds a secret."""
        kind = looks_like_secret(json.dumps(value, default=str))
        if kind:
            return f"not saved: {key} looks like a {kind}. Keep secrets in the vault"
        self.project.answers[key] = value
        return self.save()

    def save(self) -> str | None:
        from launchready_tui.core.project import ProjectError, save_project

        try:
            save_project(self.project, self.project_path)
        except ProjectError as exc:
            self.last_save_error = str(exc)
            return self.last_save_error
        self.last_save_error = None
        return None


# ------------------------------------------------------------------------------------------------------
# Recent projects and UI preferences (user data folder; names and paths only)


@dataclass(frozen=True, slots=True)
class RecentProject:
    path: str
    product: str
    domain: str
    opened_at: str


def _state_file() -> Path:
    from platformdirs import user_data_dir  # a few ms; only the wizard needs it

    return Path(user_data_dir("launchready", appauthor=False)) / "wizard-state.json"


def _read_state() -> dict[str, Any]:
    try:
        data = json.loads(_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(data: dict[str, Any]) -> None:
    path = _state_file()
    with contextlib.suppress(OSError):  # preferences are a convenience: never fail the wizard over them
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)


def read_wizard_state() -> dict[str, Any]:
    """The whole preferences file, read once at start (recent projects and theme come from the same file)."""
    return _read_state()


def recent_projects(state: dict[str, Any] | None = None) -> list[RecentProject]:
    """Projects opened before, newest first, that still exist on disk (``state``: from ``read_wizard_state``)."""
    out: list[RecentProject] = []
    recent = (_read_state() if state is None else state).get("recent", [])
    for item in recent if isinstance(recent, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        if Path(item["path"]).is_file():
            out.append(RecentProject(item["path"], str(item.get("product") or ""), str(item.get("domain") or ""),
                                     str(item.get("opened_at") or "")))
    return out[:MAX_RECENT]


def remember_project(path: Path, project: Project) -> None:
    data = _read_state()
    key = str(path.resolve())
    items = [i for i in data.get("recent", []) if isinstance(i, dict) and i.get("path") != key]
    items.insert(0, {"path": key, "product": project.product, "domain": project.domain,
                     "opened_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M")})
    data["recent"] = items[:MAX_RECENT]
    _write_state(data)


def saved_theme(state: dict[str, Any] | None = None) -> str | None:
    theme = (_read_state() if state is None else state).get("theme")
    return theme if isinstance(theme, str) else None


def save_theme(theme: str) -> None:
    data = _read_state()
    data["theme"] = theme
    _write_state(data)
