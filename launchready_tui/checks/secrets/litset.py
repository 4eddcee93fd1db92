"""``regex.search(text) is not None`` for big case-insensitive alternations of words, without the regex.

gitleaks' generic-api-key carries a "not a secret" context regex of 29 branches (``access(?:ibility|or)``,
``key[_.-]?(?:alias|board|…)``, ``(?:csrf)[_.-]?token`` …) checked against every candidate's whole match.
Python's engine tries every branch at every position with case folding: ~24 µs a candidate, a fifth of
the scan on a keyword-dense history. But most branches are a *finite set of words*: ``api[_.-]?(?:id|name)``
is exactly {apiid, api_id, api.id, api-id, apiname, …}. A search for ``A|B|C`` succeeds iff one branch
matches somewhere, so the expandable branches become one Aho-Corasick pass over the lower-cased text and
only the others (``(?-i:[DdMm]onkey…)``, ``[a-z0-9-]*?api…:jar:``) stay a (smaller) regex.

Exactness: branches come from splitting the pattern's top-level alternation by text, and the split is
accepted only when re-joined it parses to the very tree ``re.compile`` builds (``re._parser``). Expansion
covers literals, small classes without negation or categories, ``?``-style repeats (at most 2) and
groups that keep the flags; anything else stays in the regex. Lower-casing equals case-folding for ASCII
only (the engine folds ``K`` U+212A to ``k``), so a non-ASCII text is searched with the original regex.
Without ``pyahocorasick`` the original regex is used. Tests compare both on every allowlist regex.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

try:
    import ahocorasick
except ImportError:  # pragma: no cover - the plain regex is then used
    ahocorasick = None

try:  # the parser re.compile itself uses; private, so guarded
    from re import _constants as _c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    _sre_parse = None  # type: ignore[assignment]
    _c = None  # type: ignore[assignment]

from launchready_tui.checks.secrets.anchors import plain_tree

MAX_WORDS = 20_000  # expansions of one regex; beyond this the branch stays a regex
MAX_CLASS = 64  # characters a class may stand for
MIN_BRANCHES = 4  # below this the regex is cheap enough as it is


class WordSearch:
    """Same answer as ``regex.search(text) is not None``; faster for word alternations."""

    __slots__ = ("regex", "_auto", "_rest", "_always")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self._auto: Any = None
        self._rest: list[tuple[frozenset[str] | None, re.Pattern[str]]] = []
        self._always = False
        plan = _plan(regex)
        if plan is not None:
            words, rest = plan
            self._always = "" in words
            auto = ahocorasick.Automaton()
            for w in words:
                if w:
                    auto.add_word(w, w)
            auto.make_automaton()
            self._auto = auto
            self._rest = rest

    @property
    def accelerated(self) -> bool:
        return self._auto is not None

    def search(self, text: str) -> bool:
        if self._auto is None or not text.isascii():
            return self.regex.search(text) is not None
        low = text.lower()
        if self._always or next(self._auto.iter(low), None) is not None:
            return True
        for needs, branch in self._rest:
            # a branch runs only when a word every match of it contains is there (lower-cased both sides:
            # still a necessary condition for its case-sensitive parts)
            if (needs is None or any(n in low for n in needs)) and branch.search(text) is not None:
                return True
        return False


def _plan(regex: re.Pattern[str]) -> tuple[set[str], list[tuple[frozenset[str] | None, re.Pattern[str]]]] | None:
    if ahocorasick is None or _sre_parse is None or not regex.flags & re.IGNORECASE:
        return None
    if regex.flags & (re.VERBOSE | re.LOCALE) or isinstance(regex.pattern, bytes):
        return None
    split = _split(regex)
    if split is None:
        return None
    lead, branches = split
    words: set[str] = set()
    rest: list[tuple[frozenset[str] | None, re.Pattern[str]]] = []
    for source in branches:
        try:
            tree = list(_sre_parse.parse(lead + source, regex.flags))
            expanded = _expand(tree)
            if expanded is None or len(words) + len(expanded) > MAX_WORDS or not all(w.isascii() for w in expanded):
                needs = _needs(tree)
                rest.append((frozenset(n.lower() for n in needs) if needs else None,
                             re.compile(lead + "(?:" + source + ")", regex.flags)))
            else:
                words |= {w.lower() for w in expanded}
        except (re.error, RecursionError):
            return None
    return (words, rest) if words else None


def _split(regex: re.Pattern[str]) -> tuple[str, list[str]] | None:
    """The pattern's top-level alternation as (leading global flags, branch sources), checked by re-parsing."""
    pattern = regex.pattern
    lead_m = re.match(r"\(\?[aiLmsux]+\)", pattern)
    lead = lead_m.group() if lead_m else ""
    body = pattern[len(lead):]
    if body.startswith("(?:") and _closing(body, 0) == len(body) - 1:
        body = body[3:-1]
    branches = _top_level(body)
    if branches is None or len(branches) < MIN_BRANCHES:
        return None
    try:
        rebuilt = _sre_parse.parse(lead + "(?:" + "|".join(branches) + ")", regex.flags)
        original = _sre_parse.parse(pattern, regex.flags)
    except (re.error, RecursionError):
        return None
    return (lead, branches) if plain_tree(rebuilt) == plain_tree(original) else None


