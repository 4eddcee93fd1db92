"""Every commit on every ref: ``git log -p -U0 --all --full-history`` streamed, added lines only.

The command is gitleaks' (``sources/git.go``), hardened (gitcmd.py). Its output is never held whole: a
reader thread drains git's pipe into a bounded buffer (at most ``BUFFER`` bytes ahead),
so git keeps computing diffs on one core while this thread parses and scans on the other — on 2 cores
the scan costs little more than git itself. Each batch is cut at its last newline and handed to
``diffparse.FragmentParser``, which turns whole file sections into fragments (the added lines of one
file in one commit, with their new-file line numbers) without a Python step per line.

On a big history with idle cores (4+ cores), the rules run in worker processes (worker.py): this
process reads and parses, the workers match batches of fragments in parallel (a keyword-dense history
is bound by the rules, and ``re`` holds the GIL, so threads would not help). The hits are the same, in
the same order; a worker that fails is replaced by scanning here.

Merge commits show no diff with plain ``git log -p`` (an "evil merge" that adds a secret while
resolving a conflict is not seen); ``merges=True`` adds ``--diff-merges=first-parent``. A shallow clone
is scanned as far as it goes and says so. A git failure part-way returns what was covered plus the
error: the check reports ``error`` with the coverage, never a half-result dressed as a pass.
"""

from __future__ import annotations

import collections
import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from launchready_tui.checks.secrets.control import Cancelled, Control
from launchready_tui.checks.secrets.diffparse import (
    LOG_FORMAT,
    MAX_FRAGMENT,
    CommitInfo,
    Fragment,
    FragmentParser,
    LineParser,
)
from launchready_tui.checks.secrets.engine import Match, Scanner
from launchready_tui.checks.secrets.gitcmd import GitError, git_base, git_env, run_git
from launchready_tui.checks.secrets.worker import ScanWorker, WorkerGone

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: pipes keep their default size
    fcntl = None  # type: ignore[assignment]

__all__ = ["CHUNK", "MAX_FRAGMENT", "CommitInfo", "Fragment", "FragmentParser", "HistoryHit", "HistoryScan",
           "LineParser", "count_commits", "log_command", "scan_history", "secrets_at_head"]

CHUNK = 1 << 20
# How far git may run ahead of the scan, in bytes: bounds memory, and lets git race through the cheap
# stretches of history (an initial import is blobs, no diffing) while the scan catches up.
BUFFER = 32 << 20
BATCH = 4 << 20  # parse up to this much at once when git is ahead (fewer, larger steps)
POLL_S = 0.2  # how often a scan waiting for git checks for cancellation
NAP_S = 0.002  # after a small read: let git's output gather in the pipe instead of waking per write
_PIPE_SIZE = 1 << 20  # ask Linux for a 1 MiB pipe so git rarely waits for the reader thread
WORKER_MIN_COMMITS = 400  # below this a worker process costs more to start than it saves
MAX_WORKERS = 4
WORKER_BATCH = 256 << 10  # characters of fragments sent to the worker at once
WORKER_PENDING = 8  # batches out at the worker before the parser waits for answers (bounds memory)


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
           "--no-textconv", "--diff-filter=tuxdb", LOG_FORMAT]
    if merges:
        cmd.insert(cmd.index("--all"), "--diff-merges=first-parent")
    return cmd


def count_commits(repo: Path) -> int:
    """Commits reachable from any ref. Raises GitError when git cannot walk them (missing or corrupt
    objects): "0 of 0 commits, no keys" would be a pass for a history nobody read."""
    return int(run_git(repo, "rev-list", "--all", "--count").stdout.strip() or 0)


def scan_history(repo: Path, scanner: Scanner, control: Control, *, merges: bool = False,
                 workers: int | None = None) -> HistoryScan:
    """Scan every added line of every commit reachable from any ref. Raises Cancelled when stopped.

    ``workers``: processes running the rules besides this one (worker.py); 0 scans here; None decides by
    history size, cores and load (worker_count)."""
    out = HistoryScan(commits_total=count_commits(repo))
    shallow = run_git(repo, "rev-parse", "--is-shallow-repository", check=False)
    out.shallow = shallow.stdout.strip() == b"true"
    if out.commits_total == 0:
        return out
    if workers is None:
        workers = worker_count(out.commits_total)
    matcher = _Matcher(scanner, out, _start_workers(scanner, workers))
    try:
        _stream(repo, merges, control, out, matcher)
    finally:
        matcher.stop()
    control.say(f"commits {out.commits_scanned} of {out.commits_total}", force=True)
    return out


