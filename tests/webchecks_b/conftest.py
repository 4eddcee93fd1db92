"""Fixtures for the part-B web checks: one lab per package, and check contexts wired to it.

``webb_context("good.test", via_edge=True, domain=..., **changes)`` builds a project from the lab's
project file; ``via_edge`` routes the front hosts through the lab's HTTP/2 edge (lab/h2_edge.py),
which is how a CDN-fronted site looks and how the good project passes edge.http2.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from realservers.conftest import nsd_server  # noqa: F401 - the real-server tier's NSD fixture, shared by name

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import NetworkOptions, check_context
from launchready_tui.core.project import parse_project
from launchready_tui.lab import Lab

EDGE_HOSTS = ["good.test", "www.good.test", "app.good.test", "api.good.test"]


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def webb_lab() -> AsyncIterator[Lab]:
    async with Lab(make_repos=False) as running:
        yield running


ContextFactory = Callable[..., AbstractAsyncContextManager[CheckContext]]


def project_data(lab: Lab, base: str = "good.test", via_edge: bool = False, extra_connect_to: list[str] | None = None,
                 **changes: Any) -> dict[str, Any]:
    data = lab.project_dict(base)
    connect = list(extra_connect_to or [])
    if via_edge:
        assert lab.edge is not None
        connect += lab.edge.connect_to(EDGE_HOSTS)
    data["network"]["connect_to"] = connect + data["network"]["connect_to"]
    data.update(changes)
    return data


@pytest.fixture
def webb_context(webb_lab: Lab, tmp_path: Path) -> ContextFactory:
    def make(base: str = "good.test", via_edge: bool = False, http_timeout: float = 10.0,
             extra_connect_to: list[str] | None = None, **changes: Any) -> AbstractAsyncContextManager[CheckContext]:
        data = project_data(webb_lab, base, via_edge, extra_connect_to, **changes)
        project, _ = parse_project(yaml.safe_dump(data))
        return check_context(project, tmp_path, NetworkOptions(http_timeout=http_timeout), CheckOptions())

    return make
