"""Exact, fast matching for rules whose matches can only start next to one of a few literals.

About half of gitleaks' rules (and our generic-api-key) follow one template::

    (?i)[\\w.-]{0,50}?(?:access|auth|…|token)(?:[ \\t\\w.-]{0,20})[\\s'"]{0,3}(?:=|>|…)…

Python's backtracking engine has no literal to skip to, so ``finditer`` starts a match attempt at every
character and, inside identifiers, retries the lazy prefix up to 50 times per position: measured at
0.4-0.6 s per MB for one rule. But every match of such a rule has the form ``prefix + literal + rest``,
where the prefix is at most N characters of one character class C and the literal comes from a small
finite set. So a match can only *start* near a literal hit, and exactly where is known:

For a literal hit at q (and the previous match ending at ``pos``), the only start worth trying is
``e(q) = max(pos, q - N, start of the C-run ending at q)``. From e(q) the prefix can reach q, so if
``regex.match(text, e(q))`` fails, no match starts anywhere in [e(q), q] using this hit; and every real
match starting at p with its literal at q* has e(q*) == p (p >= e(q*) by definition, and the attempt at
e(q*) succeeds, so nothing starts earlier). e(q) never decreases as q grows, so trying the hits in
order reproduces ``finditer`` match for match — same starts, same groups — while running the regex
only at a handful of positions. Before working out e(q), the pattern without its prefix (``rest``) is
tried at q: where it fails, no match can end its prefix at q, so most hits cost one short ``match``.

Rules with no prefix whose match opens with a literal behind ``\\b`` or a group (``\\b(ey…``,
``(?i)\\b(postgres|mysql|…)://``) are the case N = 0: the match starts at the hit. (A pattern that opens
with a plain case-sensitive literal is left to ``re``, which skips ahead to such a literal by itself.)

The literal hits come from the scanner's one Aho-Corasick pass over the lower-cased text (the literals'
lower-cased spellings are added to its automaton). The analysis reads the pattern with the standard
library's own parser (``re._parser``, what ``re.compile`` uses) rather than a hand-written one; when that
module is unavailable, or a pattern fits neither shape, the rule simply runs through ``finditer``.
Tests check the equivalence on every anchored rule of both shipped rule sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import product
from typing import Any

try:  # the parser re.compile itself uses; private, so guarded
    from re import _constants as _c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - a future Python without it: rules just are not accelerated
    _sre_parse = None  # type: ignore[assignment]
    _c = None  # type: ignore[assignment]

MAX_PREFIX = 256  # a longer lazy prefix would make e(q) searches long: not worth accelerating
MAX_LITERALS = 256  # literal spellings per rule
MIN_LITERAL = 3  # shorter literals would hit everywhere; finditer is then just as good
MIN_LITERAL_AT_START = 2  # without a prefix one match attempt per hit is cheap: "s." and "ey" still pay


@dataclass(frozen=True, slots=True)
class Anchor:
    """How to run one rule from literal hits: ``literals`` (lower-case), prefix reach and class."""

    literals: tuple[str, ...]
    reach: int  # N: the most characters the lazy prefix can take (0: no prefix, the match starts at its literal)
    last_break: re.Pattern[str] | None  # ``.*(?!C).``: matched on [e, q) it ends just after the last non-C one
    ascii_class: frozenset[str]  # the ASCII characters in C, to decide the common case without a regex call
    rest: re.Pattern[str] | None = None  # the pattern after its prefix: must match at a hit for it to matter


def analyse(regex: re.Pattern[str]) -> Anchor | None:
    """The anchor plan of a compiled rule regex, or None when matching it from literal hits would not help."""
    if _sre_parse is None:
        return None
    try:
        parsed = _sre_parse.parse(regex.pattern, regex.flags)
    except (re.error, RecursionError, OverflowError):  # pragma: no cover - it compiled, so it parses
        return None
    flags = parsed.state.flags
    items, regrouped = _flatten(list(parsed))
    reach, klass = 0, None
    while items and items[0][0] is _c.MIN_REPEAT:
        lo, hi, body = items[0][1]
        body = list(body)
        if lo != 0 or len(body) != 1 or body[0][0] is not _c.IN:
            return None
        if klass is not None and body[0][1] != klass:
            return None
        klass = body[0][1]
        reach += hi
        items, opened = _flatten(items[1:])
        regrouped = regrouped or opened
    if klass is None:
        # No prefix: the match starts at its literal. Worth it unless re already skips ahead to a
        # case-sensitive literal prefix by itself (``ghp_…``); a leading \b or group defeats that.
        if not items or (items[0][0] is _c.LITERAL and not flags & re.IGNORECASE):
            return None
        literals = _ascii_lowered(_prefix_strings(items), MIN_LITERAL_AT_START)
        return Anchor(literals, 0, None, frozenset()) if literals else None
    if reach > MAX_PREFIX or (regrouped and not _case_free(klass)):
        return None  # a (?i:…) group around part of the prefix could change what the class means
    literals = _ascii_lowered(_prefix_strings(items), MIN_LITERAL)
    source = _class_source(klass)
    if not literals or source is None:
        return None
    class_flags = flags & (re.IGNORECASE | re.ASCII)
    try:
        last_break = re.compile(f"(?s).*(?!{source}).", class_flags)
        klass_rx = re.compile(source, class_flags)
    except re.error:  # pragma: no cover - rebuilt from a class that compiled
        return None
    ascii_class = frozenset(c for c in map(chr, range(128)) if klass_rx.fullmatch(c))
    return Anchor(literals, reach, last_break, ascii_class, None if regrouped else _rest(regex, reach, items))


_PREFIX_TEXT = re.compile(r"(?:\(\?[aiLmsux]+\))?\[(?:\\.|[^\]\\])+\]\{0,(\d+)\}\?")


def _rest(regex: re.Pattern[str], reach: int, items: list[Any]) -> re.Pattern[str] | None:
    """The regex without its leading ``[C]{0,N}?`` (same flags), when the text says so unambiguously.

    A literal hit q can be where a match's prefix ends only if this matches at q, and then every start
    that reaches q matches: a cheap test that skips most hits before working out e(q)."""
    head = _PREFIX_TEXT.match(regex.pattern)
    if head is None or int(head.group(1)) != reach:
        return None
    try:
        rest = re.compile(regex.pattern[head.end():], regex.flags)
        same = plain_tree(list(_sre_parse.parse(rest.pattern, rest.flags))) == plain_tree(items)
    except (re.error, RecursionError):
        return None
    return rest if same else None


def _ascii_lowered(literals: set[str] | None, shortest: int) -> tuple[str, ...] | None:
    if not literals:
        return None
    lowered = tuple(sorted({s.lower() for s in literals}))
    if min(len(s) for s in lowered) < shortest or not all(s.isascii() for s in lowered):
        return None  # non-ASCII: the scanner's lower-casing may be ASCII-only, so offsets could disagree
    return lowered


def anchored_finditer(regex: re.Pattern[str], anchor: Anchor, text: str,
                      hits: Iterable[int]) -> Iterator[re.Match[str]]:
    """``regex.finditer(text)``, match for match, trying only the start each literal hit allows.

    ``hits``: sorted start offsets of the anchor's literals in ``text`` (every occurrence)."""
    pos = 0
    tried = -1
    reach = anchor.reach
    last_break = anchor.last_break.match if anchor.last_break is not None else None
    in_class = anchor.ascii_class
    match = regex.match
    rest = anchor.rest.match if anchor.rest is not None else None
    for q in hits:
        if q < pos or (rest is not None and rest(text, q) is None):
            continue  # inside the last match, or no match can use this hit as the end of its prefix
        e = q - reach if q - reach > pos else pos
        if e < q:
            before = text[q - 1]
            if before < "\x80" and before not in in_class:
                e = q  # the prefix cannot cross the character just before the literal
            elif last_break is not None:
                cut = last_break(text, e, q)  # the C-run ending at q starts after the last non-C character
                if cut is not None:
                    e = cut.end()
        if e <= tried:
            continue  # this start already failed (or lies inside the last match)
        tried = e
        m = match(text, e)
        if m is not None:
            yield m
            pos = max(m.end(), e + 1)  # literals are non-empty, so a match never is; be safe anyway


