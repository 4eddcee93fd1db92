"""A lab per package for the plumbing tests, and check contexts wired to it (everything on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import NetworkOptions, check_context
from launchready_tui.core.project import parse_project
from launchready_tui.lab import Lab


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def plumbing_lab() -> AsyncIterator[Lab]:
    async with Lab(make_repos=False) as running:
        yield running


@pytest.fixture
def plumbing_ctx(plumbing_lab: Lab, tmp_path: Path) -> Callable[..., AbstractAsyncContextManager[CheckContext]]:
    """``async with plumbing_ctx("good.test", extra={...}, **project_changes) as ctx``."""

    def make(base: str = "good.test", extra: dict[str, Any] | None = None,
             **changes: Any) -> AbstractAsyncContextManager[CheckContext]:
        data = plumbing_lab.project_dict(base)
        data.update(changes)
        project, _ = parse_project(yaml.safe_dump(data))
        return check_context(project, tmp_path, NetworkOptions(), CheckOptions(samples=1, extra=dict(extra or {})))

    return make


@pytest.fixture(autouse=True)
def _clear_lab_faults(request: pytest.FixtureRequest) -> Any:
    yield
    if "plumbing_lab" in request.fixturenames:
        lab: Lab = request.getfixturevalue("plumbing_lab")
        assert lab.dns is not None and lab.web is not None
        lab.dns.clear_faults()
        lab.web.clear_faults()
