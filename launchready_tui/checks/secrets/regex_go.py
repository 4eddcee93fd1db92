"""Go RE2 regexes (the gitleaks rule format) compiled with Python's ``re``.

Python accepts most gitleaks patterns as they are; the rest differ in four ways (secrets.md §1):
``\\z`` (Python spells it ``\\Z``), POSIX classes such as ``[[:alnum:]]`` (Python compiles them, silently
wrong, as a nested set), a redundant inner ``(?i)`` and a mid-pattern ``(?i)`` that Go scopes to the rest of
the enclosing group, across its ``|`` branches. We translate those and compile with ``re.ASCII`` (Go's
``\\w``, ``\\b``, ``\\d`` and case folding are ASCII) and with warnings turned into errors, so a pattern
Python would misread is refused rather than run wrong.

Written by hand rather than depending on ``google-re2``: the translation is ~100 lines, keeps the project
on the standard library, and the measured speed-up of RE2 only matters for whole-file scans of multi-MB
blobs, which the engine avoids with keyword windows.
"""

from __future__ import annotations

import re
import warnings

_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\v\\f\\r", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}
_POSIX_RE = re.compile(r"\[:(\^?)([a-z]+):\]")
_LEADING_FLAGS = re.compile(r"\(\?([imsU]+)\)")
_INLINE_FLAGS = re.compile(r"(?<!\\)\(\?([imsU]+)\)")


class GoRegexError(ValueError):
    """A pattern that cannot be translated or compiled; the message says why."""


def _posix_classes(pattern: str) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in _POSIX:
            raise GoRegexError(f"unknown character class [:{name}:]")
        if m.group(1):
            raise GoRegexError(f"negated class [:^{name}:] is not supported")
        return _POSIX[name]

    return _POSIX_RE.sub(repl, pattern)


def _group_end(pattern: str, start: int) -> int:
    """Index of the ')' closing the group that contains ``start`` (len(pattern) at top level)."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a leading ']' is literal
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return len(pattern)


def _split_branches(text: str) -> list[str]:
    """Split on top-level '|' (outside groups and classes)."""
    parts, depth, i, last, in_class = [], 0, 0, 0, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if text[i + 1:i + 2] == "^":
                i += 1
            if text[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(text[last:i])
            last = i + 1
        i += 1
    parts.append(text[last:])
    return parts


def _scope_inline_flags(pattern: str) -> str:
    """Turn each mid-pattern ``(?flags)`` into scoped ``(?flags:…)`` groups, as Go scopes them."""
    leading = _LEADING_FLAGS.match(pattern)
    head_flags = set(leading.group(1)) if leading else set()
    pos = leading.end() if leading else 0
    while True:
        m = _INLINE_FLAGS.search(pattern, pos)
        if m is None:
            return pattern
        flags = "".join(f for f in m.group(1) if f not in head_flags)
        if "U" in flags:
            raise GoRegexError("the non-greedy flag (?U) has no Python equivalent")
        end = _group_end(pattern, m.end())
        rest = pattern[m.end():end]
        if flags:
            rest = "|".join(f"(?{flags}:{b})" for b in _split_branches(rest))
        pattern = pattern[:m.start()] + rest + pattern[end:]
        pos = m.start()


def translate(pattern: str) -> str:
    """The Python spelling of a Go RE2 pattern."""
    out = pattern.replace("\\z", "\\Z")
    out = _posix_classes(out)
    leading = _LEADING_FLAGS.match(out)
    if leading and "U" in leading.group(1):
        raise GoRegexError("the non-greedy flag (?U) has no Python equivalent")
    return _scope_inline_flags(out)


def compile_go(pattern: str) -> re.Pattern[str]:
    """Compile a Go RE2 pattern; raises GoRegexError with the reason when it cannot be used."""
    try:
        py = translate(pattern)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Possible nested set" means Python would read it differently
            return re.compile(py, re.ASCII)
    except GoRegexError:
        raise
    except (re.error, FutureWarning, DeprecationWarning) as exc:
        raise GoRegexError(str(exc)) from None
    except RecursionError:
        raise GoRegexError("the pattern is nested too deeply") from None
