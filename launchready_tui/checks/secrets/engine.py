"""The scanning engine: keyword prefilter, rule regexes, secret group, entropy, allowlists, stopwords.

Follows gitleaks' ``detect/detect.go`` pipeline per fragment: lower-case once, one Aho-Corasick pass over
every rule keyword, run only the rules whose keywords were seen, take the secret group (else the first
non-empty group, else the whole match), drop it when its Shannon entropy is at or below the rule's,
then the global allowlists, the rule's allowlists and an inline ``gitleaks:allow``. Composite rules
(``[[rules.required]]``) keep a finding only when every required rule matched close enough.

Where the time goes, and what we do about it (measured with bench/secrets_bench.py):
* Python's backtracking engine tries a match at every character unless a pattern opens with a plain
  literal. ``anchors.py`` runs a rule only at the starts its literals allow — rules that open with a
  lazy ``[\\w.-]{0,50}?`` prefix (generic-api-key, ~100 gitleaks rules; 0.4-0.6 s per MB each with
  ``finditer``) and rules whose literal sits behind ``\\b`` or a group (jwt, database URLs) — with results
  identical to ``finditer``. Their literals ride along in the keyword pass, so one Aho-Corasick pass
  yields both the prefilter and the anchors; that pass is now the largest cost (~25 ns a character).
* generic-api-key's 1,446 stopwords are checked with an automaton (rules.Allowlist), its 29-branch
  "not a secret" context regex mostly as a word automaton (litset.py), and a list's other regexes as one.
* Entropy is at most log2(distinct characters): a secret with few distinct ones is dropped without the sum.
* Lower-casing is ASCII-only when full lower-casing would change the length (``İ``), so keyword
  offsets stay offsets into the original text; rules compile with ``re.ASCII``, so nothing is lost.

Encoded secrets: after the plain pass, ``decode.py`` finds base64 / hex / percent-encoded segments,
rescans their decoded text with the same rules and reports what is new at the encoded span
(``Match.encoding``, ``Match.depth``); ``decode_depth=0`` turns that off.

Big one-line blobs (minified bundles): anchored rules run exactly over the whole text; the others
(patterns that open with a plain literal, which ``re`` finds quickly by itself) only see windows around
their keyword hits (secrets.md §4).

The keyword pass uses ``pyahocorasick`` (a C extension); without it a plain substring loop gives the
same answers, slower. Nothing here stores a secret beyond the returned match objects, which callers
turn into redacted findings at once.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from launchready_tui.checks.secrets.anchors import Anchor, analyse, anchored_finditer
from launchready_tui.checks.secrets.decode import DEFAULT_MAX_DEPTH, decoded_matches
from launchready_tui.checks.secrets.rules import Allowlist, Rule, RuleSet
from launchready_tui.core.redact import shannon_entropy

try:  # optional C speed-up of the keyword pass
    import ahocorasick
except ImportError:  # pragma: no cover - exercised by the fallback test through use_automaton=False
    ahocorasick = None

ALLOW_SIGNATURE = "gitleaks:allow"
WINDOW_BEFORE = 256  # characters kept before a keyword hit in window mode
WINDOW_AFTER = 1024  # and after it (secrets follow their keyword: `OPENAI_API_KEY = "sk-…"`)
BLOCK_AFTER = 16 * 1024  # multi-line rules (private keys) get up to here to reach their END line
WINDOW_MODE_MIN = 256 * 1024  # below this a fragment is scanned whole
_DELIMS = frozenset("\"'`\n\r\t ;,(){}[]<>=")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PATH_CACHE_MAX = 65536
_BELOW = 1 - 1e-9  # keeps the distinct-character shortcut strictly below the threshold (float safety)


@dataclass(slots=True)
class Match:
    """One rule hit in one fragment. Holds the raw secret: turn it into a Finding and drop it."""

    rule: Rule
    secret: str
    start: int  # offset of the whole match in the fragment
    end: int
    secret_start: int  # offset of the secret itself
    line: int  # 1-based line of the match start within the fragment
    column: int  # 1-based
    line_text: str  # the whole line (for context decisions only)
    text: str = ""  # the whole match (context around the secret, e.g. a database host)
    encoding: str = ""  # set when found by decoding: "base64", or outermost first "base64 > percent"
    depth: int = 0  # decoding passes it took (0: found as-is)
    encoded: str = ""  # the encoded text as it sits in the fragment (as sensitive as the secret)


def lower_same_length(text: str) -> str:
    """``text.lower()``, unless that changes offsets (``İ`` lower-cases to two characters): then ASCII only."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


