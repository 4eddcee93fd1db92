"""Fixtures for part A of the web checks: one lab per package, and check contexts wired to it.

Every request goes to the lab on 127.0.0.1 (its nameserver, its --connect-to routes, its CA); the
lab project file points RDAP at the lab's stand-in registry, so IANA is never contacted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import NetworkOptions, check_context
from launchready_tui.core.project import parse_project
from launchready_tui.lab import Lab


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def lab() -> AsyncIterator[Lab]:
    async with Lab(make_repos=False) as running:
        yield running


ContextFactory = Callable[..., AbstractAsyncContextManager[CheckContext]]


@pytest.fixture
def lab_ctx(lab: Lab, tmp_path: Path) -> ContextFactory:
    """``async with lab_ctx("flawed.test", extra={...}, dns_timeout=0.5, **project_changes) as ctx``."""

    def make(base: str = "good.test", extra: dict[str, Any] | None = None, dns_timeout: float = 3.0,
             http_timeout: float = 10.0, **changes: Any) -> AbstractAsyncContextManager[CheckContext]:
        import yaml

        data = lab.project_dict(base)
        data.update(changes)
        project, _ = parse_project(yaml.safe_dump(data))
        return check_context(project, tmp_path, NetworkOptions(dns_timeout=dns_timeout, http_timeout=http_timeout),
                             CheckOptions(samples=1, extra=dict(extra or {})))

    return make


@pytest.fixture(autouse=True)
def _clear_lab_faults(lab: Lab) -> Any:
    yield
    assert lab.dns is not None and lab.web is not None
    lab.dns.clear_faults()
    lab.web.clear_faults()
