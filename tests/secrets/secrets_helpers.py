"""Helpers shared by the secrets tests (a uniquely named module: several test folders have a conftest.py,
so ``from conftest import …`` picks whichever was imported first in a full run)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DATA = Path(__file__).parent / "data"
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.test",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.test",
    "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
}


def git(repo: Path, *args: str, input_bytes: bytes | None = None) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], env={**os.environ, **GIT_ENV}, input=input_bytes,
                          capture_output=True, check=True)
    return proc.stdout.decode()