# ---------------------------------------------------------------------------------------------------------
# Pattern analysis on re._parser trees


def plain_tree(node: Any) -> Any:
    """A parse tree as nested tuples, so two trees compare by content (SubPattern compares by identity)."""
    if isinstance(node, _sre_parse.SubPattern):
        return tuple(plain_tree(item) for item in node.data)
    if isinstance(node, list | tuple):
        return tuple(plain_tree(item) for item in node)
    return node


def _flatten(items: list[Any]) -> tuple[list[Any], bool]:
    """Open leading groups: ``(?:(?i:X)Y)Z`` starts like ``XYZ``. Also says whether a group changed flags."""
    flagged = False
    while items and items[0][0] is _c.SUBPATTERN:
        _group, add, remove, body = items[0][1]
        flagged = flagged or bool(add or remove)
        items = list(body) + items[1:]
    return items, flagged


def _case_free(klass: list[Any]) -> bool:
    """True when case-insensitivity cannot change the class (no letters named one by one)."""
    for kind, value in klass:
        if kind is _c.LITERAL and chr(value).isalpha():
            return False
        if kind is _c.RANGE and any(chr(c).isalpha() for c in range(value[0], value[1] + 1)):
            return False
    return True


def _prefix_strings(items: list[Any]) -> set[str] | None:
    """Strings one of which every match of ``items`` starts with; None when there is no such set."""
    acc = {""}
    for op, av in items:
        if op is _c.AT:
            continue  # zero-width: \\b, ^, $
        whole = _full_strings(op, av)
        if whole is not None:
            acc = _join(acc, whole)
            if acc is None:
                return None
            continue
        part = _item_prefix(op, av)
        if part is not None:
            acc = _join(acc, part)
        break
    if acc is None or "" in acc:
        return None
    return acc


