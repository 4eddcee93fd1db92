"""Fixtures for the load tests: a lab per test and helpers to run the generator or the load checks on it.

Steps are short (1-3 s) and user counts small so the whole folder stays fast; every target is on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import yaml
from load_helpers import ContextFactory

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.core.project import parse_project
from launchready_tui.lab import Lab


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with Lab(make_repos=False) as running:
        yield running



@pytest.fixture
def load_context(lab: Lab, tmp_path: Path) -> ContextFactory:
    """``async with load_context("good.test", users=[5], step_seconds=1, ...) as ctx``: load options preset."""

    def make(base: str = "good.test", *, yes: bool = False, project: dict[str, Any] | None = None,
             **load_opts: Any) -> AbstractAsyncContextManager[CheckContext]:
        data = project if project is not None else lab.project_dict(base)
        parsed, _ = parse_project(yaml.safe_dump(data))
        opts = {"warmup_seconds": 0, "step_seconds": 1.5, "think_ms": 1000, **load_opts}
        return check_context(parsed, tmp_path, options=CheckOptions(yes=yes, extra={"load": opts}))

    return make
