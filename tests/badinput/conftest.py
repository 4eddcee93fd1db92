"""A running lab per test (no repositories: the bad-input suite does not scan them)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from launchready_tui.lab import Lab


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with Lab(make_repos=False) as running:
        yield running
