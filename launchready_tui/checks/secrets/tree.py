"""The working tree scan: tracked files plus untracked files that are not ignored, read from disk.

Which files: in a git repository, ``git ls-files --cached --others --exclude-standard`` (exactly what git
would let you commit, so ``.gitignore``, ``.git/info/exclude`` and the global excludes apply) and the same
inside initialised submodules; in a plain folder, a walk honouring the root ``.gitignore`` (``pathspec``,
the library black and pre-commit use for gitignore matching). Skipped, and reported as skipped: files
over the size cap, binaries (a NUL byte in the first 8 KiB), symlinks, paths on the rules' global
allowlist (images, fonts, lockfiles, ``node_modules``) and files that vanished or cannot be read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from launchready_tui.checks.secrets.control import Control
from launchready_tui.checks.secrets.engine import Match, Scanner
from launchready_tui.checks.secrets.gitcmd import GitError, repo_root, run_git

MAX_FILE_BYTES = 8 * 1024 * 1024
_SNIFF = 8192
_ALWAYS_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox",
                               ".mypy_cache", ".ruff_cache", ".pytest_cache", ".next/cache"})
_MAX_SUBMODULE_DEPTH = 3


@dataclass(slots=True)
class TreeScan:
    root: Path
    git: bool
    matches: list[tuple[str, Match]] = field(default_factory=list)  # (relative path, match)
    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> paths
    submodules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, reason: str, path: str) -> None:
        self.skipped.setdefault(reason, []).append(path)


def list_git_files(repo: Path, depth: int = 0) -> tuple[list[str], list[str]]:
    """(files, submodule paths) relative to ``repo``; checked-out submodules are listed recursively."""
    proc = run_git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate",
                   timeout=120)
    files: list[str] = []
    subs: list[str] = []
    for raw in proc.stdout.split(b"\0"):
        if not raw:
            continue
        rel = raw.decode("utf-8", "replace")
        full = repo / rel
        if full.is_dir() and not full.is_symlink():  # a gitlink: a submodule
            subs.append(rel)
            if depth < _MAX_SUBMODULE_DEPTH and (full / ".git").exists():
                try:
                    sub_files, sub_subs = list_git_files(full, depth + 1)
                except GitError:
                    continue
                files += [f"{rel}/{f}" for f in sub_files]
                subs += [f"{rel}/{s}" for s in sub_subs]
            continue
        files.append(rel)
    return files, subs


def list_plain_files(root: Path) -> list[str]:
    """A folder that is not a git repository: walk it, honouring its root .gitignore."""
    import pathspec  # imported here: only plain folders need it

    spec = None
    ignore = root / ".gitignore"
    if ignore.is_file():
        spec = pathspec.GitIgnoreSpec.from_lines(ignore.read_text(encoding="utf-8", errors="replace").splitlines())
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        dirnames[:] = sorted(d for d in dirnames if d not in _ALWAYS_SKIP_DIRS
                             and not (spec and spec.match_file(rel_dir + d + "/")))
        for name in sorted(filenames):
            rel = rel_dir + name
            if spec and spec.match_file(rel):
                continue
            out.append(rel)
    return out


def scan_tree(path: Path, scanner: Scanner, control: Control, max_bytes: int = MAX_FILE_BYTES) -> TreeScan:
    top = repo_root(path)
    if top is not None:
        result = TreeScan(top, True)
        files, result.submodules = list_git_files(top)
        if path.resolve() != top.resolve():  # a sub-folder of a repository: only that folder
            rel = path.resolve().relative_to(top.resolve()).as_posix() + "/"
            files = [f for f in files if f.startswith(rel)]
    else:
        result = TreeScan(path, False)
        result.notes.append(f"{path} is not a git repository: scanned the folder, honouring its .gitignore")
        files = list_plain_files(path)
    total = len(files)
    for i, rel in enumerate(files):
        if i % 64 == 0:
            control.check()
            control.say(f"files {i} of {total}")
        _scan_file(result, rel, scanner, max_bytes)
    control.say(f"files {total} of {total}", force=True)
    return result


def _scan_file(result: TreeScan, rel: str, scanner: Scanner, max_bytes: int) -> None:
    full = result.root / rel
    if scanner.path_skipped(rel):
        result.skip("allowlisted path (lockfile, image, vendored code)", rel)
        return
    try:
        st = full.lstat()
    except OSError:
        result.skip("missing or unreadable", rel)
        return
    if not _is_regular(st.st_mode):
        result.skip("symlink or special file", rel)
        return
    for rule in scanner.path_findings(rel):
        result.matches.append((rel, Match(rule, rel, 0, 0, 0, 1, 1, "", rel)))
    if st.st_size > max_bytes:
        result.skip(f"larger than {max_bytes // (1024 * 1024)} MB", rel)
        return
    try:
        with full.open("rb") as fh:
            head = fh.read(_SNIFF)
            if b"\0" in head:
                result.skip("binary", rel)
                return
            data = head + fh.read(max_bytes)
    except OSError:
        result.skip("missing or unreadable", rel)
        return
    result.files_scanned += 1
    result.bytes_scanned += len(data)
    text = data.decode("utf-8", "replace")
    for m in scanner.scan(text, rel):
        result.matches.append((rel, m))


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)
