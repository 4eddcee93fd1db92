"""Fixtures for the wizard tests: a lab-wired project file, deterministic fake results, the helpers module."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # ui_helpers (no __init__.py: basenames stay unique)

from launchready_tui.lab import Lab  # noqa: E402


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    async with Lab() as running:
        yield running


@pytest.fixture(autouse=True)
def _calm_textual(monkeypatch: pytest.MonkeyPatch) -> None:
    """No animations (stable timing and snapshots). Textual reads the variable at import, so patch the constant
    too; subprocesses (the tmux test) get the variable."""
    import textual.constants

    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("LAUNCHREADY_VAULT", "none")  # stage panels never reach a real keyring from these tests
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
