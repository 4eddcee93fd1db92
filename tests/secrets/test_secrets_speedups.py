"""The fast paths give the same answers as the plain ones: anchored rule matching vs ``finditer``, the
stopword automaton vs the loop, the section parser vs the line-by-line reference parser."""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secrets_helpers import GIT_ENV, git

from launchready_tui.checks.secrets.anchors import Anchor, analyse, anchored_finditer
from launchready_tui.checks.secrets.control import Cancelled, Control
from launchready_tui.checks.secrets.diffparse import Fragment, FragmentParser, LineParser
from launchready_tui.checks.secrets.engine import WINDOW_MODE_MIN, Scanner, lower_same_length
from launchready_tui.checks.secrets.history import log_command, scan_history
from launchready_tui.checks.secrets.rules import Rule, builtin_ruleset, ruleset_from_text

EXAMPLES: dict[str, list[str]] = {}
for _row in (Path(__file__).parent / "data" / "gitleaks" / "rule_examples_static.jsonl").read_text().splitlines():
    _example = json.loads(_row)
    EXAMPLES.setdefault(_example["rule_id"], []).append(_example["text"])
RULESETS = {name: builtin_ruleset(name) for name in ("launchready.toml", "gitleaks.toml")}
ANCHORED = [(r, a) for rs in RULESETS.values() for r in rs.rules if r.regex is not None
            and (a := analyse(r.regex)) is not None]
TOKENS = ["=", " = ", ": ", "=>", "||", ":=", "?=", ",", "'", '"', "`", ";", "\n", "\r\n", " ", "\t", ".", "-", "_",
          "\\n", "(", ")", "{", "}", "/", "+", "İ", "é", "K", "x", "0"]


def _hits(rule_literals: tuple[str, ...], text: str) -> list[int]:
    low = lower_same_length(text)
    out = set()
    for lit in rule_literals:
        at = low.find(lit)
        while at >= 0:
            out.add(at)
            at = low.find(lit, at + 1)
    return sorted(out)


def _same(rule: Rule, text: str) -> int:
    anchor = analyse(rule.regex)  # type: ignore[arg-type]
    assert anchor is not None and rule.regex is not None
    want = [(m.span(), m.groups()) for m in rule.regex.finditer(text)]
    got = [(m.span(), m.groups()) for m in anchored_finditer(rule.regex, anchor, text, _hits(anchor.literals, text))]
    assert got == want, (rule.id, text)
    return len(want)


def _assignment(rng: random.Random, literal: str) -> str:
    """``<ident>LITERAL<ident> = "value"``-shaped text with random spacing, operators, quotes and values."""
    ident = "".join(rng.choice("abcXYZ_.-09") for _ in range(rng.choice([0, 0, 3, 20, 60])))
    tail = "".join(rng.choice("_.-aB") for _ in range(rng.choice([0, 2, 25])))
    op = rng.choice(["=", ":", "=>", ":=", "||", "?=", ",", ">", ":::="])
    quote = rng.choice(["", "'", '"', "`"])
    alphabet = rng.choice(["0123456789abcdef", "abcdefghijklmnopqrstuvwxyz0123456789", "ABCDEFGH0123456789abcdef",
                           "aZ09+/=_-.", "0123456789"])
    size = rng.choice([8, 20, 24, 32, 36, 40, 45, 64, 70]) if rng.random() < 0.5 else rng.randint(6, 100)
    value = "".join(rng.choice(alphabet) for _ in range(size))
    if rng.random() < 0.3:
        value = rng.choice(["NRAK-", "key-", "pk.", "sk-", "NRJS-", "pubkey-"]) + value
    return (ident + rng.choice([literal, literal.upper(), literal.title()]) + tail + rng.choice(["", " ", "\t", "'"])
            + op + rng.choice(["", " "]) + quote + value + quote + rng.choice(["", ";", "\n", " ", "\\n", "x"]))


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(TOKENS + ["", "a", "Z9"]) + text[at + rng.choice([0, 0, 1, 5]):]
    return text


def _text(rng: random.Random, literals: tuple[str, ...], examples: list[str] = ()) -> str:  # type: ignore[assignment]
    parts = []
    for _ in range(rng.randint(1, 30)):
        roll = rng.random()
        if examples and roll < 0.15:
            parts.append(_mutate(rng, rng.choice(examples)))  # gitleaks' own labelled examples for the rule
        elif roll < 0.35:
            parts.append(_assignment(rng, rng.choice(literals)))
        elif roll < 0.45:
            parts.append(rng.choice(literals))
        elif roll < 0.75:
            parts.append(rng.choice(TOKENS))
        else:
            alphabet = rng.choice(["abcdef0123456789", "ABCDEFGHJKLMNPQRSTUVWXYZ234567", "aZ09+/=", "xyz_.-"])
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 70))))
    return "".join(parts)


