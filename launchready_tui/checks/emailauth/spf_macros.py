"""SPF macro expansion (RFC 7208 §7): ``%{ir}.%{v}._spf.%{d2}`` and friends.

Pure: the caller supplies the values. ``%{p}`` needs DNS (a validated reverse name), so the evaluator works it
out first and passes it in. Upper-case macro letters are URL-escaped (RFC 3986 unreserved characters kept).
Domain names longer than 253 characters lose labels from the left (§7.3).
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass
from urllib.parse import quote

from launchready_tui.checks.emailauth.spf_syntax import DOMAIN_MACRO_LETTERS, EXPLAIN_MACRO_LETTERS, macro_problems

MAX_DOMAIN = 253
_MACRO = re.compile(r"%\{([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)\}|%%|%_|%-")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class MacroError(ValueError):
    """The macro-string is not valid (the caller turns this into permerror or the default explanation)."""


@dataclass(frozen=True, slots=True)
class MacroValues:
    sender: str  # s: local@domain
    local: str  # l
    sender_domain: str  # o
    domain: str  # d: the domain being evaluated
    ip: IPAddress  # i, c, v
    helo: str  # h
    validated: str = "unknown"  # p
    receiver: str = "unknown"  # r
    timestamp: int | None = None  # t

    def value(self, letter: str) -> str:
        letter = letter.lower()
        if letter == "s":
            return self.sender
        if letter == "l":
            return self.local
        if letter == "o":
            return self.sender_domain
        if letter == "d":
            return self.domain
        if letter == "i":
            return ip_dotted(self.ip)
        if letter == "c":
            return str(self.ip)
        if letter == "v":
            return "in-addr" if self.ip.version == 4 else "ip6"
        if letter == "h":
            return self.helo
        if letter == "p":
            return self.validated
        if letter == "r":
            return self.receiver
        if letter == "t":
            return str(self.timestamp if self.timestamp is not None else int(time.time()))
        raise MacroError(f"unknown macro letter {letter!r}")


def ip_dotted(ip: IPAddress) -> str:
    """%{i}: dotted quad, or the 32 nibbles of an IPv6 address separated by dots (upper case, as the suite expects)."""
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.packed.hex().upper())


def _transform(value: str, digits: str, reverse: bool, delimiters: str) -> str:
    parts = re.split("[" + re.escape(delimiters or ".") + "]", value)
    if reverse:
        parts.reverse()
    if digits:
        keep = int(digits)
        parts = parts[-keep:] if keep < len(parts) else parts
    return ".".join(parts)


def _escape(text: str) -> str:
    return quote(text, safe="-._~")


def expand(spec: str, values: MacroValues, *, explanation: bool = False) -> str:
    """Expand a macro-string; raises MacroError when it is not valid for its place."""
    letters = EXPLAIN_MACRO_LETTERS if explanation else DOMAIN_MACRO_LETTERS
    problems = macro_problems(spec, letters, allow_space=explanation)
    if problems:
        raise MacroError(problems[0])

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "%%":
            return "%"
        if token == "%_":
            return " "
        if token == "%-":
            return "%20"
        letter, digits, rev, delims = m.groups()
        out = _transform(values.value(letter), digits, bool(rev), delims)
        return _escape(out) if letter.isupper() else out

    result = _MACRO.sub(one, spec)
    if not explanation:
        result = truncate_domain(result)
    return result


def truncate_domain(name: str) -> str:
    """§7.3: drop labels from the left until the name fits in 253 characters."""
    trimmed = name[:-1] if name.endswith(".") else name
    while len(trimmed) > MAX_DOMAIN and "." in trimmed:
        trimmed = trimmed.split(".", 1)[1]
    return trimmed


def needs_validated_name(spec: str) -> bool:
    """True when expanding ``spec`` needs %{p} (a PTR lookup)."""
    return any(m.group(1) and m.group(1).lower() == "p" for m in _MACRO.finditer(spec))


def static_expand(spec: str, domain: str) -> str | None:
    """Expand a domain-spec that only uses %{d} (and %%, %_, %-): what the linter can know without a sender.

    Returns None when the spec depends on the sender (s, l, o, i, p, h, v).
    """
    for m in _MACRO.finditer(spec):
        if m.group(1) and m.group(1).lower() != "d":
            return None
    dummy = MacroValues(sender=f"postmaster@{domain}", local="postmaster", sender_domain=domain, domain=domain,
                        ip=ipaddress.IPv4Address("192.0.2.1"), helo=domain)
    try:
        return expand(spec, dummy)
    except MacroError:
        return None
