"""Every commit on every ref: ``git log -p -U0 --all --full-history`` streamed, added lines only.

The command is gitleaks' (``sources/git.go``), hardened (gitcmd.py). Its output is read in 1 MiB chunks
and never held whole; each chunk is cut at its last newline and parsed with one compiled regex that
picks out only the lines that matter (commit headers, ``+++`` paths, ``@@`` hunk headers and ``+``
lines), so removed and context lines cost C time, not Python time. The added lines of one file in one
commit form one fragment, with the new-file line number of each line kept from the ``@@`` headers.

Merge commits show no diff with plain ``git log -p`` (an "evil merge" that adds a secret while
resolving a conflict is not seen); ``merges=True`` adds ``--diff-merges=first-parent``. A shallow clone
is scanned as far as it goes and says so. A git failure part-way returns what was covered plus the
error: the check reports ``error`` with the coverage, never a half-result dressed as a pass.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from launchready_tui.checks.secrets.control import Cancelled, Control
from launchready_tui.checks.secrets.engine import Match, Scanner
from launchready_tui.checks.secrets.gitcmd import GitError, c_unquote, git_base, git_env, run_git

CHUNK = 1 << 20
MAX_FRAGMENT = 32 * 1024 * 1024  # added text of one file in one commit; beyond this the rest is skipped
_SEP = "\x1f"
_FORMAT = f"--format=%x1ecommit{_SEP}%H{_SEP}%at{_SEP}%an"
_LINE = re.compile(
    r"^(?:\x1ecommit\x1f([^\n]*)"  # 1: commit header fields
    r"|diff --git [^\n]*"  # file header start
    r"|\+\+\+ ([^\n]*)"  # 2: new path (or an added line starting with "++ ", told apart by state)
    r"|@@ -[0-9,]+ \+([0-9]+)[^\n]*"  # 3: hunk header: first line number in the new file
    r"|\+([^\n]*))$",  # 4: an added line
    re.M,
)


@dataclass(slots=True)
class CommitInfo:
    sha: str
    date: str  # author date, ISO 8601 UTC
    author: str


@dataclass(slots=True)
class HistoryHit:
    commit: CommitInfo
    path: str
    match: Match  # line is the line number in the file at that commit


@dataclass(slots=True)
class HistoryScan:
    hits: list[HistoryHit] = field(default_factory=list)
    commits_total: int = 0
    commits_scanned: int = 0
    bytes_read: int = 0
    shallow: bool = False
    error: str | None = None  # set when git failed part-way
    skipped: list[str] = field(default_factory=list)


def log_command(repo: Path, merges: bool = False) -> list[str]:
    cmd = [*git_base(repo), "log", "-p", "-U0", "--all", "--full-history", "--no-color", "--no-ext-diff",
           "--no-textconv", "--diff-filter=tuxdb", _FORMAT]
    if merges:
        cmd.insert(cmd.index("--all"), "--diff-merges=first-parent")
    return cmd


def count_commits(repo: Path) -> int:
    proc = run_git(repo, "rev-list", "--all", "--count", check=False)
    try:
        return int(proc.stdout.strip() or 0)
    except ValueError:
        return 0


FragmentSink = Callable[[CommitInfo, str, list[str], list[int]], None]


class FragmentParser:
    """Turns ``git log -p`` text into fragments: (commit, path, added lines, their line numbers).

    Stateful across chunks: the current commit, file and line number survive a chunk boundary."""

    def __init__(self, sink: FragmentSink) -> None:
        self.sink = sink
        self.commits = 0
        self.oversized: list[str] = []
        self.commit: CommitInfo | None = None
        self.path: str | None = None
        self.in_header = False
        self.lines: list[str] = []
        self.numbers: list[int] = []
        self.size = 0
        self.next_line = 0

    def feed(self, text: str) -> None:
        for m in _LINE.finditer(text):
            added = m.group(4)
            if added is not None:
                if self.path is not None and not self.in_header:
                    if self.size < MAX_FRAGMENT:
                        self.lines.append(added)
                        self.numbers.append(self.next_line)
                        self.size += len(added) + 1
                    self.next_line += 1
                continue
            header = m.group(1)
            if header is not None:
                self.flush()
                sha, _, rest = header.partition(_SEP)
                at, _, author = rest.partition(_SEP)
                self.commit = CommitInfo(sha, _iso(at), author)
                self.commits += 1
                self.path = None
                continue
            new_path = m.group(2)
            if new_path is not None:
                if self.in_header:
                    self.path = None if new_path == "/dev/null" else _strip_prefix(c_unquote(new_path))
                elif self.path is not None:  # an added line whose text starts with "++ "
                    self.lines.append("++ " + new_path)
                    self.numbers.append(self.next_line)
                    self.next_line += 1
                continue
            start = m.group(3)
            if start is not None:
                self.in_header = False
                self.next_line = int(start)
                continue
            # "diff --git": a new file section
            self.flush()
            self.in_header = True
            self.path = None

    def flush(self) -> None:
        if self.lines and self.path is not None and self.commit is not None:
            if self.size >= MAX_FRAGMENT:
                self.oversized.append(f"{self.commit.sha[:7]}:{self.path} (over {MAX_FRAGMENT >> 20} MB added)")
            self.sink(self.commit, self.path, self.lines, self.numbers)
        self.lines = []
        self.numbers = []
        self.size = 0


def _strip_prefix(path: str) -> str:
    return path[2:] if path.startswith("b/") else path


def _iso(epoch: str) -> str:
    try:
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OSError, OverflowError):
        return ""


def scan_history(repo: Path, scanner: Scanner, control: Control, *, merges: bool = False) -> HistoryScan:
    """Scan every added line of every commit reachable from any ref. Raises Cancelled when stopped."""
    out = HistoryScan(commits_total=count_commits(repo))
    shallow = run_git(repo, "rev-parse", "--is-shallow-repository", check=False)
    out.shallow = shallow.stdout.strip() == b"true"
    if out.commits_total == 0:
        return out

    def scan_fragment(commit: CommitInfo, path: str, lines: list[str], numbers: list[int]) -> None:
        for match in scanner.scan("\n".join(lines), path, commit.sha):
            match.line = numbers[min(match.line - 1, len(numbers) - 1)]
            out.hits.append(HistoryHit(commit, path, match))

    parser = FragmentParser(scan_fragment)
    try:
        proc = subprocess.Popen(log_command(repo, merges), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=git_env(), bufsize=0)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    assert proc.stdout is not None and proc.stderr is not None
    pending = b""
    try:
        while True:
            if control.stopped():
                raise Cancelled()
            chunk = proc.stdout.read(CHUNK)
            if not chunk:
                break
            out.bytes_read += len(chunk)
            data = pending + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            pending = data[cut + 1:]
            parser.feed(data[:cut].decode("utf-8", "replace"))
            out.commits_scanned = parser.commits
            control.say(f"commits {out.commits_scanned} of {out.commits_total}")
        if pending:
            parser.feed(pending.decode("utf-8", "replace"))
        parser.flush()
        proc.wait(timeout=30)
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        out.skipped = parser.oversized
        if proc.returncode != 0:
            last = err.splitlines()[-1] if err else f"exit code {proc.returncode}"
            out.commits_scanned = parser.commits
            out.error = f"git log stopped after {out.commits_scanned} of {out.commits_total} commits: {last}"
        else:
            out.commits_scanned = out.commits_total  # merges without a diff are not printed, but were covered
    except BaseException:
        _kill(proc)
        raise
    finally:
        proc.stdout.close()
        proc.stderr.close()
    control.say(f"commits {out.commits_scanned} of {out.commits_total}", force=True)
    return out


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a kill that does not take is an OS problem
            pass


def secrets_at_head(repo: Path, secrets: list[str]) -> set[str]:
    """Which of ``secrets`` still appear in the files of HEAD (patterns go through stdin, not argv)."""
    wanted = [s for s in dict.fromkeys(secrets) if s and "\n" not in s]
    if not wanted:
        return set()
    try:
        proc = run_git(repo, "grep", "-F", "-o", "-h", "-I", "--no-color", "-f", "-", "HEAD", "--",
                       input_text="\n".join(wanted) + "\n", check=False, timeout=120)
    except GitError:
        return set()
    found = set(proc.stdout.decode("utf-8", "replace").splitlines())
    return {s for s in wanted if s in found}
