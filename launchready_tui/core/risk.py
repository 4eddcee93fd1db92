"""The ranked risk list (stage 1's deliverable and the report's ``risks``): findings in business order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from launchready_tui.core.model import STATUS_SEVERITY, CheckResult, Impact, Status

# Only these statuses are risks: pass needs nothing, skipped/manual are to-dos, not findings.
RISK_STATUSES: frozenset[Status] = frozenset({Status.FAIL, Status.WARN, Status.ERROR})

# Impact order, most costly first. Reasons, for a founder about to demo or sell:
#   broken-login    nobody can get in, so nothing else can be shown or sold
#   data-leak       leaked keys/customer data cannot be taken back and cost money and trust at once
#   downtime        the product is unreachable, but recovers once fixed
#   email-delivery  sign-up and password mail missing quietly loses every new user
#   security        an easier way in, not yet an incident
#   cost            someone can run up bills: painful, bounded by provider limits
#   slow-demo       embarrassing, not breaking
#   seo             slow-burning, invisible during a demo
#   ops             matters when something else breaks
IMPACT_ORDER: tuple[Impact, ...] = (
    Impact.BROKEN_LOGIN,
    Impact.DATA_LEAK,
    Impact.DOWNTIME,
    Impact.EMAIL_DELIVERY,
    Impact.SECURITY,
    Impact.COST,
    Impact.SLOW_DEMO,
    Impact.SEO,
    Impact.OPS,
)
IMPACT_WEIGHT: dict[Impact, int] = {impact: i for i, impact in enumerate(IMPACT_ORDER)}


@dataclass(frozen=True, slots=True)
class Risk:
    rank: int  # 1-based
    check_id: str
    impact: Impact
    status: Status
    blocker: bool
    summary: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The report's ``risks[]`` entry: the contract's four keys plus status and fix."""
        return {
            "rank": self.rank,
            "check_id": self.check_id,
            "impact": self.impact.value,
            "summary": self.summary,
            "status": self.status.value,
            "fix": self.fix,
        }


def _sort_key(result: CheckResult) -> tuple[int, int, int, str]:
    return (
        0 if result.blocker else 1,
        -STATUS_SEVERITY[result.status],  # fail > warn > error
        IMPACT_WEIGHT.get(result.impact, len(IMPACT_ORDER)),
        result.id,  # stable across runs, whatever order the checks finished in
    )


def rank_risks(results: Iterable[CheckResult]) -> list[Risk]:
    """Failures, warnings and unmeasured checks as a ranked list; passes, skips and manual items are left out.

    Order: blockers first, then fail > warn > error, then impact (``IMPACT_ORDER``), then check id.
    """
    findings = sorted((r for r in results if r.status in RISK_STATUSES), key=_sort_key)
    return [
        Risk(
            rank=i,
            check_id=r.id,
            impact=r.impact,
            status=r.status,
            blocker=r.blocker,
            summary=r.summary,
            fix=r.fix,
        )
        for i, r in enumerate(findings, start=1)
    ]