def worker_count(commits: int) -> int:
    """How many worker processes pay. The engine is what bounds a keyword-dense history, and git already
    keeps one core busy: on two cores one Python process is as fast as any split (measured: the work
    moves, the wall time does not drop), so workers start only with two or more *idle* cores besides
    git's and ours, and only for a history big enough to repay their start (~0.15 s each)."""
    if commits < WORKER_MIN_COMMITS:
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this OS
        load = 0.0
    idle = int(cpus - 1 - load)  # minus git's core
    return min(idle, MAX_WORKERS) if idle >= 2 else 0


def _start_workers(scanner: Scanner, count: int) -> list[ScanWorker]:
    started: list[ScanWorker] = []
    for _ in range(count):
        try:
            started.append(ScanWorker(scanner))
        except (WorkerGone, OSError):
            break  # scanned by the ones that started, or here
    return started


class _Matcher:
    """Runs the rules over fragments, here or in worker processes (batches dealt round-robin, answers
    taken back in the order sent), and records hits in fragment order either way."""

    def __init__(self, scanner: Scanner, out: HistoryScan, workers: list[ScanWorker]) -> None:
        self.scanner = scanner
        self.out = out
        self.workers = workers
        self.turn = 0
        self.batch: list[Fragment] = []
        self.size = 0
        # sent and not answered yet, oldest first: (worker, its batch)
        self.pending: collections.deque[tuple[ScanWorker, list[Fragment]]] = collections.deque()

    def add(self, fragment: Fragment) -> None:
        if not self.workers:
            self._record(fragment, self.scanner.scan(fragment.text, fragment.path, fragment.commit.sha))
            return
        self.batch.append(fragment)
        self.size += len(fragment.text)
        if self.size >= WORKER_BATCH:
            self._send()

    def _send(self) -> None:
        batch, self.batch, self.size = self.batch, [], 0
        if not batch:
            return
        if self.workers:
            worker = self.workers[self.turn % len(self.workers)]
            self.turn += 1
            try:
                worker.submit([(f.text, f.path, f.commit.sha) for f in batch])
                self.pending.append((worker, batch))
                self.collect(block=len(self.pending) > WORKER_PENDING * len(self.workers))
                return
            except WorkerGone:
                self._fall_back()
        for f in batch:
            self.add(f)

    def collect(self, block: bool, control: Control | None = None) -> None:
        """Record the answers that are in; with ``block``, wait until the queue is short enough again."""
        while self.pending and self.workers:
            worker, batch = self.pending[0]
            try:
                answer = worker.answer(timeout=POLL_S if block else 0)
            except WorkerGone:
                self._fall_back()
                return
            if answer is None:
                if not block:
                    return
                if control is not None and control.stopped():
                    raise Cancelled()
                continue
            if len(answer) != len(batch):
                self._fall_back()
                return
            self.pending.popleft()
            for fragment, matches in zip(batch, answer, strict=True):
                self._record(fragment, matches)
            block = block and len(self.pending) > WORKER_PENDING * len(self.workers)

    def finish(self, control: Control) -> None:
        self._send()
        while self.pending and self.workers:
            self.collect(block=True, control=control)

    def stop(self) -> None:
        for worker in self.workers:
            worker.kill()
            worker.close()
        self.workers = []

    def _fall_back(self) -> None:
        """A worker is gone: every batch not answered yet is scanned here, in order (the others too:
        their answers would come back out of order)."""
        self.stop()
        unanswered = [f for _worker, batch in self.pending for f in batch]
        self.pending.clear()
        for f in unanswered:
            self.add(f)

    def _record(self, fragment: Fragment, matches: list[Match]) -> None:
        for match in matches:
            match.line = fragment.file_line(match.line)
            self.out.hits.append(HistoryHit(fragment.commit, fragment.path, match))


