"""Fixtures for the stage-7 tests: the in-memory keyring installed and restored, a project, the lab.

Helpers (the MemoryKeyring backend, project builders) live in handover_helpers.py, imported by name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import pytest
import pytest_asyncio
from handover_helpers import MemoryKeyring, make_project

from launchready_tui.core.project import Project
from launchready_tui.lab.server import Lab


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def installed_keyring() -> Iterator[None]:
    """Restores keyring's global backend after a test that installs its own."""
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _no_vault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own LAUNCHREADY_VAULT* variables must not steer these tests."""
    for var in ("LAUNCHREADY_VAULT", "LAUNCHREADY_VAULT_PASSPHRASE", "LAUNCHREADY_VAULT_FILE",
                "PYTHON_KEYRING_BACKEND"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def lab() -> AsyncIterator[Lab]:
    """The built-in lab (real DNS, TLS and HTTP on loopback, generated git repositories), one per package."""
    async with Lab() as running:
        yield running
