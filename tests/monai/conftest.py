"""Fixtures for the stage-5 and AI tests: one lab per package, and a helper that runs checks against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from launchready_tui.checks.base import CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult
from launchready_tui.core.project import parse_project
from launchready_tui.lab.server import Lab


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def lab() -> AsyncIterator[Lab]:
    async with Lab() as running:
        yield running


RunChecks = Callable[..., Any]


@pytest.fixture
def run_lab_checks(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunChecks:
    """``await run_lab_checks(ids, domain, yes=True, edit=lambda d: ..., extra={...})`` -> {id: CheckResult}.

    Secrets never come from the developer's environment: the lookup variables are cleared first."""
    for var in ("LAUNCHREADY_ALERT_WEBHOOK", "LAUNCHREADY_BETTERSTACK_TOKEN", "LAUNCHREADY_UPTIMEROBOT_API_KEY"):
        monkeypatch.delenv(var, raising=False)

    async def run(ids: Iterable[str], domain: str = "good.test", *, yes: bool = True,
                  edit: Callable[[dict[str, Any]], None] | None = None,
                  extra: dict[str, Any] | None = None) -> dict[str, CheckResult]:
        data = lab.project_dict(domain)
        if edit is not None:
            edit(data)
        project, _warnings = parse_project(yaml.safe_dump(data))
        options = CheckOptions(yes=yes, extra=dict(extra or {}))
        async with check_context(project, tmp_path, options=options) as ctx:
            results = await run_checks([catalogue.get(i) for i in ids], ctx)
        return {r.id: r for r in results}

    return run
