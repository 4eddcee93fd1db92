"""core/risk.py: ranking order and JSON shape."""

from __future__ import annotations

import random

from launchready_tui.core.model import CheckResult, Impact, Status
from launchready_tui.core.risk import IMPACT_ORDER, Risk, rank_risks


def _r(check_id: str, status: Status, impact: Impact, blocker: bool = False, fix: str | None = None) -> CheckResult:
    return CheckResult(id=check_id, title=check_id, status=status, summary=f"{check_id} summary", stage=1,
                       impact=impact, blocker=blocker, fix=fix)


def test_only_fail_warn_error_are_risks() -> None:
    results = [
        _r("a.pass", Status.PASS, Impact.DOWNTIME),
        _r("a.skip", Status.SKIPPED, Impact.DOWNTIME),
        _r("a.manual", Status.MANUAL, Impact.DOWNTIME, blocker=True),
        _r("a.fail", Status.FAIL, Impact.SEO),
        _r("a.warn", Status.WARN, Impact.SEO),
        _r("a.error", Status.ERROR, Impact.SEO),
    ]
    assert [r.check_id for r in rank_risks(results)] == ["a.fail", "a.warn", "a.error"]


def test_blockers_first_then_status_then_impact_then_id() -> None:
    results = [
        _r("z.warn_login", Status.WARN, Impact.BROKEN_LOGIN),
        _r("y.fail_ops", Status.FAIL, Impact.OPS),
        _r("x.fail_leak", Status.FAIL, Impact.DATA_LEAK),
        _r("w.error_login", Status.ERROR, Impact.BROKEN_LOGIN),
        _r("v.warn_blocker_seo", Status.WARN, Impact.SEO, blocker=True),
        _r("b.fail_leak", Status.FAIL, Impact.DATA_LEAK),
        _r("u.fail_blocker_cost", Status.FAIL, Impact.COST, blocker=True),
    ]
    expected = [
        "u.fail_blocker_cost",  # blockers first, fail before warn
        "v.warn_blocker_seo",
        "b.fail_leak",  # same status and impact: by id
        "x.fail_leak",
        "y.fail_ops",
        "z.warn_login",
        "w.error_login",
    ]
    for _ in range(5):  # order of input does not matter
        random.shuffle(results)
        ranked = rank_risks(results)
        assert [r.check_id for r in ranked] == expected
        assert [r.rank for r in ranked] == list(range(1, len(expected) + 1))


def test_impact_order_is_complete_and_as_documented() -> None:
    assert set(IMPACT_ORDER) == set(Impact)
    assert [i.value for i in IMPACT_ORDER] == [
        "broken-login", "data-leak", "downtime", "email-delivery", "security", "cost", "slow-demo", "seo", "ops",
    ]
    results = [_r(f"c.{i:02d}", Status.FAIL, impact) for i, impact in enumerate(reversed(IMPACT_ORDER))]
    assert [r.impact for r in rank_risks(results)] == list(IMPACT_ORDER)


def test_to_json_shape() -> None:
    [risk] = rank_risks([_r("tls.cert_valid", Status.FAIL, Impact.BROKEN_LOGIN, blocker=True, fix="renew it")])
    assert isinstance(risk, Risk)
    assert risk.blocker is True
    assert risk.to_json() == {
        "rank": 1, "check_id": "tls.cert_valid", "impact": "broken-login", "summary": "tls.cert_valid summary",
        "status": "fail", "fix": "renew it",
    }


def test_empty() -> None:
    assert rank_risks([]) == []
    assert rank_risks(iter([_r("a", Status.PASS, Impact.OPS)])) == []