def test_lazy_prefix_rules_are_recognised() -> None:
    ids = {r.id for r, _a in ANCHORED}
    assert "generic-api-key" in ids and "cohere-api-token" in ids
    assert len([r for r, _a in ANCHORED if r.source.endswith("gitleaks.toml")]) >= 100
    generic = next(a for r, a in ANCHORED if r.id == "generic-api-key")
    assert set(generic.literals) == {"access", "api", "auth", "credential", "creds", "key", "passwd", "password",
                                     "secret", "token"}
    assert generic.reach == 50
    not_template = ruleset_from_text(
        '[[rules]]\nid = "a"\nregex = \'\'\'[\\w.-]{1,50}?(?:key)=(\\w+)\'\'\'\n'  # prefix must be optional
        '[[rules]]\nid = "b"\nregex = \'\'\'[\\w.-]*?(?:key)=(\\w+)\'\'\'\n'  # unbounded
        '[[rules]]\nid = "c"\nregex = \'\'\'[\\w.-]{0,50}?(?:k|key)=(\\w+)\'\'\'\n'  # a one-letter literal
        '[[rules]]\nid = "d"\nregex = \'\'\'[\\w.-]{0,50}?key=(\\w+)|token=(\\w+)\'\'\'\n')  # top-level branch
    assert [analyse(r.regex) for r in not_template.rules] == [None] * 4  # type: ignore[arg-type]


def test_anchored_matching_equals_finditer_on_a_seeded_corpus() -> None:
    """Every anchored rule of both rule sets, 60 texts each, built from its literals, assignment-shaped
    noise and gitleaks' labelled examples: same matches, same groups, in the same order."""
    rng = random.Random(20260102)
    rules_matched = total = 0
    for rule, anchor in ANCHORED:
        found = sum(_same(rule, _text(rng, anchor.literals, EXAMPLES.get(rule.id, []))) for _ in range(60))
        rules_matched += found > 0
        total += found
    assert rules_matched >= 60 and total >= 800  # measured 73 rules, 1,016 matches: the corpus really matches


@pytest.mark.parametrize(("rule", "anchor"), ANCHORED, ids=[f"{r.source.split()[-1]}:{r.id}" for r, _a in ANCHORED])
def test_anchored_matching_equals_finditer_on_generated_matches(rule: Rule, anchor: Anchor) -> None:
    """Texts that contain a match of the rule (hypothesis' ``from_regex``), with literals and punctuation
    around it: the anchored run finds exactly what finditer finds."""
    assert rule.regex is not None
    matched = []

    @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(rule.regex), st.lists(st.sampled_from(TOKENS + list(anchor.literals)), max_size=6),
           st.lists(st.sampled_from(TOKENS), max_size=6))
    def check(core: str, before: list[str], after: list[str]) -> None:
        matched.append(_same(rule, "".join(before) + core + "".join(after)))

    check()
    assert sum(matched) > 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ANCHORED), st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12),
                                                     st.sampled_from(["api", "KEY", "token", "Secret", "passwd",
                                                                      "aB3dE5fG7hJ9kLmN2pQ4rS6t", "cohere"])),
                                           max_size=40))
def test_anchored_matching_equals_finditer_on_arbitrary_text(pick: tuple[Rule, Anchor], parts: list[str]) -> None:
    _same(pick[0], "".join(parts))


def test_offsets_survive_unicode_lower_casing() -> None:
    """'İ'.lower() is two characters: keyword offsets must still point into the original text."""
    key = "aB3dE5fG7hJ9kLmN2pQ4rS6tU8"
    text = "İİİ ÉTÉ\nconst api_key = '" + key + "'\nİ token: \"" + key[::-1] + "\""
    assert len(text.lower()) != len(text)
    scanner = Scanner(RULESETS["launchready.toml"])
    plain = Scanner(RULESETS["launchready.toml"])
    for plan in plain.plans.values():
        plan.anchor = None  # force plain finditer
    fast = [(m.rule.id, m.secret, m.start, m.line) for m in scanner.scan(text)]
    slow = [(m.rule.id, m.secret, m.start, m.line) for m in plain.scan(text)]
    assert fast == slow and ("generic-api-key", key, text.index("api_key"), 2) in fast


