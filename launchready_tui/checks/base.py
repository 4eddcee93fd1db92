"""What every check receives: the project, the one resolver, the one HTTP client, cancellation.

A check is ``async def <id_with_underscores>(ctx: CheckContext) -> Outcome``. It never imports
Textual, never opens its own sockets (``ctx.resolver`` / ``ctx.http`` / ``ctx.tls`` only) and
returns ``Status.ERROR`` with a plain reason when it could not measure. Work several checks need
(the home page walk, a TLS probe, provider detection) goes through ``ctx.shared``, once per run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchready_tui.checks.run_memo import RunMemo
from launchready_tui.core.model import CheckResult
from launchready_tui.core.project import Project

if TYPE_CHECKING:  # the net layer is imported by whoever builds the context, not by this module
    from launchready_tui.net.http import HttpClient
    from launchready_tui.net.resolver import Resolver


@dataclass(slots=True)
class CheckOptions:
    samples: int = 5  # requests per endpoint for http.response_time
    yes: bool = False  # headless confirmation of prompts (load on non-loopback, AI cost)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class CheckContext:
    project: Project
    resolver: Resolver
    http: HttpClient
    project_dir: Path = field(default_factory=Path.cwd)
    # Generated files (Gatus config, AI tool exports) go next to the project file; without one
    # (``audit --domain``) nothing is written into whatever folder the user happens to be in.
    write_artifacts: bool = True
    options: CheckOptions = field(default_factory=CheckOptions)
    cancel_event: asyncio.Event = field(default_factory=asyncio.Event)
    # Results of this session so far, by check id: a check may build on another's evidence.
    results: dict[str, CheckResult] = field(default_factory=dict)
    # Progress text for long checks ("sample 3 of 5"); the runner forwards it to the UI.
    progress: Callable[[str, str], None] | None = None
    # Requests, walks and detections shared by the checks of this run (checks/run_memo.py).
    shared: RunMemo = field(default_factory=RunMemo)

    def __post_init__(self) -> None:
        # A run is its cancel event: a context rebuilt with another event (the wizard's next run, via
        # dataclasses.replace) must measure again, so it gets its own memo instead of the old run's.
        if self.shared.run is None:
            self.shared.run = self.cancel_event
        elif self.shared.run is not self.cancel_event:
            self.shared = RunMemo(self.cancel_event)

    def say(self, check_id: str, text: str) -> None:
        if self.progress is not None:
            self.progress(check_id, text)

    def resolve_path(self, path: str | None) -> Path | None:
        """A path from the project file, relative to the project file's folder."""
        if not path:
            return None
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.project_dir / p)
