"""The scanning engine: keyword prefilter, rule regexes, secret group, entropy, allowlists, stopwords.

Follows gitleaks' ``detect/detect.go`` pipeline per fragment: lower-case once, one Aho-Corasick pass over
every rule keyword, run only the rules whose keywords were seen, take the secret group (else the first
non-empty group, else the whole match), drop it when its Shannon entropy is at or below the rule's,
then the global allowlists, the rule's allowlists and an inline ``gitleaks:allow``. Composite rules
(``[[rules.required]]``) keep a finding only when every required rule matched close enough.

Big one-line blobs (minified bundles) are not run through every regex whole: each rule only sees
windows around its own keyword hits (secrets.md §4 measured 1.3-2 s instead of 12-17 s for 5 MB).

The keyword pass uses ``pyahocorasick`` (a C extension); without it a plain substring loop gives the
same answers, slower. Nothing here stores a secret beyond the returned match objects, which callers
turn into redacted findings at once.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from launchready_tui.checks.secrets.rules import Allowlist, Rule, RuleSet
from launchready_tui.core.redact import shannon_entropy

try:  # optional C speed-up of the keyword pass
    import ahocorasick
except ImportError:  # pragma: no cover - exercised by the fallback test through _NaiveKeywords
    ahocorasick = None

ALLOW_SIGNATURE = "gitleaks:allow"
WINDOW_BEFORE = 256  # characters kept before a keyword hit in window mode
WINDOW_AFTER = 1024  # and after it (secrets follow their keyword: `OPENAI_API_KEY = "sk-…"`)
BLOCK_AFTER = 16 * 1024  # multi-line rules (private keys) get up to here to reach their END line
WINDOW_MODE_MIN = 256 * 1024  # below this a fragment is scanned whole
_DELIMS = frozenset("\"'`\n\r\t ;,(){}[]<>=")


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


class _Keywords:
    """All keywords, found in one pass: ``hits(text)`` yields (start offset, keyword)."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.words = sorted(set(keywords))
        self._auto = None
        if ahocorasick is not None and self.words:
            auto = ahocorasick.Automaton()
            for w in self.words:
                auto.add_word(w, w)
            auto.make_automaton()
            self._auto = auto

    def hits(self, lowered: str) -> Iterator[tuple[int, str]]:
        if self._auto is not None:
            for end, word in self._auto.iter(lowered):
                yield end - len(word) + 1, word
            return
        for w in self.words:
            pos = lowered.find(w)
            while pos >= 0:
                yield pos, w
                pos = lowered.find(w, pos + 1)

    def present(self, lowered: str) -> set[str]:
        if self._auto is not None:
            return {w for _end, w in self._auto.iter(lowered)}
        return {w for w in self.words if w in lowered}