def test_big_text_runs_anchored_rules_exactly() -> None:
    """In window mode (bundles) the anchored rules still see the whole text: same as plain finditer."""
    generic = RULESETS["launchready.toml"].by_id["generic-api-key"]
    key = "Zx8Qw7Er6Ty5Ui4Op3As2Df1Gh"
    filler = "function a(b){return b.map(function(c){return c*2})};var token=n.auth;" * 5000
    text = filler + f'const apiKey="{key}";' + filler
    assert len(text) > WINDOW_MODE_MIN
    got = [m.secret for m in Scanner(RULESETS["launchready.toml"]).scan(text) if m.rule.id == generic.id]
    assert got == [key]
    assert _same(generic, text) == 1


def test_stopword_automaton_equals_the_loop() -> None:
    lists = [a for rs in RULESETS.values() for r in rs.rules for a in r.allowlists if a.stopwords]
    big = [a for a in lists if a._stop_index is not None]
    assert big, "generic-api-key's stopword list should get an automaton"
    rng = random.Random(7)
    for a in big:
        words = list(a.stopwords)
        for _ in range(400):
            pieces = [rng.choice([rng.choice(words).upper(), "x9Q", "_", "7f3a"]) for _ in range(rng.randint(1, 5))]
            secret = "".join(pieces)
            assert a.stopword(secret) == any(w in secret.lower() for w in a.stopwords)


# -- the section parser against the reference -----------------------------------------------------------------


def _fragments(parser_cls: type, data: bytes, sizes: list[int], **kw: object) -> tuple[list[tuple], int]:
    got: list[tuple] = []

    def sink(f: Fragment) -> None:
        lines = f.text.count("\n") + 1
        got.append((f.commit.sha, f.commit.date, f.commit.author, f.path, f.text,
                    tuple(f.file_line(i) for i in range(1, lines + 1))))

    parser = parser_cls(sink, **kw)
    rng = random.Random(len(data))
    pos = 0
    while pos < len(data):
        cut = data.find(b"\n", pos + rng.choice(sizes))
        cut = len(data) if cut < 0 else cut + 1
        parser.feed(data[pos:cut].decode("utf-8", "replace"))
        pos = cut
    parser.flush()
    return got, parser.commits


def _tricky_repo(make_repo: Callable[..., Path]) -> Path:
    crlf = "a = 1\r\nkey = 'x'\r\n"
    repo = make_repo(
        {"a.txt": "one\ntwo\nthree\n", "no-eol.txt": "last", "crlf.txt": crlf, "dir/tab\tname.js": "x = 1\n",
         "ünïcode/файл.py": "token = 'é'\n"},
        {"a.txt": "one\n+++ not a header\n++ plus\n@@ -1 +1 @@ not a hunk\nthree\nfour\n", "no-eol.txt": "last!",
         "bin.dat": "\0binary\0", "crlf.txt": crlf + "more\r\n"},
        {"a.txt": "zero\none\n+++ not a header\nthree\nfour\nfive\n", "no-eol.txt": None, "empty.txt": ""},
        {"renamed.txt": "one\ntwo\nthree\n", "a.txt": None},
        {"dir/tab\tname.js": "x = 2\ny = 3\n", "ünïcode/файл.py": "token = 'ü'\n" * 3},
    )
    (repo / "latin1.txt").write_bytes(b"caf\xe9 = '\xff\xfe'\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "bytes")
    git(repo, "checkout", "-q", "-b", "side", "HEAD~2")
    (repo / "side.txt").write_text("side = 1\n" * 50)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "side")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-edit", "--no-ff", "side")
    return repo


@pytest.mark.parametrize("merges", [False, True])
def test_section_parser_equals_reference(make_repo: Callable[..., Path], small_repo: Path, merges: bool) -> None:
    project = Path(__file__).resolve().parents[2]  # this project's own history, when it is a checkout
    repos = [_tricky_repo(make_repo), small_repo] + ([project] if (project / ".git").exists() else [])
    for repo in repos:
        data = subprocess.run(log_command(repo, merges), capture_output=True, check=True,
                              env={**os.environ, **GIT_ENV}).stdout
        reference = _fragments(LineParser, data, [1 << 20])
        assert reference[0], repo
        assert _fragments(FragmentParser, data, [1 << 20]) == reference
        # odd chunk sizes, and sections over a tiny cap streamed through the reference parser
        assert _fragments(FragmentParser, data, [1, 13, 200, 4096], section_cap=64) == reference


