"""``git log -p -U0`` text -> fragments: the added lines of one file in one commit, with their line numbers.

Two parsers, one answer (tests compare them on real repositories):
* ``FragmentParser`` (used by scans) works a whole file section at a time: ``str.find`` locates commit
  and section starts, one compiled ``findall`` collects the section's ``+`` lines, and the new-file
  line numbers are worked out from the ``@@`` headers only when a rule matched in that fragment. No
  Python step runs per line.
* ``LineParser`` is the line-by-line reference. The fast parser streams a section too big to hold in
  memory (``SECTION_CAP``) through it, with the ``MAX_FRAGMENT`` cap on what is kept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from launchready_tui.checks.secrets.gitcmd import c_unquote

MAX_FRAGMENT = 32 * 1024 * 1024  # added text of one file in one commit; beyond this the rest is skipped
SECTION_CAP = 8 * 1024 * 1024  # a file section bigger than this is streamed line by line instead
SEP = "\x1f"
COMMIT_MARK = "\x1ecommit" + SEP
LOG_FORMAT = f"--format=%x1ecommit{SEP}%H{SEP}%at{SEP}%an"
_DIFF_MARK = "diff --git "
_NL_COMMIT = "\n" + COMMIT_MARK
_NL_DIFF = "\n" + _DIFF_MARK
_HUNK_HEAD = re.compile(r"\n@@ -[0-9,]+ \+([0-9]+)[^\n]*")  # a hunk header: first line number in the new file
_ADDED = re.compile(r"\n\+([^\n]*)")  # an added line (the section text starts at a header, never at a "+")
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
class Fragment:
    """The added lines of one file in one commit, joined with newlines."""

    commit: CommitInfo
    path: str
    text: str
    runs: list[tuple[int, int]] | None = None  # (first fragment line, its file line) per hunk; None: from hunks
    hunks: str = ""  # the section from its first hunk header on, to number lines only when something matched
    last_line: int = -1  # index of the last line, counted on first use

    def file_line(self, line: int) -> int:
        """The line number in the file of 1-based fragment line ``line``."""
        if self.runs is None:
            self.runs = _runs(self.hunks)
        if not self.runs:
            return line
        if self.last_line < 0:
            self.last_line = self.text.count("\n")
        index = max(0, min(line - 1, self.last_line))
        first, number = self.runs[bisect.bisect_right(self.runs, (index, float("inf"))) - 1]
        return number + index - first


def _runs(hunks: str) -> list[tuple[int, int]]:
    runs = []
    seen = 0
    heads = list(_HUNK_HEAD.finditer(hunks))
    for i, head in enumerate(heads):
        body_end = heads[i + 1].start() if i + 1 < len(heads) else len(hunks)
        added = hunks.count("\n+", head.end(), body_end)
        if added:
            runs.append((seen, int(head.group(1))))
            seen += added
    return runs


FragmentSink = Callable[[Fragment], None]


def commit_of(fields: str) -> CommitInfo:
    sha, _, rest = fields.partition(SEP)
    at, _, author = rest.partition(SEP)
    return CommitInfo(sha, _iso(at), author)


def _iso(epoch: str) -> str:
    try:
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OSError, OverflowError):
        return ""


def _strip_prefix(path: str) -> str:
    return path[2:] if path.startswith("b/") else path


class LineParser:
    """The reference parser: one compiled regex picks out the lines that matter, state carries across
    chunks (current commit, file and line number); a fragment over MAX_FRAGMENT keeps its first part."""

    def __init__(self, sink: FragmentSink, commit: CommitInfo | None = None) -> None:
        self.sink = sink
        self.commits = 0
        self.oversized: list[str] = []
        self.commit = commit
        self.path: str | None = None
        self.in_header = False
        self.lines: list[str] = []
        self.runs: list[tuple[int, int]] = []
        self.size = 0
        self.next_line = 0

    def _add(self, text: str) -> None:
        if self.size < MAX_FRAGMENT:
            n = len(self.lines)
            if not self.runs or self.runs[-1][1] + n - self.runs[-1][0] != self.next_line:
                self.runs.append((n, self.next_line))
            self.lines.append(text)
            self.size += len(text) + 1
        self.next_line += 1

    def feed(self, text: str) -> None:
        for m in _LINE.finditer(text):
            added = m.group(4)
            if added is not None:
                if self.path is not None and not self.in_header:
                    self._add(added)
                continue
            header = m.group(1)
            if header is not None:
                self.flush()
                self.commit = commit_of(header)
                self.commits += 1
                self.path = None
                continue
            new_path = m.group(2)
            if new_path is not None:
                if self.in_header:
                    self.path = None if new_path == "/dev/null" else _strip_prefix(c_unquote(new_path))
                elif self.path is not None:  # an added line whose text starts with "++ "
                    self._add("++ " + new_path)
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
            self.sink(Fragment(self.commit, self.path, "\n".join(self.lines), self.runs))
        self.lines = []
        self.runs = []
        self.size = 0


class FragmentParser:
    """The fast parser. ``feed`` takes text made of whole lines; ``flush`` at the end of the stream."""

    def __init__(self, sink: FragmentSink, section_cap: int = SECTION_CAP) -> None:
        self.sink = sink
        self.section_cap = section_cap
        self.commits = 0
        self.oversized: list[str] = []
        self.commit: CommitInfo | None = None
        self.pending = ""  # from the last marker on: a section (or header) that may continue in the next feed
        self.streaming: LineParser | None = None  # a section over section_cap, being streamed

    def feed(self, text: str) -> None:
        if self.streaming is not None:
            at = _first_marker(text)
            if at < 0:
                self.streaming.feed(text)
                return
            self.streaming.feed(text[:at])
            self._end_streaming()
            text = text[at:]
        buf = self.pending + text if self.pending else text
        cut = _last_marker(buf)
        if cut > 0:
            self._blocks(buf[:cut])
            buf = buf[cut:]
        self.pending = buf
        if len(buf) > self.section_cap:
            self.pending = ""
            self.streaming = LineParser(self.sink, self.commit)
            self.streaming.feed(buf)

    def flush(self) -> None:
        if self.streaming is not None:
            self._end_streaming()
        if self.pending:
            self._blocks(self.pending)
            self.pending = ""

    def _end_streaming(self) -> None:
        slow = self.streaming
        assert slow is not None
        slow.flush()
        self.commits += slow.commits
        self.commit = slow.commit
        self.oversized += slow.oversized
        self.streaming = None

    def _blocks(self, text: str) -> None:
        """Complete commit headers and file sections, in order."""
        n = len(text)
        next_commit = _find_or_end(text, _NL_COMMIT, 0)
        next_diff = _find_or_end(text, _NL_DIFF, 0)
        pos = 0
        while pos < n:
            while next_commit < pos:
                next_commit = _find_or_end(text, _NL_COMMIT, next_commit + 1)
            while next_diff < pos:
                next_diff = _find_or_end(text, _NL_DIFF, next_diff + 1)
            end = min(next_commit, next_diff)  # where the next block's newline is
            if text.startswith(COMMIT_MARK, pos):
                line_end = text.find("\n", pos)
                self.commit = commit_of(text[pos + len(COMMIT_MARK):line_end if 0 <= line_end < end else end])
                self.commits += 1
            elif text.startswith(_DIFF_MARK, pos) and self.commit is not None:
                self._section(text[pos:end])
            pos = end + 1

    def _section(self, block: str) -> None:
        """One ``diff --git`` section: the header names the file, every ``+`` line after it is added text."""
        first = _HUNK_HEAD.search(block)
        if first is None:
            return  # binary, mode change or pure rename: nothing added
        header = block[:first.start()]
        at = header.rfind("\n+++ ")
        if at < 0:
            return
        line_end = header.find("\n", at + 5)
        raw_path = header[at + 5:] if line_end < 0 else header[at + 5:line_end]
        if raw_path == "/dev/null":
            return
        hunks = block[first.start():]
        added = _ADDED.findall(hunks)
        if added and self.commit is not None:
            self.sink(Fragment(self.commit, _strip_prefix(c_unquote(raw_path)), "\n".join(added), hunks=hunks))


def _find_or_end(text: str, needle: str, start: int) -> int:
    at = text.find(needle, start)
    return len(text) if at < 0 else at


def _first_marker(text: str) -> int:
    """Offset of the first line that starts a commit or a file section, or -1."""
    if text.startswith((COMMIT_MARK, _DIFF_MARK)):
        return 0
    found = [i + 1 for i in (text.find(_NL_COMMIT), text.find(_NL_DIFF)) if i >= 0]
    return min(found) if found else -1


def _last_marker(text: str) -> int:
    """Offset of the last line that starts a commit or a file section (0 when only the first does)."""
    return max(text.rfind(_NL_COMMIT), text.rfind(_NL_DIFF)) + 1