def _syntax(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """``(index, char, depth)`` of the characters that are regex syntax: not escaped, not inside a ``[...]``
    class. ``depth`` is the group depth after the character; the last item is ``(len, "", depth)`` with
    depth -1 when a class was left open."""
    depth, i, in_class = 0, start, False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or text[i - 1] == "["
        elif ch == "[":
            in_class = True
            if text[i + 1:i + 2] == "^":
                i += 1
        else:
            depth += (ch == "(") - (ch == ")")
            yield i, ch, depth
        i += 1
    yield len(text), "", -1 if in_class else depth


def _top_level(body: str) -> list[str] | None:
    parts: list[str] = []
    start = 0
    for i, ch, depth in _syntax(body):
        if depth < 0:
            return None  # a ")" without its "(", or an open class
        if ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        elif not ch:
            parts.append(body[start:])
            return parts if depth == 0 else None
    return None


def _closing(text: str, open_at: int) -> int:
    """Index of the ``)`` closing the group opened at ``open_at`` (-1 if none)."""
    for i, ch, depth in _syntax(text, open_at):
        if ch == ")" and depth == 0:
            return i
    return -1


def _expand(items: list[Any]) -> set[str] | None:
    """Every string the sequence ``items`` matches (case as written), or None when not a small finite set."""
    out = {""}
    for op, arg in items:
        if op is _c.LITERAL:
            alts = {chr(arg)}
        elif op is _c.IN:
            alts = _class(arg)
        elif op is _c.SUBPATTERN:
            _group, add, remove, body = arg
            alts = None if add or remove else _expand(list(body))
        elif op is _c.BRANCH:
            alts = set()
            for alt in arg[1]:
                sub = _expand(list(alt))
                if sub is None:
                    return None
                alts |= sub
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            lo, hi, sub_items = arg
            one = _expand(list(sub_items))
            if one is None or hi > 2 or hi is _c.MAXREPEAT:
                return None
            alts = set()
            for k in range(lo, hi + 1):
                alts |= {"".join(p) for p in _product([one] * k)}
        else:
            return None  # anchors, categories, backreferences, lookarounds: keep the regex
        if alts is None or len(out) * len(alts) > MAX_WORDS:
            return None
        out = {a + b for a in out for b in alts}
    return out


def _needs(items: list[Any]) -> set[str] | None:
    """Literal strings of which every match of ``items`` contains at least one (None: none known).

    From the sequence's own literal runs and from groups and alternations in it (an alternation needs one
    of its branches' words); the candidate with the longest shortest word is kept (the rarest gate)."""
    candidates: list[set[str]] = []
    run = ""
    for op, arg in [*items, (None, None)]:
        if op is _c.LITERAL and chr(arg).isascii():
            run += chr(arg)
            continue
        if run:
            candidates.append({run})
            run = ""
        sub: set[str] | None = None
        if op is _c.SUBPATTERN:
            sub = _needs(list(arg[3]))
        elif op is _c.BRANCH:
            parts = [_needs(list(alt)) for alt in arg[1]]
            sub = set().union(*parts) if parts and all(parts) else None  # type: ignore[arg-type]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and arg[0] >= 1:
            sub = _needs(list(arg[2]))
        if sub:
            candidates.append(sub)
    if not candidates:
        return None
    return max(candidates, key=lambda c: min(len(w) for w in c))


def _class(arg: list[Any]) -> set[str] | None:
    chars: set[str] = set()
    for op, value in arg:
        if op is _c.LITERAL:
            chars.add(chr(value))
        elif op is _c.RANGE and value[1] - value[0] < MAX_CLASS:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:
            return None
    return chars if len(chars) <= MAX_CLASS else None


def _product(sets: list[set[str]]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for s in sets:
        out = [p + (x,) for p in out for x in s]
    return out


_LEAD_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_NUMBERED = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # backreferences and conditionals count groups


def any_search(regexes: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One regex whose ``search`` succeeds exactly when one of ``regexes`` would (None if they cannot be
    joined safely): each pattern becomes an alternative, its leading global flags ``(?i)`` turned into a
    scoped group ``(?i:…)``. Only patterns whose flags all come from their own text, and without
    backreferences or conditionals (group numbers shift), are joined. Saves a Python call per regex on
    every candidate secret (the global allowlist has 13)."""
    if len(regexes) < 2:
        return None
    parts = []
    outside: set[int] = set()
    for r in regexes:
        if not isinstance(r.pattern, str) or _NUMBERED.search(r.pattern):
            return None
        try:  # the flags given to compile() (our rules use re.ASCII), as opposed to those in the text
            given = next((f for f in (0, re.ASCII) if re.compile(r.pattern, f).flags == r.flags), None)
        except re.error:
            return None
        if given is None:
            return None
        outside.add(given)
        lead = _LEAD_FLAGS.match(r.pattern)
        parts.append(f"(?{lead.group(1)}:{r.pattern[lead.end():]})" if lead else f"(?:{r.pattern})")
    if len(outside) != 1:
        return None
    try:
        return re.compile("|".join(parts), outside.pop())
    except (re.error, RecursionError):
        return None
