"""The RFC 7208 SPF record grammar (§4.5, §4.6, §5, §6, §7, §12): parse a record into terms or say where it breaks.

``parse_spf(text)`` returns an ``SpfRecord`` or raises ``SpfParseError`` listing *every* syntax problem with
its character position ("detect errors anywhere": receivers reject the whole record for one bad term, even one
after ``-all``). It never raises anything else, whatever the input.

Details that other checkers get wrong and the OpenSPF suite tests: the version tag is case-insensitive
(``v=SpF1``); terms are separated by spaces only (a tab, CR or LF inside a term is an error); a domain-spec must
end in a macro or in ``.toplabel`` where the top label is not all digits (``a:abc.123``, ``a:museum`` and
``a:example.-com`` are errors, ``a:foo:bar/baz.example.com`` is fine); CIDR lengths have no leading zeros;
``exists`` and ``ptr`` take no CIDR; ``%{c}``, ``%{r}`` and ``%{t}`` are only allowed in explanation text.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from launchready_tui.checks.emailauth.errors import Problem, SpfParseError

QUALIFIERS = "+-~?"
QUALIFIER_RESULT = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
# Terms that cost one of the ten DNS lookups (RFC 7208 §4.6.4); "exp" is not counted.
LOOKUP_MECHANISMS = frozenset({"include", "a", "mx", "ptr", "exists"})
DOMAIN_MACRO_LETTERS = frozenset("slodiphv")
EXPLAIN_MACRO_LETTERS = DOMAIN_MACRO_LETTERS | frozenset("crt")
DELIMITERS = frozenset(".-+,/_=")

_MODIFIER = re.compile(r"([A-Za-z][A-Za-z0-9._-]*)=")
_MECH_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_TOPLABEL = r"(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN_END = re.compile(r"\." + _TOPLABEL + r"\.?\Z")
_CIDR4 = r"(?:0|[1-9][0-9]?)"
_CIDR6 = r"(?:0|[1-9][0-9]{0,2})"
_DUAL_CIDR = re.compile(rf"(?P<c4>/{_CIDR4})?(?P<c6>//{_CIDR6})?")
_DOMAIN_AND_CIDR = re.compile(rf"(?P<dom>.*?)(?P<c4>/{_CIDR4})?(?P<c6>//{_CIDR6})?", re.DOTALL)
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"(?P<ip>{_QNUM}\.{_QNUM}\.{_QNUM}\.{_QNUM})(?:/(?P<len>{_CIDR4}))?")
_IP6 = re.compile(rf"(?P<ip>[0-9A-Fa-f:.]+)(?:/(?P<len>{_CIDR6}))?")
MAX_TERMS = 512  # a DNS TXT RRset tops out near 64 KiB; this is far beyond any real record


@dataclass(frozen=True, slots=True)
class Mechanism:
    qualifier: str  # "+", "-", "~" or "?"
    kind: str  # one of MECHANISMS, lower case
    text: str  # the term as written
    position: int
    domain_spec: str | None = None  # include/exists always; a/mx/ptr when given
    cidr4: int | None = None  # a/mx dual CIDR, ip4 prefix length
    cidr6: int | None = None  # a/mx dual CIDR, ip6 prefix length
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None  # ip4/ip6

    @property
    def counts_lookup(self) -> bool:
        return self.kind in LOOKUP_MECHANISMS

    @property
    def result(self) -> str:
        return QUALIFIER_RESULT[self.qualifier]


@dataclass(frozen=True, slots=True)
class Modifier:
    name: str  # lower case
    value: str
    text: str
    position: int


@dataclass(frozen=True, slots=True)
class SpfRecord:
    text: str
    mechanisms: tuple[Mechanism, ...]
    modifiers: tuple[Modifier, ...] = ()
    terms: tuple[Mechanism | Modifier, ...] = field(default=())

    @property
    def redirect(self) -> Modifier | None:
        return next((m for m in self.modifiers if m.name == "redirect"), None)

    @property
    def exp(self) -> Modifier | None:
        return next((m for m in self.modifiers if m.name == "exp"), None)

    @property
    def all_mechanism(self) -> Mechanism | None:
        return next((m for m in self.mechanisms if m.kind == "all"), None)

    @property
    def unknown_modifiers(self) -> tuple[Modifier, ...]:
        return tuple(m for m in self.modifiers if m.name not in ("redirect", "exp"))


def is_spf_record(text: str) -> bool:
    """RFC 7208 §4.5: the version is exactly "v=spf1" (any case) followed by a space or the end."""
    return text[:6].lower() == "v=spf1" and (len(text) == 6 or text[6] == " ")


# -------------------------------------------------------------------------------------------- macros


def macro_problems(spec: str, letters: frozenset[str], *, allow_space: bool = False) -> list[str]:
    """Syntax problems of a macro-string (RFC 7208 §7.1); empty list when it is valid."""
    problems: list[str] = []
    i, n = 0, len(spec)
    while i < n:
        ch = spec[i]
        if ch == "%":
            nxt = spec[i + 1] if i + 1 < n else ""
            if nxt in ("%", "_", "-"):
                i += 2
                continue
            if nxt != "{":
                problems.append(f"'%' must be followed by '{{', '%', '_' or '-' (at {i}); "
                                "write '%%' for a percent sign")
                i += 1
                continue
            close = spec.find("}", i + 2)
            if close < 0:
                problems.append(f"macro at {i} is never closed with '}}'")
                break
            body = spec[i + 2:close]
            m = re.fullmatch(r"([A-Za-z])([0-9]*)(r?)(.*)", body, re.DOTALL | re.IGNORECASE)
            if not m:
                problems.append(f"'%{{{body}}}' is not a valid macro")
            else:
                letter, digits, _rev, delims = m.groups()
                if letter.lower() not in letters:
                    where = "explanation text" if letter.lower() in "crt" else "SPF"
                    problems.append(f"'%{{{body}}}' uses the letter {letter!r}, which is not allowed here"
                                    + (f" (only in {where})" if letter.lower() in "crt" else ""))
                elif digits and int(digits) == 0:
                    problems.append(f"'%{{{body}}}': the number of parts must not be zero")
                elif any(c not in DELIMITERS for c in delims):
                    problems.append(f"'%{{{body}}}' has invalid delimiters {delims!r}")
            i = close + 1
            continue
        code = ord(ch)
        if not (0x21 <= code <= 0x7E or (allow_space and ch == " ")):
            problems.append(f"character {_show_char(ch)} at {i} is not allowed in SPF (visible ASCII only)")
        i += 1
    return problems


def _show_char(ch: str) -> str:
    if ch == " ":
        return "space"
    return repr(ch) if ch.isprintable() and ord(ch) < 0x7F else f"U+{ord(ch):04X}"


def _last_literal(spec: str) -> tuple[str, bool]:
    """The literal text after the last macro-expand, and whether the spec ends in a macro-expand."""
    i, start, ends_with_macro = 0, 0, False
    while i < len(spec):
        if spec[i] == "%" and i + 1 < len(spec):
            if spec[i + 1] == "{":
                close = spec.find("}", i + 2)
                if close < 0:
                    return spec[start:], False
                i = start = close + 1
                ends_with_macro = i == len(spec)
                continue
            if spec[i + 1] in "%_-":
                i = start = i + 2
                ends_with_macro = i == len(spec)
                continue
        i += 1
        ends_with_macro = False
    return spec[start:], ends_with_macro


def domain_spec_problems(spec: str, *, letters: frozenset[str] = DOMAIN_MACRO_LETTERS) -> list[str]:
    """Problems of a domain-spec (macro-string domain-end); empty list when valid."""
    if not spec:
        return ["the domain is missing"]
    problems = macro_problems(spec, letters)
    if problems:
        return problems
    tail, ends_with_macro = _last_literal(spec)
    if not ends_with_macro and not _DOMAIN_END.search(tail):
        problems.append(f"{spec!r} is not a valid domain: it must end in a name like '.com' whose last part is "
                        "not all digits")
    return problems


def has_macros(spec: str) -> bool:
    return "%" in spec


# ---------------------------------------------------------------------------------------------- terms


def _mechanism(qualifier: str, kind: str, rest: str, text: str, pos: int) -> tuple[Mechanism | None, list[str]]:
    if kind == "all":
        if rest:
            return None, [f"'all' takes no value, found {rest!r}"]
        return Mechanism(qualifier, kind, text, pos), []
    if kind in ("include", "exists"):
        if not rest.startswith(":"):
            return None, [f"'{kind}' needs a domain: {kind}:example.com"]
        spec = rest[1:]
        problems = domain_spec_problems(spec)
        return (None, problems) if problems else (Mechanism(qualifier, kind, text, pos, domain_spec=spec), [])
    if kind == "ptr":
        if not rest:
            return Mechanism(qualifier, kind, text, pos), []
        if not rest.startswith(":"):
            return None, [f"'ptr' takes no CIDR length, found {rest!r}"]
        spec = rest[1:]
        problems = domain_spec_problems(spec)
        return (None, problems) if problems else (Mechanism(qualifier, kind, text, pos, domain_spec=spec), [])
    if kind in ("a", "mx"):
        target: str | None = None
        if rest.startswith(":"):
            m = _DOMAIN_AND_CIDR.fullmatch(rest[1:])
            assert m is not None  # the pattern matches any string
            target, c4, c6 = m.group("dom"), m.group("c4"), m.group("c6")
            problems = domain_spec_problems(target)
            if problems:
                return None, problems
        else:
            m = _DUAL_CIDR.fullmatch(rest)
            if m is None:
                return None, [f"{rest!r} after '{kind}' is not a valid CIDR length (use /24 or //64)"]
            c4, c6 = m.group("c4"), m.group("c6")
        cidr4 = int(c4[1:]) if c4 else None
        cidr6 = int(c6[2:]) if c6 else None
        if cidr4 is not None and cidr4 > 32:
            return None, [f"IPv4 CIDR length /{cidr4} is more than 32"]
        if cidr6 is not None and cidr6 > 128:
            return None, [f"IPv6 CIDR length //{cidr6} is more than 128"]
        return Mechanism(qualifier, kind, text, pos, domain_spec=target, cidr4=cidr4, cidr6=cidr6), []
    if kind == "ip4":
        m = _IP4.fullmatch(rest[1:]) if rest.startswith(":") else None
        if m is None:
            return None, [f"'{text}' is not a valid ip4: term (write ip4:192.0.2.1 or ip4:192.0.2.0/24)"]
        prefix = int(m.group("len")) if m.group("len") else 32
        if prefix > 32:
            return None, [f"IPv4 CIDR length /{prefix} is more than 32"]
        net4 = ipaddress.IPv4Network(f"{m.group('ip')}/{prefix}", strict=False)
        return Mechanism(qualifier, kind, text, pos, cidr4=prefix, network=net4), []
    if kind == "ip6":
        m = _IP6.fullmatch(rest[1:]) if rest.startswith(":") else None
        net6: ipaddress.IPv6Network | None = None
        prefix6 = 128
        if m is not None:
            prefix6 = int(m.group("len")) if m.group("len") else 128
            try:
                net6 = ipaddress.IPv6Network(f"{ipaddress.IPv6Address(m.group('ip'))}/{min(prefix6, 128)}",
                                             strict=False)
            except ValueError:
                net6 = None
        if net6 is None:
            return None, [f"'{text}' is not a valid ip6: term (write ip6:2001:db8::1 or ip6:2001:db8::/32)"]
        if prefix6 > 128:
            return None, [f"IPv6 CIDR length /{prefix6} is more than 128"]
        return Mechanism(qualifier, kind, text, pos, cidr6=prefix6, network=net6), []
    return None, [f"{kind!r} is not an SPF mechanism"]


def _term(token: str, pos: int) -> tuple[Mechanism | Modifier | None, list[str]]:
    mod = _MODIFIER.match(token)
    if mod:
        name, value = mod.group(1).lower(), token[mod.end():]
        if name in ("redirect", "exp"):
            problems = domain_spec_problems(value)
            if problems:
                return None, [f"{name}=: {p}" for p in problems]
        else:
            problems = macro_problems(value, EXPLAIN_MACRO_LETTERS)
            if problems:
                return None, [f"modifier {mod.group(1)!r}: {p}" for p in problems]
        return Modifier(name, value, token, pos), []
    qualifier, body = ("+", token)
    if token[0] in QUALIFIERS:
        qualifier, body = token[0], token[1:]
    name = _MECH_NAME.match(body)
    if name is None:
        return None, [f"{token!r} is neither a mechanism nor a name=value modifier"]
    kind = name.group(0).lower()
    rest = body[name.end():]
    if kind not in MECHANISMS:
        if "=" in token:
            return None, [f"{token!r} is not a valid modifier (a name is letters, digits, '-', '_' or '.')"]
        return None, [f"{name.group(0)!r} is not an SPF mechanism"]
    return _mechanism(qualifier, kind, rest, token, pos)


def _tokens(text: str, start: int) -> list[tuple[str, int]]:
    """Terms split on spaces only (RFC 7208 §4.6.1), each with its offset in ``text``."""
    out: list[tuple[str, int]] = []
    pos = start
    for piece in text[start:].split(" "):
        if piece:
            out.append((piece, pos))
        pos += len(piece) + 1
    return out


def parse_spf(text: str) -> SpfRecord:
    """Parse one SPF record. Raises SpfParseError listing every problem; never another exception."""
    if not isinstance(text, str):
        raise SpfParseError("spf.not_text", "the record is not text")
    if not is_spf_record(text):
        raise SpfParseError("spf.not_spf", "this is not an SPF record: it must start with 'v=spf1'", position=0)
    problems: list[Problem] = []
    mechanisms: list[Mechanism] = []
    modifiers: list[Modifier] = []
    terms: list[Mechanism | Modifier] = []
    tokens = _tokens(text, 6)
    if len(tokens) > MAX_TERMS:
        raise SpfParseError("spf.too_many_terms", f"the record has {len(tokens)} terms; that cannot be a real record")
    seen: dict[str, Modifier] = {}
    for token, pos in tokens:
        term, why = _term(token, pos)
        if term is None:
            problems += [Problem("spf.syntax", f"{w} (term {token!r} at character {pos + 1})", pos, token)
                         for w in why]
            continue
        terms.append(term)
        if isinstance(term, Modifier):
            if term.name in ("redirect", "exp") and term.name in seen:
                problems.append(Problem("spf.duplicate_modifier",
                                        f"'{term.name}=' appears twice (at character {seen[term.name].position + 1} "
                                        f"and {pos + 1}); it may appear only once", pos, token))
            seen.setdefault(term.name, term)
            modifiers.append(term)
        else:
            mechanisms.append(term)
    if problems:
        first = problems[0]
        summary = first.message if len(problems) == 1 else f"{first.message}; and {len(problems) - 1} more problem(s)"
        raise SpfParseError(first.code, summary, position=first.position, term=first.term, problems=tuple(problems))
    return SpfRecord(text, tuple(mechanisms), tuple(modifiers), tuple(terms))


def spf_records(texts: list[str]) -> list[str]:
    """The SPF records among a name's TXT strings (RFC 7208 §4.5 record selection)."""
    return [t for t in texts if is_spf_record(t)]
