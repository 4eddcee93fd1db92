"""The OpenSPF RFC 7208 suite (tests/email/data/spf, BSD-3-style) served by the lab DNS server on loopback.

* Evaluator: all 203 results, and every expected explanation text, reproduced by ``check_host()``.
* Linter: every record that is a permerror for any sender (the index's 75) is flagged as such; no other
  record is, with the two exceptions the data README documents (``multispf1``: two identical records collapse
  into one RRset in a real DNS server; ``include-at-limit``: 11 lookups counted statically, flagged on purpose).
* Names whose TXT lookup times out give ``error`` ("could not check"), never "no SPF record".
"""

from __future__ import annotations

from typing import Any

import pytest
from emailtest_support import email_dns, load_suite, serve_scenario

from launchready_tui.checks.emailauth.findings import Severity, status_of
from launchready_tui.checks.emailauth.spf_eval import check_host
from launchready_tui.checks.emailauth.spf_lint import lint_spf
from launchready_tui.core.model import Status

DNS_TIMEOUT = 0.3  # the suite's TIMEOUT names never answer; keep the wait short
SUITE = load_suite()
SCENARIOS = [pytest.param(s, id=s["description"]) for s in SUITE]

# The linter flags these although the index does not (see the module docstring and checks-email.md §8).
FLAGGED_ON_PURPOSE = {"include-at-limit"}
# A real DNS server cannot serve two identical records: the broken record of this case cannot exist on the wire.
UNSERVABLE = {"multispf1"}
# Whose record lookup (or a lookup the record needs) times out: "could not check".
UNVERIFIABLE = {"txttimeout", "nospftxttimeout", "alltimeout", "include-temperror", "exists-dnserr"}
# Names that cannot be looked up at all (a 64-character label, an empty label).
UNASKABLE = {"toolonglabel", "emptylabel"}
# Well-formed records that are dangerous: '+all' (or a bare 'all') lets anyone send.
PERMISSIVE = {"include-softfail", "multispf2", "all-double"}
# Domains with no SPF record at all (the result is "none" for every sender).
NO_RECORD = {"helo-not-fqdn", "helo-domain-literal", "domain-literal", "spfonly", "nospace1", "nospf"}


def _domain(test: dict[str, Any]) -> str:
    mailfrom = test.get("mailfrom") or ""
    return mailfrom.rpartition("@")[2] if mailfrom else test["helo"]


def test_the_suite_is_complete(spf_index: dict[str, dict[str, Any]]) -> None:
    tests = {name for s in SUITE for name in s["tests"]}
    assert len(SUITE) == 16 and len(tests) == 203 == len(spf_index)
    assert sum(r["permerror_for_any_client_ip"] for r in spf_index.values()) == 75


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_evaluator_reproduces_every_result(scenario: dict[str, Any]) -> None:
    wrong: list[str] = []
    async with serve_scenario(scenario["zonedata"]) as server:
        for name, test in scenario["tests"].items():
            dns = email_dns(server, timeout=DNS_TIMEOUT)
            got = await check_host(dns, test["host"], test.get("mailfrom") or "", test["helo"])
            expected = test["result"] if isinstance(test["result"], list) else [test["result"]]
            if got.result.value not in expected:
                wrong.append(f"{name}: expected {expected}, got {got.result.value} ({got.reason})")
            explanation = test.get("explanation")
            if explanation is not None and got.explanation != explanation:
                wrong.append(f"{name}: explanation {got.explanation!r} != {explanation!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_linter_flags_exactly_the_broken_records(
    scenario: dict[str, Any], spf_index: dict[str, dict[str, Any]]
) -> None:
    wrong: list[str] = []
    async with serve_scenario(scenario["zonedata"]) as server:
        for name, test in scenario["tests"].items():
            lint = await lint_spf(email_dns(server, timeout=DNS_TIMEOUT), _domain(test))
            flagged = any(f.permerror for f in lint.findings)
            status = status_of(lint.findings)
            broken = spf_index[name]["permerror_for_any_client_ip"]
            if name in UNSERVABLE:
                expect_flag = False
            else:
                expect_flag = broken or name in FLAGGED_ON_PURPOSE
            if flagged != expect_flag:
                wrong.append(f"{name}: flagged={flagged}, expected {expect_flag}: "
                             f"{[f.code for f in lint.findings]}")
            if expect_flag and status is not Status.FAIL:
                wrong.append(f"{name}: a broken record must make the check fail, got {status}")
            if name in UNVERIFIABLE or name in UNASKABLE:
                if status is not Status.ERROR or any(f.code == "spf.missing" for f in lint.findings):
                    wrong.append(f"{name}: expected error (could not check), got {status}: "
                                 f"{[f.code for f in lint.findings]}")
            elif status is Status.ERROR:
                wrong.append(f"{name}: unexpected error: {[f.message for f in lint.findings]}")
            if not expect_flag and status is Status.FAIL:
                allowed = (name in PERMISSIVE and any(f.code == "spf.plus_all" for f in lint.findings)) or (
                    name in NO_RECORD and [f.code for f in lint.findings] == ["spf.missing"])
                if not allowed:
                    wrong.append(f"{name}: a well-formed record failed: {[f.message for f in lint.findings]}")
    assert not wrong, "\n".join(wrong)


async def test_the_lookup_tree_shows_where_the_limit_blows() -> None:
    scenario = next(s for s in SUITE if s["description"] == "Processing limits")
    async with serve_scenario(scenario["zonedata"]) as server:
        lint = await lint_spf(email_dns(server), "e9.example.com")  # a include:inc(8 a) a ip4 -all
    assert lint.lookups == 11
    assert lint.breakdown() == [{"term": "a", "lookups": 1}, {"term": "include:inc.example.com", "lookups": 9},
                                {"term": "a", "lookups": 1}]
    assert lint.cut == "a"  # the second top-level "a" is lookup 11
    assert lint.before_limit == ["a", "include:inc.example.com"]
    tree = lint.to_json()["tree"]
    assert tree["children"][0]["domain"] == "inc.example.com" and tree["children"][0]["lookups"] == 8
    too_many = next(f for f in lint.findings if f.code == "spf.too_many_lookups")
    assert too_many.severity is Severity.FAIL and too_many.detail["lookups"] == 11
