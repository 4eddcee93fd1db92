"""Typed parse errors: every record parser raises one of these for bad input, and nothing else.

Each error carries a stable ``code`` (used to pick severities and fixes), a plain-words ``message`` and,
where it helps, the character ``position`` in the record so the user can see where it broke.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One syntax problem inside a record (a record can have several; the linter shows them all)."""

    code: str
    message: str
    position: int | None = None  # 0-based character offset in the record text
    term: str | None = None  # the offending term, as written

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        if self.position is not None:
            out["position"] = self.position
        if self.term is not None:
            out["term"] = self.term
        return out


class ParseError(ValueError):
    """A record that does not parse. ``str(err)`` is one plain sentence."""

    def __init__(self, code: str, message: str, *, position: int | None = None, term: str | None = None,
                 problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position
        self.term = term
        self.problems = problems or (Problem(code, message, position, term),)


class SpfParseError(ParseError):
    """An SPF record that receivers treat as ``permerror`` (or text that is not an SPF record at all)."""


class DmarcParseError(ParseError):
    """A DMARC record that receivers cannot use."""


class DkimParseError(ParseError):
    """A DKIM key record or DKIM-Signature header that does not parse."""


class ContextRecordError(ParseError):
    """An MTA-STS, TLS-RPT or BIMI record (or MTA-STS policy file) that does not parse."""


class HeaderParseError(ParseError):
    """An Authentication-Results or DKIM-Signature header value that does not parse."""
