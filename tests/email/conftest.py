"""Fixtures for the email tests; the helpers they use live in ``emailtest_support``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from emailtest_support import load_index, load_suite

from launchready_tui.lab.server import Lab


@pytest.fixture(scope="session")
def spf_suite() -> list[dict[str, Any]]:
    return load_suite()


@pytest.fixture(scope="session")
def spf_index() -> dict[str, dict[str, Any]]:
    return load_index()


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def lab() -> AsyncIterator[Lab]:
    async with Lab(make_repos=False) as running:
        yield running