ODD_LOG = "\n".join([
    "diff --git a/orphan.txt b/orphan.txt",  # a section before any commit header: ignored by both
    "+++ b/orphan.txt", "@@ -0,0 +1 @@", "+lost",
    "\x1ecommit\x1f" + "a" * 40 + "\x1f1700000000\x1fAda", "",
    "diff --git a/x.py b/x.py", "index 1..2 100644", "--- a/x.py", "+++ b/x.py",
    "@@ weird header @@", "+dropped: no valid hunk header yet",
    "@@ -1,2 +5,3 @@ def f():", "-old", "\\ No newline at end of file", "+new 5", "++ plus 6", "+++ triple 7",
    "\\ No newline at end of file",
    "@@ -9 +12 @@", "+twelve", "+", "+fourteen",
    "@@ not a hunk @@", "+still fifteen",
    "diff --git a/gone.txt b/gone.txt", "deleted file mode 100644", "--- a/gone.txt", "+++ /dev/null",
    "@@ -1 +0,0 @@", "-bye",
    "diff --git a/bin.png b/bin.png", "new file mode 100644", "Binary files /dev/null and b/bin.png differ",
    "\x1ecommit\x1f" + "b" * 40 + "\x1fnot-a-date\x1fBob",
    "\x1ecommit\x1f" + "c" * 40 + "\x1f1700000100\x1fCy", "",
    'diff --git "a/sp ace\\tx.js" "b/sp ace\\tx.js"', '+++ "b/sp ace\\tx.js"', "@@ -0,0 +1,2 @@", "+a\r", "+b",
]) + "\n"


def test_section_parser_equals_reference_on_odd_text() -> None:
    """Hand-written oddities: a section before any commit, hunk headers that do not parse, "++"/"+++" added
    lines, no-newline markers, deleted and binary files, a bad date, a quoted path with a tab, CRLF."""
    data = ODD_LOG.encode()
    reference = _fragments(LineParser, data, [1 << 20])
    assert [(f[3], f[5]) for f in reference[0]] == [
        ("x.py", (5, 6, 7, 12, 13, 14, 15)), ("sp ace\tx.js", (1, 2))]
    assert reference[1] == 3
    for sizes in ([1 << 20], [1, 2, 3], [10, 50]):
        for cap in (1 << 20, 8, 40):
            assert _fragments(FragmentParser, data, sizes, section_cap=cap) == reference


def test_history_scan_numbers_lines_like_the_reference(make_repo: Callable[..., Path]) -> None:
    key = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    body = "".join(f"line {i}\n" for i in range(1, 40))
    repo = make_repo({"app.js": body}, {"app.js": body.replace("line 7\n", f"t = '{key}'\n")
                                        .replace("line 30\n", f"u = '{key}'\n")})
    scan = scan_history(repo, Scanner(RULESETS["launchready.toml"]), Control())
    assert sorted((h.path, h.match.line) for h in scan.hits) == [("app.js", 7), ("app.js", 30)]


# -- the streaming reader ---------------------------------------------------------------------------------------


def _git_log_running(repo: Path) -> bool:
    out = subprocess.run(["pgrep", "-f", f"-C {repo} --no-pager log"], capture_output=True)
    return bool(out.stdout.strip())


def test_git_failing_part_way_reports_coverage_not_a_crash(make_repo: Callable[..., Path]) -> None:
    """A missing object stops ``git log`` part-way: what was covered is kept, the error says where it stopped."""
    key = "ghp_" + "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8"
    repo = make_repo({"old.txt": "first version\n"}, {"old.txt": "second version\n"},
                     {"new.js": f"const t = '{key}'\n"})
    blob = git(repo, "rev-parse", "HEAD~2:old.txt").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the oldest commit's blob is gone
    scan = scan_history(repo, Scanner(RULESETS["launchready.toml"]), Control())
    assert scan.error is not None and "of 3 commits" in scan.error
    assert blob[:7] in scan.error or "unable" in scan.error or "bad object" in scan.error
    assert [h.match.rule.id for h in scan.hits] == ["github-pat"]  # the newest commit was scanned
    assert not _git_log_running(repo)


def test_a_failing_consumer_kills_git_and_stops_the_reader(make_repo: Callable[..., Path]) -> None:
    repo = make_repo(*({f"f{i}.txt": f"api_key = 'value{i}'\n" * 50} for i in range(30)))

    class Boom(Scanner):
        def scan(self, text: str, path: str | None = None, commit: str | None = None) -> list:  # type: ignore[override]
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        scan_history(repo, Boom(RULESETS["launchready.toml"]), Control())
    assert not _git_log_running(repo)
    assert not [t for t in threading.enumerate() if t.name.startswith("git-log-")]


def test_cancel_before_git_answers_is_prompt(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.txt": "x\n"}, {"b.txt": "y\n"})
    control = Control()
    control.stop.set()
    with pytest.raises(Cancelled):
        scan_history(repo, Scanner(RULESETS["launchready.toml"]), control)
    assert not _git_log_running(repo)
