"""Fixtures for the secrets tests: the gitleaks fixture repo with dotGit renamed, git repo builders."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

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


@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    """gitleaks' testdata/repos/small with dotGit renamed to .git (as gitleaks' own tests do)."""
    dest = tmp_path / "small"
    shutil.copytree(DATA / "gitleaks" / "testdata" / "repos" / "small", dest)
    (dest / "dotGit").rename(dest / ".git")
    return dest


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """make_repo({"path": "text"}, ..., name=) -> a repo with one commit per dict."""
    def build(*commits: dict[str, str | None], name: str = "repo") -> Path:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        for i, files in enumerate(commits):
            for rel, text in files.items():
                p = repo / rel
                if text is None:
                    p.unlink()
                    continue
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(text)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--no-verify", "--no-gpg-sign", "--allow-empty", "-m", f"c{i}")
        return repo
    return build
