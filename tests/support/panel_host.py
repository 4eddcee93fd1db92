"""A stand-in stage screen for stage-panel tests: ``FakeHost`` (the ``PanelHost`` protocol of
launchready_tui/screens/panels/__init__.py) and ``PanelApp``, a Textual app that shows one panel on it.

One host covers every panel test: the project (and its file, when the panel saves), a real check context
when the panel runs checks itself, presenter mode, the session's results, and the stage. What a panel asks
the host to do is recorded for assertions: ``answers`` (every ``set_answer``, also written to
``project.answers`` as the real session does, but never saved to disk) and ``reruns`` (every
``run_checks``). A capability a test did not give (no file, no check context, no stage) fails the test
with an AssertionError naming it, instead of quietly doing nothing.

The session is the real ``SessionState`` (record, save through ``save_project``), not a copy of it.

Import as ``from support.panel_host import FakeHost, PanelApp`` (tests/conftest.py puts tests/ on sys.path).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widget import Widget

from launchready_tui.checks.base import CheckContext
from launchready_tui.core import stages
from launchready_tui.core.model import CheckResult
from launchready_tui.core.project import Project
from launchready_tui.core.redact import redact_text
from launchready_tui.core.session import SessionState
from launchready_tui.core.stages import StageSpec

FakeSession = SessionState
"""The session a FakeHost holds: the real one, so ``record`` and ``save`` behave as in the wizard."""


class FakeHost:
    """The ``PanelHost`` surface a stage screen gives its panels, with the panel's requests recorded.

    ``path`` is the project file (needed by panels that save the session or export next to it); ``ctx`` is
    the check context ``check_context()`` returns; ``results`` seeds the session's results; ``stage`` is the
    stage number. ``refuse_answers`` makes ``set_answer`` fail the test with that reason (for panels that
    must store nothing); ``tag_redactions`` prefixes every redacted text with ``[P] `` or ``[R] `` so a test
    sees that the text went through ``redact`` in the current presenter mode."""

    def __init__(self, project: Project | None = None, *, path: Path | None = None,
                 ctx: CheckContext | None = None, presenter: bool = False,
                 results: Mapping[str, CheckResult] | None = None, stage: int | None = None,
                 refuse_answers: str | None = None, tag_redactions: bool = False) -> None:
        self.project = project if project is not None else Project(domain="acme.example")
        self.presenter = presenter
        self.answers: dict[str, Any] = {}
        self.reruns: list[list[str]] = []
        self._path = path
        self._ctx = ctx
        self._stage = stages.get(stage) if stage is not None else None
        self._refuse_answers = refuse_answers
        self._tag_redactions = tag_redactions
        # A session without a file: results work, save() fails below through project_path.
        self._session = FakeSession(self.project, path if path is not None else Path("/nonexistent/launchready.yaml"),
                                    results=dict(results or {}))

    @property
    def stage(self) -> StageSpec:
        assert self._stage is not None, "this test gave the host no stage"
        return self._stage

    @property
    def session(self) -> SessionState:
        assert self._path is not None, "this test gave the host no project file, so no session to save"
        return self._session

    @property
    def project_path(self) -> Path:
        assert self._path is not None, "this test gave the host no project file"
        return self._path

    @property
    def results(self) -> Mapping[str, CheckResult]:
        return self._session.results

    def redact(self, text: str) -> str:
        shown = redact_text(text, presenter=self.presenter)
        if self._tag_redactions:
            return ("[P] " if self.presenter else "[R] ") + shown
        return shown

    def set_answer(self, key: str, value: Any) -> None:
        assert self._refuse_answers is None, self._refuse_answers
        self.answers[key] = value
        self.project.answers[key] = value

    def run_checks(self, check_ids: Sequence[str]) -> None:
        self.reruns.append(list(check_ids))

    async def check_context(self) -> CheckContext:
        assert self._ctx is not None, "this test gave the host no check context: the panel must run no check"
        return self._ctx


class PanelApp(App[None]):
    """A Textual app showing one panel, built as ``panel_class(host)`` like the stage screen does."""

    def __init__(self, panel_class: Callable[[Any], Widget], host: FakeHost) -> None:
        super().__init__()
        self.panel_class = panel_class
        self.host = host

    def compose(self) -> ComposeResult:
        yield self.panel_class(self.host)


def rendered(app: App[Any], selector: str) -> str:
    """The text one widget shows now (its ``render()``), e.g. a panel's status line."""
    return str(app.query_one(selector).render())
