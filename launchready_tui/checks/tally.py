"""Collects per-host findings of a check and turns them into one status and a plain summary.

Order of precedence: a measured problem wins over an unmeasured part (``fail`` > ``warn`` >
``error`` > ``pass``), so a timeout on one host never hides a real finding on another, and a
check with nothing wrong but something unmeasured says ``error`` with the reason, never ``pass``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from launchready_tui.core.model import Status

_SHOWN = 3  # findings spelled out in the summary; the rest are counted (all are in the evidence)


@dataclass(slots=True)
class Tally:
    fails: list[str] = field(default_factory=list)
    warns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, status: Status, message: str) -> None:
        {Status.FAIL: self.fails, Status.WARN: self.warns, Status.ERROR: self.errors}.get(
            status, self.notes).append(message)

    @property
    def status(self) -> Status:
        if self.fails:
            return Status.FAIL
        if self.warns:
            return Status.WARN
        if self.errors:
            return Status.ERROR
        return Status.PASS

    def summary(self, passed: str) -> str:
        """The findings that decide the status, then what could not be measured."""
        main = {Status.FAIL: self.fails, Status.WARN: self.warns, Status.ERROR: self.errors}.get(self.status)
        if main is None:
            return passed
        text = _join(main)
        if self.status in (Status.FAIL, Status.WARN) and self.warns and main is self.fails:
            text += f"; also {len(self.warns)} smaller issue{'s' if len(self.warns) > 1 else ''}"
        if self.status in (Status.FAIL, Status.WARN) and self.errors:
            text += f"; could not check: {_join(self.errors, 1)}"
        if self.status is Status.ERROR:
            text = "could not check: " + text
        return text


def _join(items: list[str], shown: int = _SHOWN) -> str:
    unique = list(dict.fromkeys(items))
    text = "; ".join(unique[:shown])
    if len(unique) > shown:
        text += f" (+{len(unique) - shown} more)"
    return text