class Scanner:
    """Scans text fragments with a RuleSet. Thread-safe: it keeps no state between calls."""

    def __init__(self, ruleset: RuleSet, *, use_automaton: bool = True) -> None:
        self.ruleset = ruleset
        self.rules = [r for r in ruleset.rules]
        self.by_id = {r.id: r for r in self.rules}
        self.always = [r for r in self.rules if not r.keywords and r.regex is not None]
        self.path_only = [r for r in self.rules if r.regex is None and r.path is not None]
        self.by_keyword: dict[str, list[Rule]] = {}
        for r in self.rules:
            if r.regex is None:
                continue
            for k in r.keywords:
                self.by_keyword.setdefault(k, []).append(r)
        self.keywords = _Keywords(self.by_keyword)
        if not use_automaton:
            self.keywords._auto = None
        self.global_lists = list(ruleset.allowlists)

    # -- fragment-level gates ------------------------------------------------------------------------------

    def path_skipped(self, path: str | None, commit: str | None = None) -> bool:
        """True when a global allowlist excludes this file (images, lockfiles, node_modules …)."""
        return _commit_or_path_allowed(self.global_lists, path, commit)

    def path_findings(self, path: str, commit: str | None = None) -> list[Rule]:
        """Path-only rules (e.g. a committed .p12 file) that match this path."""
        return [r for r in self.path_only if r.path is not None and r.path.search(path)
                and not _commit_or_path_allowed(r.allowlists, path, commit)]

    # -- scanning --------------------------------------------------------------------------------------------

    def candidate_rules(self, lowered: str) -> list[Rule]:
        found = self.keywords.present(lowered)
        seen: dict[str, Rule] = {}
        for k in found:
            for r in self.by_keyword[k]:
                seen.setdefault(r.id, r)
        return self.always + [r for r in self.rules if r.id in seen]

    def scan(self, text: str, path: str | None = None, commit: str | None = None) -> list[Match]:
        """Every match in ``text`` (a file, or the added lines of one file in one commit)."""
        if not text or self.path_skipped(path, commit):
            return []
        if len(text) >= WINDOW_MODE_MIN:
            return self._scan_windows(text, path, commit)
        lowered = text.lower()
        rules = self.candidate_rules(lowered)
        if not rules:
            return []
        lines = _LineIndex(text)
        out: list[Match] = []
        for rule in rules:
            if rule.skip_report:
                continue
            found = self._rule_matches(rule, text, 0, len(text), lines, path, commit)
            if found and rule.required:
                found = self._with_required(rule, found, text, lines, path, commit)
            out.extend(found)
        return out

    def _scan_windows(self, text: str, path: str | None, commit: str | None) -> list[Match]:
        lowered = text.lower()
        spans: dict[str, list[tuple[int, int]]] = {}
        n = len(text)
        for pos, word in self.keywords.hits(lowered):
            for rule in self.by_keyword[word]:
                after = BLOCK_AFTER if rule.regex is not None and "-----" in word else WINDOW_AFTER
                spans.setdefault(rule.id, []).append((max(0, pos - WINDOW_BEFORE), min(n, pos + len(word) + after)))
        lines = _LineIndex(text)
        out: list[Match] = []
        for rule in self.always:
            out.extend(self._rule_matches(rule, text, 0, n, lines, path, commit))
        for rule_id, raw in spans.items():
            rule = self.by_id[rule_id]
            if rule.skip_report:
                continue
            found: list[Match] = []
            for start, end in _merge(raw):
                start = _back_to_delimiter(text, start)
                found.extend(self._rule_matches(rule, text, start, end, lines, path, commit))
            if found and rule.required:
                found = self._with_required(rule, found, text, lines, path, commit)
            out.extend(found)
        return _dedupe(out)

    def _rule_matches(self, rule: Rule, text: str, lo: int, hi: int, lines: _LineIndex, path: str | None,
                      commit: str | None) -> list[Match]:
        regex = rule.regex
        if regex is None:
            return []
        if path is not None and rule.path is not None and not rule.path.search(path):
            return []
        if _commit_or_path_allowed(rule.allowlists, path, commit):
            return []
        out: list[Match] = []
        for m in regex.finditer(text, lo, hi):
            whole = m.group(0)
            stripped = whole.strip("\n")
            if not stripped:
                continue
            start = m.start() + (len(whole) - len(whole.lstrip("\n")))
            secret, secret_start = stripped, start
            if regex.groups:
                group = rule.secret_group or next((i for i, g in enumerate(m.groups(), 1) if g), 0)
                if group:
                    secret, secret_start = m.group(group) or "", m.start(group)
            if not secret:
                continue
            if rule.entropy and shannon_entropy(secret) <= rule.entropy:
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

    def _with_required(self, rule: Rule, primary: list[Match], text: str, lines: _LineIndex, path: str | None,
                       commit: str | None) -> list[Match]:
        others: dict[str, list[Match]] = {}
        for req in rule.required:
            other = self.by_id.get(req.rule_id)
            others[req.rule_id] = self._rule_matches(other, text, 0, len(text), lines, path, commit) if other else []
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
    for a in lists:
        target = match if a.regex_target == "match" else line if a.regex_target == "line" else secret
        regex_ok = a.regex_allowed(target) if a.regexes else False
        stop_ok = a.stopword(secret) if a.stopwords else False
        if a.condition_and:
            checks = []
            if a.commits:
                checks.append(a.commit_allowed(commit))
            if a.paths:
                checks.append(a.path_allowed(path))
            if a.regexes:
                checks.append(regex_ok)
            if a.stopwords:
                checks.append(stop_ok)
            if checks and all(checks):
                return True
        elif regex_ok or stop_ok:
            return True
    return False
