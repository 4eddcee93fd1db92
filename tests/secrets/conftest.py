"""Fixtures for the secrets tests: the gitleaks fixture repo with dotGit renamed, git repo builders."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from secrets_helpers import DATA, git


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