class _Keywords:
    """Every keyword and anchor literal, found in one pass: ``find(lowered)`` -> {word: [start offsets]}."""

    def __init__(self, words: Iterable[str], use_automaton: bool = True) -> None:
        self.words = sorted(set(words))
        self._auto = None
        if ahocorasick is not None and use_automaton and self.words:
            auto = ahocorasick.Automaton()
            for w in self.words:
                auto.add_word(w, (w, len(w) - 1))
            auto.make_automaton()
            self._auto = auto

    def find(self, lowered: str) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        if self._auto is not None:
            get = found.get
            for end, (word, back) in self._auto.iter(lowered):
                starts = get(word)
                if starts is None:
                    found[word] = [end - back]
                else:
                    starts.append(end - back)
            return found
        for w in self.words:  # every occurrence, overlapping ones too, as the automaton reports them
            pos = lowered.find(w)
            if pos >= 0:
                starts = found[w] = []
                while pos >= 0:
                    starts.append(pos)
                    pos = lowered.find(w, pos + 1)
        return found


@dataclass(slots=True)
class _Plan:
    """What the scanner precomputes per rule."""

    rule: Rule
    order: int
    anchor: Anchor | None
    gated: bool  # has allowlists that can skip a whole fragment by path or commit


class Scanner:
    """Scans text fragments with a RuleSet. Thread-safe: its only state is a cache of path decisions."""

    def __init__(self, ruleset: RuleSet, *, use_automaton: bool = True,
                 decode_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.ruleset = ruleset
        self.decode_depth = decode_depth  # 0 turns decoding off (decode.py)
        self.use_automaton = use_automaton
        self.rules = [r for r in ruleset.rules]
        self.by_id = {r.id: r for r in self.rules}
        self.always = [r for r in self.rules if not r.keywords and r.regex is not None]
        self.path_only = [r for r in self.rules if r.regex is None and r.path is not None]
        self.plans: dict[str, _Plan] = {}
        self.by_keyword: dict[str, list[Rule]] = {}
        for i, r in enumerate(self.rules):
            if r.regex is None:
                continue
            self.plans[r.id] = _Plan(r, i, analyse(r.regex), any(_gates_fragments(a) for a in r.allowlists))
            for k in r.keywords:
                self.by_keyword.setdefault(k, []).append(r)
        anchor_words = {w for p in self.plans.values() if p.anchor for w in p.anchor.literals}
        self.keywords = _Keywords([*self.by_keyword, *anchor_words], use_automaton)
        self._keyword_rules = {k: [self.plans[r.id] for r in rules] for k, rules in self.by_keyword.items()}
        self._always_plans = [self.plans[r.id] for r in self.always]
        self.global_lists = list(ruleset.allowlists)
        self._global_by_commit = any(a.commits for a in self.global_lists)
        self._path_cache: dict[str | None, bool] = {}

    # -- fragment-level gates ------------------------------------------------------------------------------

    def path_skipped(self, path: str | None, commit: str | None = None) -> bool:
        """True when a global allowlist excludes this file (images, lockfiles, node_modules …)."""
        if self._global_by_commit:
            return _commit_or_path_allowed(self.global_lists, path, commit)
        skipped = self._path_cache.get(path)
        if skipped is None:
            skipped = _commit_or_path_allowed(self.global_lists, path, None)
            if len(self._path_cache) >= _PATH_CACHE_MAX:
                self._path_cache.clear()
            self._path_cache[path] = skipped
        return skipped

    def path_findings(self, path: str, commit: str | None = None) -> list[Rule]:
        """Path-only rules (e.g. a committed .p12 file) that match this path."""
        return [r for r in self.path_only if r.path is not None and r.path.search(path)
                and not _commit_or_path_allowed(r.allowlists, path, commit)]

    # -- scanning --------------------------------------------------------------------------------------------

    def candidate_rules(self, lowered: str) -> list[Rule]:
        return [p.rule for p in self._candidates(self.keywords.find(lowered))]

    def _candidates(self, found: dict[str, list[int]]) -> list[_Plan]:
        chosen: dict[int, _Plan] = {}
        table = self._keyword_rules
        for word in found:
            for plan in table.get(word, ()):
                chosen[plan.order] = plan
        return self._always_plans + [chosen[i] for i in sorted(chosen)]

    def scan(self, text: str, path: str | None = None, commit: str | None = None) -> list[Match]:
        """Every match in ``text`` (a file, or the added lines of one file in one commit), including
        secrets inside base64/hex/percent-encoded segments (reported at the encoded span)."""
        if not text or self.path_skipped(path, commit):
            return []
        matches = self._scan_plain(text, path, commit)
        if self.decode_depth > 0:
            lines = _LineIndex(text)
            matches += decoded_matches(lambda snippet: self._scan_plain(snippet, path, commit), text, matches,
                                       lambda offset: lines.locate(offset, offset + 1), self.decode_depth)
        return matches

    def _scan_plain(self, text: str, path: str | None, commit: str | None) -> list[Match]:
        found = self.keywords.find(lower_same_length(text))
        plans = self._candidates(found)
        if not plans:
            return []
        if len(text) >= WINDOW_MODE_MIN:
            return self._scan_windows(text, path, commit, found, plans)
        lines = _LineIndex(text)
        out: list[Match] = []
        for plan in plans:
            rule = plan.rule
            if rule.skip_report or not self._applies(plan, path, commit):
                continue
            matches = self._rule_matches(rule, text, self._iter_whole(plan, text, found), lines, path, commit)
            if matches and rule.required:
                matches = self._with_required(rule, matches, text, found, lines, path, commit)
            out.extend(matches)
        return out

    def _scan_windows(self, text: str, path: str | None, commit: str | None, found: dict[str, list[int]],
                      plans: list[_Plan]) -> list[Match]:
        n = len(text)
        lines = _LineIndex(text)
        out: list[Match] = []
        for plan in plans:
            rule = plan.rule
            if rule.skip_report or not self._applies(plan, path, commit):
                continue
            if plan.anchor is not None or not rule.keywords:
                matches = self._rule_matches(rule, text, self._iter_whole(plan, text, found), lines, path, commit)
            else:
                raw = []
                for word in rule.keywords:
                    after = BLOCK_AFTER if "-----" in word else WINDOW_AFTER
                    raw.extend((max(0, pos - WINDOW_BEFORE), min(n, pos + len(word) + after))
                               for pos in found.get(word, ()))
                matches = []
                for start, end in _merge(raw):
                    start = _back_to_delimiter(text, start)
                    matches.extend(self._rule_matches(rule, text, rule.regex.finditer(text, start, end),  # type: ignore[union-attr]
                                                      lines, path, commit))
            if matches and rule.required:
                matches = self._with_required(rule, matches, text, found, lines, path, commit)
            out.extend(matches)
        return _dedupe(out)

    def _iter_whole(self, plan: _Plan, text: str, found: dict[str, list[int]]) -> Iterator[re.Match[str]]:
        regex = plan.rule.regex
        assert regex is not None
        if plan.anchor is None:
            return regex.finditer(text)
        lists = [found[w] for w in plan.anchor.literals if w in found]
        hits = lists[0] if len(lists) == 1 else sorted(chain.from_iterable(lists))
        return anchored_finditer(regex, plan.anchor, text, hits)

    def _applies(self, plan: _Plan, path: str | None, commit: str | None) -> bool:
        rule = plan.rule
        if path is not None and rule.path is not None and not rule.path.search(path):
            return False
        return not (plan.gated and _commit_or_path_allowed(rule.allowlists, path, commit))

    def _rule_matches(self, rule: Rule, text: str, found: Iterable[re.Match[str]], lines: _LineIndex,
                      path: str | None, commit: str | None) -> list[Match]:
        regex = rule.regex
        assert regex is not None
        out: list[Match] = []
        groups = regex.groups
        for m in found:
            whole = m.group(0)
            stripped = whole.strip("\n")
            if not stripped:
                continue
            start = m.start() + (len(whole) - len(whole.lstrip("\n")))
            secret, secret_start = stripped, start
            if groups:
                group = rule.secret_group or next((i for i, g in enumerate(m.groups(), 1) if g), 0)
                if group:
                    secret, secret_start = m.group(group) or "", m.start(group)
            if not secret:
                continue
            # Entropy never exceeds log2(distinct characters): few distinct ones decide without the sum.
            if rule.entropy and (len(set(secret)) < 2.0 ** rule.entropy * _BELOW
                                 or shannon_entropy(secret) <= rule.entropy):
                continue
            line_no, col, line_text = lines.locate(start, start + len(stripped))
            if ALLOW_SIGNATURE in line_text:
                continue
            if _finding_allowed(self.global_lists, secret, stripped, line_text, path, commit):
                continue
            if _finding_allowed(rule.allowlists, secret, stripped, line_text, path, commit):
                continue
            out.append(Match(rule, secret, start, start + len(stripped), secret_start, line_no, col, line_text,
                             stripped))
        return out

    def _with_required(self, rule: Rule, primary: list[Match], text: str, found: dict[str, list[int]],
                       lines: _LineIndex, path: str | None, commit: str | None) -> list[Match]:
        others: dict[str, list[Match]] = {}
        for req in rule.required:
            other = self.plans.get(req.rule_id)
            others[req.rule_id] = [] if other is None or not self._applies(other, path, commit) else \
                self._rule_matches(other.rule, text, self._iter_whole(other, text, found), lines, path, commit)
        kept = []
        for p in primary:
            ok = True
            for req in rule.required:
                near = [o for o in others[req.rule_id]
                        if (req.within_lines is None or abs(o.line - p.line) <= req.within_lines)
                        and (req.within_columns is None or abs(o.column - p.column) <= req.within_columns)]
                if not near:
                    ok = False
                    break
            if ok:
                kept.append(p)
        return kept


class _LineIndex:
    """Offsets of newlines, built lazily: line and column of a match without splitting the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._nl: list[int] | None = None

    def locate(self, start: int, end: int) -> tuple[int, int, str]:
        if self._nl is None:
            nl, pos, find = [], self.text.find("\n"), self.text.find
            while pos >= 0:
                nl.append(pos)
                pos = find("\n", pos + 1)
            self._nl = nl
        idx = bisect.bisect_left(self._nl, start)
        line_start = self._nl[idx - 1] + 1 if idx else 0
        end_idx = bisect.bisect_left(self._nl, max(end - 1, start))
        line_end = self._nl[end_idx] if end_idx < len(self._nl) else len(self.text)
        line_text = self.text[line_start:line_end]
        if len(line_text) > 4096:  # a minified line: keep the neighbourhood, not megabytes
            lo = max(line_start, start - 512)
            line_text = self.text[lo:min(line_end, end + 512)]
        return idx + 1, start - line_start + 1, line_text


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if not spans:
        return []
    spans.sort()
    merged = [spans[0]]
    for s, e in spans[1:]:
        ls, le = merged[-1]
        if s <= le:
            merged[-1] = (ls, max(le, e))
        else:
            merged.append((s, e))
    return merged


def _back_to_delimiter(text: str, start: int, limit: int = 64) -> int:
    # A window must not begin mid-token, or `\b`-anchored rules would match half a key.
    lo = max(0, start - limit)
    i = start
    while i > lo and text[i - 1] not in _DELIMS:
        i -= 1
    return i


def _dedupe(matches: list[Match]) -> list[Match]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for m in sorted(matches, key=lambda m: m.start):
        key = (m.rule.id, m.start, m.end)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _gates_fragments(a: Allowlist) -> bool:
    """Can this allowlist skip a whole fragment (by path or commit) in _commit_or_path_allowed?"""
    if a.condition_and:
        return bool(a.paths or a.commits) and not (a.regexes or a.stopwords)
    return bool(a.paths or a.commits)


def _commit_or_path_allowed(lists: Iterable[Allowlist], path: str | None, commit: str | None) -> bool:
    if not path and not commit:
        return False
    for a in lists:
        commit_ok = a.commit_allowed(commit)
        path_ok = a.path_allowed(path)
        if a.condition_and:
            if a.regexes or a.stopwords:
                continue  # decided per finding
            checks = ([commit_ok] if a.commits else []) + ([path_ok] if a.paths else [])
            if checks and all(checks):
                return True
        elif commit_ok or path_ok:
            return True
    return False


def _finding_allowed(lists: Iterable[Allowlist], secret: str, match: str, line: str, path: str | None,
                     commit: str | None) -> bool:
    # Conditions are checked cheapest first and stop at the first that decides (same answers, fewer regexes).
    for a in lists:
        target = match if a.regex_target == "match" else line if a.regex_target == "line" else secret
        if a.condition_and:
            if a.commits and not a.commit_allowed(commit):
                continue
            if a.paths and not a.path_allowed(path):
                continue
            if a.regexes and not a.regex_allowed(target):
                continue
            if a.stopwords and not a.stopword(secret):
                continue
            if a.commits or a.paths or a.regexes or a.stopwords:
                return True
        elif (a.regexes and a.regex_allowed(target)) or (a.stopwords and a.stopword(secret)):
            return True
    return False
