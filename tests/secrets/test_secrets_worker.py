"""The history scan's worker processes (worker.py): same hits as scanning in-process, in the same order;
a worker that dies part-way costs time, never findings; cancel kills them; rule sets they cannot rebuild
are scanned in-process."""

from __future__ import annotations

import base64
import random
import string
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from launchready_tui.checks.secrets import history
from launchready_tui.checks.secrets.control import Cancelled, Control
from launchready_tui.checks.secrets.engine import Scanner
from launchready_tui.checks.secrets.history import scan_history
from launchready_tui.checks.secrets.rules import RuleSet, build_ruleset, builtin_ruleset, ruleset_from_recipe
from launchready_tui.checks.secrets.worker import ScanWorker

ALNUM = string.ascii_letters + string.digits


def _key(rng: random.Random, prefix: str, n: int) -> str:
    return prefix + "".join(rng.choice(ALNUM) for _ in range(n))


def _busy_repo(make_repo: Callable[..., Path], commits: int = 40) -> Path:
    """Keyword-dense lines, provider keys, an encoded key and a custom token, spread over many commits."""
    rng = random.Random(11)
    words = ["token", "apiKey", "secret", "password", "auth", "const", "user", "value"]
    snapshots = []
    for c in range(commits):
        lines = [f"  {' '.join(rng.choice(words) for _ in range(4))} = '{_key(rng, '', rng.randint(8, 20))}';"
                 for _ in range(30)]
        if c % 7 == 0:
            lines.append(f"stripe('{_key(rng, 'sk_' + 'live_', 30)}')")
        if c % 11 == 0:
            lines.append("ENV: " + base64.b64encode(f"GITHUB_TOKEN={_key(rng, 'ghp' + '_', 36)}\n".encode()).decode())
        if c % 5 == 0:
            lines.append(f"acme = 'ACME-{_key(rng, '', 24)}'")
        snapshots.append({f"src/m{c % 4}.js": "\n".join(lines) + "\n"})
    return make_repo(*snapshots)


def _hits(scan: history.HistoryScan) -> list[tuple[object, ...]]:
    return [(h.commit.sha, h.path, h.match.rule.id, h.match.secret, h.match.line, h.match.column, h.match.start,
             h.match.depth, h.match.encoding, h.match.line_text) for h in scan.hits]


ACME = '[[rules]]\nid = "acme-token"\nregex = \'\'\'ACME-[A-Za-z0-9]{24}\'\'\'\nkeywords = ["acme-"]\n'


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # many small batches and a short queue: exercises batching, back-pressure and ordering on a small repo
    monkeypatch.setattr(history, "WORKER_BATCH", 2000)
    monkeypatch.setattr(history, "WORKER_PENDING", 2)


def test_worker_finds_exactly_what_the_in_process_scan_finds(make_repo: Callable[..., Path],
                                                             small_batches: None) -> None:
    repo = _busy_repo(make_repo)
    scanner = Scanner(build_ruleset([("acme.toml", ACME)]))  # a user rule file: rebuilt in the worker
    here = scan_history(repo, scanner, Control(), workers=0)
    there = scan_history(repo, scanner, Control(), workers=2)
    rules = {h.match.rule.id for h in here.hits}
    assert {"generic-api-key", "stripe-access-token", "github-pat", "acme-token"} <= rules
    assert any(h.match.depth == 1 for h in here.hits)  # the base64 one
    assert _hits(there) == _hits(here) and there.commits_scanned == here.commits_scanned == 40


def test_a_worker_that_dies_part_way_costs_no_findings(make_repo: Callable[..., Path], small_batches: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _busy_repo(make_repo)
    scanner = Scanner(builtin_ruleset())
    expected = _hits(scan_history(repo, scanner, Control(), workers=0))
    sent = [0]
    real_submit = ScanWorker.submit

    def submit_then_die(self: ScanWorker, batch: list[tuple[str, str | None, str | None]]) -> None:
        real_submit(self, batch)
        sent[0] += 1
        if sent[0] == 3:
            self.proc.kill()  # the child vanishes with batches still unanswered

    monkeypatch.setattr(ScanWorker, "submit", submit_then_die)
    assert _hits(scan_history(repo, scanner, Control(), workers=2)) == expected and sent[0] >= 3


def test_cancel_kills_the_worker(make_repo: Callable[..., Path], small_batches: None,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _busy_repo(make_repo)
    started: list[ScanWorker] = []
    real_init = ScanWorker.__init__

    def remember(self: ScanWorker, scanner: Scanner) -> None:
        real_init(self, scanner)
        started.append(self)

    monkeypatch.setattr(ScanWorker, "__init__", remember)
    stop = Control()
    real_collect = history._Matcher.collect

    def collect_then_stop(self: history._Matcher, block: bool, control: Control | None = None) -> None:
        real_collect(self, block, control)
        if self.pending:
            stop.stop.set()  # cancelled while batches are out at the worker

    monkeypatch.setattr(history._Matcher, "collect", collect_then_stop)
    with pytest.raises(Cancelled):
        scan_history(repo, Scanner(builtin_ruleset()), stop, workers=2)
    assert started and all(w.proc.poll() is not None for w in started)


def test_rule_sets_without_a_recipe_are_scanned_in_process(make_repo: Callable[..., Path]) -> None:
    repo = _busy_repo(make_repo, commits=5)
    base = builtin_ruleset()
    bare = RuleSet(base.rules, base.allowlists, base.sources, base.meta)  # assembled by hand: no recipe
    scan = scan_history(repo, Scanner(bare), Control(), workers=2)
    assert _hits(scan) == _hits(scan_history(repo, Scanner(base), Control(), workers=0))


def test_recipes_rebuild_the_same_rules() -> None:
    for rs in (builtin_ruleset(), build_ruleset([("acme.toml", ACME)]), build_ruleset(base=None)):
        again = ruleset_from_recipe(rs.recipe)
        assert [r.id for r in again.rules] == [r.id for r in rs.rules]
        assert [r.regex.pattern if r.regex else None for r in again.rules] == \
               [r.regex.pattern if r.regex else None for r in rs.rules]


def test_auto_mode_needs_a_big_history_and_idle_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    def machine(cpus: int, load: float) -> None:
        monkeypatch.setattr(history.os, "sched_getaffinity", lambda _pid: set(range(cpus)), raising=False)
        monkeypatch.setattr(history.os, "getloadavg", lambda: (load, load, load))

    machine(8, 0.3)
    assert history.worker_count(5000) == history.MAX_WORKERS and history.worker_count(10) == 0
    machine(4, 0.5)
    assert history.worker_count(5000) == 2
    machine(2, 0.0)  # git takes one core, we the other: a split would only move the work
    assert history.worker_count(5000) == 0
    machine(8, 6.5)  # busy with other work
    assert history.worker_count(5000) == 0


def test_worker_threads_do_not_outlive_the_scan(make_repo: Callable[..., Path]) -> None:
    repo = _busy_repo(make_repo, commits=8)
    before = {t.name for t in threading.enumerate()}
    scan_history(repo, Scanner(builtin_ruleset()), Control(), workers=2)
    assert "secrets-worker-reader" not in {t.name for t in threading.enumerate()} - before