def _stream(repo: Path, merges: bool, control: Control, out: HistoryScan, matcher: _Matcher) -> None:
    parser = FragmentParser(matcher.add)
    try:
        proc = subprocess.Popen(log_command(repo, merges), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=git_env(), bufsize=0)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    assert proc.stdout is not None and proc.stderr is not None
    reader = _Reader(proc.stdout, proc.stderr, _widen_pipe(proc.stdout))
    pending = b""
    try:
        while True:
            if control.stopped():
                raise Cancelled()
            data = reader.next_batch()
            if data is None:
                continue  # git is still thinking: poll for cancel again
            if not data:
                break
            out.bytes_read += len(data)
            matcher.collect(block=False)
            data = pending + data if pending else data
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            pending = data[cut + 1:]
            parser.feed(data[:cut + 1].decode("utf-8", "replace"))
            out.commits_scanned = parser.commits
            control.say(f"commits {out.commits_scanned} of {out.commits_total}")
        if pending:
            parser.feed(pending.decode("utf-8", "replace"))
        parser.flush()
        matcher.finish(control)
        proc.wait(timeout=30)
        reader.join()
        err = reader.stderr_text()
        out.skipped = parser.oversized
        if proc.returncode != 0:
            last = err.splitlines()[-1] if err else f"exit code {proc.returncode}"
            out.commits_scanned = parser.commits
            out.error = f"git log stopped after {out.commits_scanned} of {out.commits_total} commits: {last}"
        else:
            out.commits_scanned = out.commits_total  # merges without a diff are not printed, but were covered
    except BaseException:
        _kill(proc)
        reader.stop()
        raise
    finally:
        reader.join()
        proc.stdout.close()
        proc.stderr.close()


class _Reader:
    """Drains git's stdout (and stderr) in background threads, holding at most BUFFER bytes it has read
    ahead of the scan. git writes a few KiB at a time: after a small read the thread naps a moment (the
    widened pipe keeps git writing meanwhile), so it wakes, and takes the GIL, a few hundred times a
    second rather than once per write."""

    def __init__(self, stdout: IO[bytes], stderr: IO[bytes], pipe_size: int) -> None:
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._eof = False
        self._done = False
        self._err: list[bytes] = []
        self._nap = NAP_S if pipe_size >= _PIPE_SIZE else 0.0
        self._out_thread = threading.Thread(target=self._pump, args=(stdout,), name="git-log-reader", daemon=True)
        self._err_thread = threading.Thread(target=self._drain_err, args=(stderr,), name="git-log-stderr",
                                            daemon=True)
        self._out_thread.start()
        self._err_thread.start()

    def _pump(self, stdout: IO[bytes]) -> None:
        while not self._stop.is_set():
            try:
                chunk = stdout.read(CHUNK)
            except (OSError, ValueError):  # the pipe was closed under us: a cancelled scan
                chunk = b""
            with self._cond:
                while self._buffered >= BUFFER and not self._stop.is_set():
                    self._cond.wait(POLL_S)
                if self._stop.is_set():
                    return
                if chunk:
                    self._chunks.append(chunk)
                    self._buffered += len(chunk)
                else:
                    self._eof = True
                self._cond.notify_all()
            if not chunk:
                return
            if len(chunk) < CHUNK // 4 and self._nap:
                time.sleep(self._nap)

    def _drain_err(self, stderr: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stderr.read(65536):
                if sum(map(len, self._err)) < 1 << 20:  # keep the first MiB: enough for the last line
                    self._err.append(chunk)

    def next_batch(self) -> bytes | None:
        """Everything read so far (up to BATCH bytes) joined; b"" at the end; None if nothing came in time."""
        if self._done:
            return b""
        with self._cond:
            if not self._chunks and not self._eof:
                self._cond.wait(POLL_S)
            if not self._chunks:
                if self._eof:
                    self._done = True
                    return b""
                return None
            parts, size = [], 0
            while self._chunks and size < BATCH:
                part = self._chunks.popleft()
                parts.append(part)
                size += len(part)
            self._buffered -= size
            self._cond.notify_all()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def join(self) -> None:
        self._out_thread.join(timeout=5)
        self._err_thread.join(timeout=5)

    def stderr_text(self) -> str:
        return b"".join(self._err).decode("utf-8", "replace").strip()


def _widen_pipe(stream: IO[bytes]) -> int:
    """Ask Linux for a 1 MiB pipe; the size we got (0 when unknown)."""
    if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):  # over /proc/sys/fs/pipe-max-size, or not a pipe: keep the default
            return int(fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE))
    return 0


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
