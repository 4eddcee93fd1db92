"""The result model shared by checks, the runner, reports and screens (report JSON of the contract)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # we could not measure; the summary says why
    SKIPPED = "skipped"  # not applicable or not opted in; the summary says why
    MANUAL = "manual"  # only a person can confirm

    @property
    def glyph(self) -> str:
        return STATUS_GLYPHS[self]

    @property
    def label(self) -> str:
        """Glyph and word: never colour alone."""
        return f"{STATUS_GLYPHS[self]} {self.value.upper()}"


STATUS_GLYPHS: dict[Status, str] = {
    Status.PASS: "✔",
    Status.WARN: "▲",
    Status.FAIL: "✖",
    Status.ERROR: "?",
    Status.SKIPPED: "–",
    Status.MANUAL: "✎",
}

# Severity order used by --fail-on and risk ranking.
STATUS_SEVERITY: dict[Status, int] = {
    Status.FAIL: 3,
    Status.WARN: 2,
    Status.ERROR: 1,
    Status.MANUAL: 0,
    Status.SKIPPED: 0,
    Status.PASS: 0,
}


class Impact(StrEnum):
    """Business words used to rank risks (contract)."""

    BROKEN_LOGIN = "broken-login"
    EMAIL_DELIVERY = "email-delivery"
    DOWNTIME = "downtime"
    SLOW_DEMO = "slow-demo"
    DATA_LEAK = "data-leak"
    SECURITY = "security"
    COST = "cost"
    SEO = "seo"
    OPS = "ops"

    @property
    def words(self) -> str:
        return IMPACT_WORDS[self]


IMPACT_WORDS: dict[Impact, str] = {
    Impact.BROKEN_LOGIN: "users cannot sign in or sign-up breaks",
    Impact.EMAIL_DELIVERY: "onboarding and password mail lands in spam or never arrives",
    Impact.DOWNTIME: "the product is unreachable for some or all users",
    Impact.SLOW_DEMO: "pages and AI answers are slow during a demo",
    Impact.DATA_LEAK: "keys or customer data can be read by anyone",
    Impact.SECURITY: "attackers get an easier way in",
    Impact.COST: "someone else can run up your bills",
    Impact.SEO: "search engines see duplicate or broken pages",
    Impact.OPS: "nobody notices or can fix a problem quickly",
}


@dataclass(slots=True)
class Outcome:
    """What a check function returns; the runner adds id, title, timing and defaults."""

    status: Status
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str | None = None
    blocker: bool = False
    impact: Impact | None = None  # None: the catalogue's default impact for this check
    target: str | None = None


@dataclass(slots=True)
class CheckResult:
    id: str
    title: str
    status: Status
    summary: str
    stage: int
    impact: Impact
    blocker: bool = False
    target: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    fix: str | None = None
    duration_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        data["impact"] = self.impact.value
        del data["stage"]
        return {
            k: data[k]
            for k in (
                "id", "title", "status", "blocker", "impact", "target",
                "summary", "evidence", "fix", "duration_ms",
            )
        }