def _item_prefix(op: Any, av: Any) -> set[str] | None:
    if op is _c.SUBPATTERN:
        return _prefix_strings(list(av[3]))
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            part = _prefix_strings(list(branch))
            if part is None:
                return None
            out |= part
        return out
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
        return _prefix_strings(list(av[2]))
    return None


def _full_strings(op: Any, av: Any) -> set[str] | None:
    """Every string this one item can match, when that is a small finite set."""
    if op is _c.LITERAL:
        return {chr(av)}
    if op is _c.AT:
        return {""}
    if op is _c.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is _c.LITERAL:
                chars.add(chr(value))
            elif kind is _c.RANGE and value[1] - value[0] < 8:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:
                return None
        return chars if len(chars) <= 8 else None
    if op is _c.SUBPATTERN:
        return _full_seq(list(av[3]))
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _full_seq(list(branch))
            if strings is None:
                return None
            out |= strings
        return out if len(out) <= MAX_LITERALS else None
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        lo, hi, body = av
        if hi > 3:
            return None
        one = _full_seq(list(body))
        if one is None:
            return None
        out = set()
        for n in range(lo, hi + 1):
            joined = _power(one, n)
            if joined is None:
                return None
            out |= joined
        return out if len(out) <= MAX_LITERALS else None
    return None


def _full_seq(items: list[Any]) -> set[str] | None:
    acc: set[str] | None = {""}
    for op, av in items:
        strings = _full_strings(op, av)
        if strings is None or acc is None:
            return None
        acc = _join(acc, strings)
    return acc


def _join(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > MAX_LITERALS:
        return None
    return {a + b for a, b in product(left, right)}


def _power(strings: set[str], n: int) -> set[str] | None:
    acc: set[str] | None = {""}
    for _ in range(n):
        if acc is None:
            return None
        acc = _join(acc, strings)
    return acc


_CATEGORY_SOURCE = {"CATEGORY_WORD": r"\w", "CATEGORY_DIGIT": r"\d", "CATEGORY_SPACE": r"\s",
                    "CATEGORY_NOT_WORD": r"\W", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_NOT_SPACE": r"\S"}


def _class_source(klass: list[Any]) -> str | None:
    """A character class back as pattern text (``[\\w.-]``), to search for the run before a hit."""
    parts = []
    for kind, value in klass:
        if kind is _c.NEGATE:
            parts.append("^")
        elif kind is _c.LITERAL:
            parts.append(re.escape(chr(value)))
        elif kind is _c.RANGE:
            parts.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
        elif kind is _c.CATEGORY and str(value) in _CATEGORY_SOURCE:
            parts.append(_CATEGORY_SOURCE[str(value)])
        else:
            return None
    return "[" + "".join(parts) + "]"
