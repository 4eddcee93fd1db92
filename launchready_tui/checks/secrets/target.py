"""Which repository the stage-4 checks look at, and the options the CLI passes down.

``repo:`` in the project file (relative to the file's folder); without it, the project's own folder when
it is a git checkout. ``ctx.options.extra`` may carry ``secrets_rules`` (extra rule files, from
``launchready secrets --rules``) and ``secrets_merges`` (scan merge commits' first-parent diffs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from launchready_tui.checks.secrets.gitcmd import repo_root

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext


@dataclass(frozen=True, slots=True)
class RepoTarget:
    path: Path | None  # None: nothing to scan (reason says why)
    git_root: Path | None
    reason: str = ""
    missing: bool = False  # the configured folder does not exist: an input error, not "skipped"


def repo_target(ctx: CheckContext) -> RepoTarget:
    configured = ctx.project.repo
    if configured:
        path = ctx.resolve_path(configured)
        assert path is not None
        if not path.exists():
            return RepoTarget(None, None, f"the repo folder {path} (repo: in the project file) does not exist",
                              missing=True)
        if not path.is_dir():
            return RepoTarget(None, None, f"repo: {path} is a file, not a folder", missing=True)
        return RepoTarget(path, repo_root(path))
    root = repo_root(ctx.project_dir)
    if root is None:
        return RepoTarget(None, None, "no repository to scan: add `repo: .` (or a path) to the project file")
    return RepoTarget(root, root)


def extra_rule_files(ctx: CheckContext) -> list[Path]:
    return [Path(p) for p in ctx.options.extra.get("secrets_rules", [])]
