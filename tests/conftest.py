"""Shared test fixtures. Keep this small: topic fixtures belong in each subfolder's conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Shared test helpers (tests/support/, e.g. support.realservers) import the same way from every folder.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's real config, cache or data directories."""
    base = tmp_path_factory.mktemp("userdirs")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        path = base / var.lower()
        path.mkdir()
        monkeypatch.setenv(var, str(path))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def launchready_bin() -> Path:
    """The installed console script of the venv running the tests."""
    script = Path(sys.executable).parent / "launchready"
    if not script.exists():
        pytest.fail(f"console script not found at {script}: install the package (make test does)")
    return script
