"""Findings: what a check found, with a stable code, a severity and the DNS name it asked.

A check's status is derived from its findings (checks-email.md §1): ``fail`` beats ``error`` beats
``warn`` beats ``pass``; notes never change the status. ``error`` means one part could not be verified
(a timeout, SERVFAIL): it outranks ``warn`` because the unverified part may hide a failure, but never a
``fail`` that was actually measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from launchready_tui.core.model import Status


class Severity(StrEnum):
    FAIL = "fail"
    ERROR = "error"  # this part could not be verified (DNS timeout, SERVFAIL, refused)
    WARN = "warn"
    NOTE = "note"


_RANK = {Severity.FAIL: 3, Severity.ERROR: 2, Severity.WARN: 1, Severity.NOTE: 0}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # stable, e.g. "spf.plus_all"
    severity: Severity
    message: str  # plain words, for a founder
    name: str | None = None  # the exact DNS name queried ("_dmarc.acme.example")
    permerror: bool = False  # SPF only: every receiver returns permerror, whatever the sender
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity.value, "message": self.message}
        if self.name:
            out["name"] = self.name
        if self.permerror:
            out["permerror"] = True
        if self.detail:
            out["detail"] = self.detail
        return out


def worst(findings: Iterable[Finding]) -> Severity | None:
    best: Severity | None = None
    for f in findings:
        if best is None or _RANK[f.severity] > _RANK[best]:
            best = f.severity
    return best


def status_of(findings: Iterable[Finding]) -> Status:
    """The check status for a list of findings (notes alone mean pass)."""
    top = worst(findings)
    if top is Severity.FAIL:
        return Status.FAIL
    if top is Severity.ERROR:
        return Status.ERROR
    if top is Severity.WARN:
        return Status.WARN
    return Status.PASS


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, keeping the discovery order among equals."""
    return sorted(findings, key=lambda f: -_RANK[f.severity])


def headline(findings: Iterable[Finding], limit: int = 2) -> str:
    """The first few non-note messages, joined for a one-line summary."""
    items = [f.message for f in ordered(findings) if f.severity is not Severity.NOTE]
    text = "; ".join(items[:limit])
    if len(items) > limit:
        text += f" (+{len(items) - limit} more)"
    return text
