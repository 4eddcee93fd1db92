"""A running lab per test and helpers to build a check context wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.core.project import parse_project
from launchready_tui.lab import Lab


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with Lab(make_repos=False) as running:
        yield running


ContextFactory = Callable[..., AbstractAsyncContextManager[CheckContext]]


@pytest.fixture
def lab_context(lab: Lab, tmp_path: Path) -> ContextFactory:
    """``async with lab_context("good.test", domain="x", **changes) as ctx`` — a project wired to the lab."""

    def make(base: str = "good.test", samples: int = 3, **changes: Any) -> AbstractAsyncContextManager[CheckContext]:
        import yaml

        data = lab.project_dict(base)
        data.update(changes)
        project, _ = parse_project(yaml.safe_dump(data))
        return check_context(project, tmp_path, options=CheckOptions(samples=samples))

    return make
