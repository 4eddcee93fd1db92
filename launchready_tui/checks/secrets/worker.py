"""Worker processes that run the rules for the history scan, so matching can use the machine's idle cores.

Why: on a history where nearly every line holds a rule keyword, the scan is bound by the rules in one
Python thread (profiled on the dense benchmark: ~90 % engine — keyword pass, anchored regexes, entropy,
allowlists — and under 10 % parsing git's output). Threads do not help (``re`` holds the GIL), so the
rules run in child processes fed with batches of fragments while this process reads and parses. On two
cores git already takes one, so a split only moves the work (measured: +10 % CPU, same wall time);
history.worker_count starts workers only with two or more idle cores.

Protocol (stdin/stdout of ``python -m launchready_tui.checks.secrets.worker``, length-prefixed pickles,
parent and child of the same installed package): first the rule set's recipe and the scanner options,
then batches ``[(text, path, commit), …]``; for each batch the child answers, in order, one list of
match tuples per fragment. The child's stderr is discarded (nothing it could say may carry a secret);
if it dies or answers nonsense, the parent scans the unanswered batches itself, so a broken worker costs
time, never findings. Cancel kills it by its pid.

Hand-written over ``multiprocessing``/``concurrent.futures`` because those start a child by re-importing
the parent's ``__main__`` (the CLI or the TUI) and give no handle to kill a worker busy with a batch.
"""

from __future__ import annotations

import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

from launchready_tui.checks.secrets.engine import Match, Scanner

_LEN = struct.Struct(">Q")
_FIELDS = ("secret", "start", "end", "secret_start", "line", "column", "line_text", "text", "encoding", "depth",
           "encoded")
Batch = list[tuple[str, str | None, str | None]]
MatchRow = tuple[Any, ...]


class WorkerGone(Exception):
    """The child stopped answering: the caller scans the rest itself."""


def _send(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LEN.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        raise EOFError
    (size,) = _LEN.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - our own child process, same package, over a private pipe


def to_row(m: Match) -> MatchRow:
    return (m.rule.id, *(getattr(m, f) for f in _FIELDS))


def from_row(row: MatchRow, scanner: Scanner) -> Match:
    rule = scanner.by_id[row[0]]  # KeyError: a rule set that differs from ours (caught by the caller)
    return Match(rule, **dict(zip(_FIELDS, row[1:], strict=True)))


class ScanWorker:
    """The parent's handle: ``submit`` batches, ``results`` yields the answers in submission order."""

    def __init__(self, scanner: Scanner) -> None:
        if not scanner.ruleset.recipe:
            raise WorkerGone("this rule set cannot be rebuilt in a worker")
        self.scanner = scanner
        self._answers: queue.Queue[object] = queue.Queue()
        self.proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._thread = threading.Thread(target=self._read, args=(self.proc.stdout,), name="secrets-worker-reader",
                                        daemon=True)
        self._thread.start()
        try:
            _send(self.proc.stdin, (scanner.ruleset.recipe, scanner.decode_depth, scanner.use_automaton))
        except OSError as exc:
            self.close()
            raise WorkerGone(str(exc)) from None

    def _read(self, stdout: IO[bytes]) -> None:
        while True:
            try:
                answer = _receive(stdout)
            except Exception:  # EOF, a torn pickle, a closed pipe: the worker is gone
                self._answers.put(None)
                return
            self._answers.put(answer)

    def submit(self, batch: Batch) -> None:
        try:
            assert self.proc.stdin is not None
            _send(self.proc.stdin, batch)
        except (OSError, ValueError) as exc:
            raise WorkerGone(str(exc)) from None

    def answer(self, timeout: float | None = None) -> list[list[Match]] | None:
        """The next batch's matches (per fragment); None if not there within ``timeout``."""
        try:
            rows = self._answers.get(timeout=timeout)
        except queue.Empty:
            return None
        if not isinstance(rows, list):
            raise WorkerGone("the worker stopped")
        try:
            return [[from_row(r, self.scanner) for r in per] for per in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise WorkerGone(f"unexpected answer: {type(exc).__name__}") from None

    def close(self) -> None:
        """Ask the child to finish (end of input), or kill it when it does not within a moment."""
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
        self._thread.join(timeout=2)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - a kill that does not take is an OS problem
                pass


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child: rebuild the scanner, then answer batches until the parent closes our stdin."""
    from launchready_tui.checks.secrets.rules import ruleset_from_recipe

    recipe, decode_depth, use_automaton = _receive(stdin)
    scanner = Scanner(ruleset_from_recipe(recipe), decode_depth=decode_depth, use_automaton=use_automaton)
    for batch in _batches(stdin):
        _send(stdout, [[to_row(m) for m in scanner.scan(text, path, commit)] for text, path, commit in batch])


def _batches(stdin: IO[bytes]) -> Iterator[Batch]:
    while True:
        try:
            yield _receive(stdin)
        except EOFError:
            return


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
