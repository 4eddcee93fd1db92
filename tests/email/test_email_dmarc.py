"""DMARC: the OpenDMARC and drakkar-lig vectors re-annotated for RFC 9989, linting, the progression, and DNS.

The vector labels predate RFC 9989 (see data/README.md); ``OURS`` gives each record our own expected severity
(fail / warn / pass) and the finding codes that must appear, per checks-email.md §1.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from emailtest_support import DATA, email_dns, serve_zones

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.email_dmarc import dmarc_outcome
from launchready_tui.checks.emailauth.dmarc import dmarc_findings, parse_dmarc, progression
from launchready_tui.checks.emailauth.findings import Severity, worst
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project

VECTORS = json.loads((DATA / "dmarc" / "dmarc-record-vectors.json").read_text())

# record -> (severity, codes that must be among the findings)
OURS: dict[str, tuple[str, set[str]]] = {
    # OpenDMARC test_dmarc_parse.c
    "v=DMARC1; p=none; rf=afrf; rua=mailto:dmarc-a@abuse.net; ruf=mailto:dmarc-f@abuse.net":
        ("warn", {"dmarc.p_none", "dmarc.removed_tag"}),
    "v=DMARC1; p=none;": ("warn", {"dmarc.p_none", "dmarc.no_rua"}),
    "v=DMARC1; p=reject;": ("warn", {"dmarc.no_rua"}),
    "v=DMARC1; p=quarantine;": ("warn", {"dmarc.no_rua"}),
    "v=DMARC1; p=n;": ("fail", {"dmarc.invalid_policy"}),
    "": ("fail", {"dmarc.empty"}),
    "V=BOB": ("fail", {"dmarc.not_dmarc"}),
    "v=DMARC1; p=bob;": ("fail", {"dmarc.invalid_policy"}),
    "v=DMARC1; p=none; sp=bob;": ("fail", {"dmarc.invalid_policy"}),
    "v=DMARC1; p=none; adkim=bob;": ("warn", {"dmarc.bad_value"}),
    "v=DMARC1; p=none; aspf=bob;": ("warn", {"dmarc.bad_value"}),
    "v=DMARC1; p=none; rf=bob;": ("warn", {"dmarc.removed_tag"}),
    "v=DMARC1; p=none; ri=bob;": ("warn", {"dmarc.removed_tag"}),
    "v=DMARC1; p=none; pct=500;": ("warn", {"dmarc.removed_tag"}),
    "v=DMARC1; pct=100;": ("warn", {"dmarc.p_missing", "dmarc.removed_tag"}),
    "v=DMARC1; p=none; rua=ftp://abuse.com": ("warn", {"dmarc.bad_rua", "dmarc.no_rua"}),
    "v=DMARC1; p=none; ruf=mailto://abuse.com": ("warn", {"dmarc.bad_ruf"}),
    "v=DMARC1; p=none; ruf=mailto://abuse.com; foo=bar; buzz=happy;": ("warn", {"dmarc.unknown_tag"}),
    "v=DMARC1; p=none; rf=000000000000000000000000000000000": ("warn", {"dmarc.removed_tag"}),
    # drakkar-lig valid
    "v=DMARC1; p=reject; rua=mailto:bob@example.com; ruf=mailto:bob@example.com; fo=0; adkim=r; aspf=r":
        ("pass", {"dmarc.ruf"}),
    "v=DMARC1;p=none;pct=100;adkim=r;aspf=r;ruf=mailto:dmarc-ruf@univ.com;fo=1;rua=mailto:dmarc-rua@univ.com":
        ("warn", {"dmarc.p_none", "dmarc.removed_tag"}),
    "v=DMARC1;p=none;pct=100;adkim=r;aspf=r;ruf=mailto:dmarc-ruf@univ.com;fo=1;rua=mailto:dmarc-rua@univ.com;":
        ("warn", {"dmarc.p_none", "dmarc.removed_tag"}),
    "v=DMARC1; p=none; ruf=mailto:test@test.com!1;": ("warn", {"dmarc.p_none", "dmarc.no_rua"}),
    "v=DMARC1; p=none; ruf=mailto:test@test.com!100m;": ("warn", {"dmarc.p_none"}),
    "v=DMARC1; p=none; ruf=mailto:test@test.com!2G,mailto:test2@test.com!3m;": ("warn", {"dmarc.p_none"}),
    "v=DMARC1;p=ReJect": ("warn", {"dmarc.no_rua"}),
    "v = DMARC1;p=reject;": ("warn", {"dmarc.no_rua"}),
    "V=DMARC1;p=reject;": ("warn", {"dmarc.no_rua"}),
    "V=DMARC1;P=reject;": ("warn", {"dmarc.no_rua"}),
    "v=DMARC1; p=reject; ": ("warn", {"dmarc.no_rua"}),
    "v=DMARC1;p=reject;sp=reject;rua=mailto:me@example.com!1G;fo=1:0:s:d:d:1:0:0:1": ("pass", set()),
    # drakkar-lig "invalid" (strict RFC 7489 ABNF) not repeated above
    "v=DMARC1; sp=none; p=reject": ("warn", {"dmarc.sp_weaker", "dmarc.order"}),
    "v=DMARC1; p=none; rua=reports@dmarc.cyber.dhs.gov,mailto:dmarcreports@usdoj.gov": ("warn", {"dmarc.bad_rua"}),
    "v=DMARC1; p=none; rua=__mailto:reports@dmarc.cyber.dhs.gov,mailto:dmarcreports@usdoj.gov":
        ("warn", {"dmarc.bad_rua"}),
    "v=DMARC1; p=foo; rua=mailto:dmarc@example.com": ("fail", {"dmarc.invalid_policy"}),
    "v=DMARC1; p=reject; p=quarantine": ("fail", {"dmarc.duplicate_tag"}),
    "v=DMARC1;p=rejecttest": ("fail", {"dmarc.invalid_policy"}),
    "p=reject;v=DMARC1;": ("fail", {"dmarc.not_dmarc"}),
    "v=DMARC1;rua=mailto:rua@example.com!am": ("warn", {"dmarc.p_missing", "dmarc.bad_rua"}),
    "v=DMARC1;p=reject;sp=nonee": ("fail", {"dmarc.invalid_policy"}),
    "v=DMARC1; p=reject; rua=bob@example.com": ("warn", {"dmarc.bad_rua", "dmarc.no_rua"}),
    "p=none;": ("fail", {"dmarc.not_dmarc"}),
    "p=none;v=DMARC1;": ("fail", {"dmarc.not_dmarc"}),
    "v=DMARC1;rua=mailto:rua@example.com!100p": ("warn", {"dmarc.p_missing", "dmarc.bad_rua"}),
}


def _all_vectors() -> list[str]:
    records = [v["record"] for v in VECTORS["opendmarc_parse"]]
    return list(dict.fromkeys(records + VECTORS["drakkar_valid"] + VECTORS["drakkar_invalid"]))


def test_every_vector_is_annotated() -> None:
    records = _all_vectors()
    assert len(records) == 44  # 19 + 14 + 25, minus the records the two suites share
    assert set(records) == set(OURS)


@pytest.mark.parametrize("record", _all_vectors())
def test_vectors_with_our_severities(record: str) -> None:
    expected, codes = OURS[record]
    findings = dmarc_findings(record, "example.com")
    top = worst(findings)
    got = {Severity.FAIL: "fail", Severity.WARN: "warn", Severity.ERROR: "error"}.get(top, "pass") if top else "pass"
    assert got == expected, [f.message for f in findings]
    assert codes <= {f.code for f in findings}


def test_a_good_record_and_its_effective_policies() -> None:
    rec = parse_dmarc("v=DMARC1; p=quarantine; np=reject; rua=mailto:d@acme.example; adkim=s")
    assert (rec.effective_p, rec.effective_sp, rec.effective_np, rec.adkim, rec.aspf) == (
        "quarantine", "quarantine", "reject", "s", "r")
    assert [u.host for u in rec.rua] == ["acme.example"]


def test_progression_from_nothing_to_reject() -> None:
    plan = progression("acme.example", None, "reports@acme.example")
    assert [s.record for s in plan.steps] == [
        "v=DMARC1; p=none; rua=mailto:reports@acme.example;",
        "v=DMARC1; p=quarantine; rua=mailto:reports@acme.example;",
        "v=DMARC1; p=reject; rua=mailto:reports@acme.example;",
    ]
    assert plan.name == "_dmarc.acme.example"


def test_progression_keeps_settings_and_drops_what_rfc_9989_removed() -> None:
    current = parse_dmarc("v=DMARC1; p=none; pct=20; sp=none; adkim=s; rua=mailto:x@acme.example; "
                          "ruf=mailto:f@acme.example; fo=1; t=y")
    plan = progression("acme.example", current, "new@acme.example")
    assert [s.policy for s in plan.steps] == ["quarantine", "reject"]
    assert plan.steps[-1].record == ("v=DMARC1; p=reject; adkim=s; rua=mailto:x@acme.example,mailto:new@acme.example; "
                                     "ruf=mailto:f@acme.example; fo=1;")
    assert all("pct=" not in s.record and " t=" not in s.record and "sp=" not in s.record for s in plan.steps)
    assert any("pct" in c for c in plan.changes) and any("sp=none" in c for c in plan.changes)


def test_progression_for_a_domain_that_sends_no_mail() -> None:
    plan = progression("parked.example", None, None, sending=False)
    assert [s.record for s in plan.steps] == ["v=DMARC1; p=reject;"]


# ------------------------------------------------------------------------------------------- over DNS


def _ctx(server: Any, domain: str, **email: Any) -> CheckContext:
    project = Project(domain=domain)
    for key, value in email.items():
        setattr(project.email, key, value)
    dns = email_dns(server)
    return CheckContext(project=project, resolver=dns.resolver, http=None,  # type: ignore[arg-type]
                        options=CheckOptions())


ZONES = {
    "acme.example": "\n".join([
        '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:d@reports.vendor.example,mailto:me@acme.example"',
        '_dmarc TXT "google-site-verification=abc"',
        "shop A 192.0.2.1",
    ]),
    # The lab server does not synthesise wildcards; the *._report._dmarc form is tested on NSD (realservers tier).
    "vendor.example": 'acme.example._report._dmarc.reports TXT "v=DMARC1"',
    "other.example": '_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:d@nobody.example"',
    "two.example": '_dmarc TXT "v=DMARC1; p=reject"\n_dmarc TXT "v=DMARC1; p=none"',
    "apex.example": '@ TXT "v=DMARC1; p=reject"',
    "nobody.example": "",  # exists, publishes no report authorisation
}


async def test_subdomain_inherits_and_reports_are_authorised() -> None:
    async with serve_zones(ZONES) as server:
        own = await dmarc_outcome(_ctx(server, "acme.example"), email_dns(server))
        inherited = await dmarc_outcome(_ctx(server, "shop.acme.example"), email_dns(server))
        unauthorised = await dmarc_outcome(_ctx(server, "other.example"), email_dns(server))
    codes = {f["code"] for f in own.evidence["findings"]}
    assert own.status is Status.PASS and "dmarc.rua_authorized" in codes and "dmarc.other_txt" in codes
    auth = next(f for f in own.evidence["findings"] if f["code"] == "dmarc.rua_authorized")
    assert auth["name"] == "acme.example._report._dmarc.reports.vendor.example"
    assert inherited.evidence["inherited_from"] == "_dmarc.acme.example"
    assert inherited.status is Status.PASS
    assert unauthorised.status is Status.WARN
    bad = next(f for f in unauthorised.evidence["findings"] if f["code"] == "dmarc.rua_unauthorized")
    assert bad["name"] == "other.example._report._dmarc.nobody.example"


async def test_missing_multiple_and_misplaced_records() -> None:
    async with serve_zones(ZONES) as server:
        two = await dmarc_outcome(_ctx(server, "two.example"), email_dns(server))
        apex = await dmarc_outcome(_ctx(server, "apex.example"), email_dns(server))
        missing = await dmarc_outcome(_ctx(server, "vendor.example"), email_dns(server))
    assert two.status is Status.FAIL and "2 DMARC records" in two.summary
    assert apex.status is Status.FAIL and "at apex.example itself" in apex.summary
    assert missing.status is Status.FAIL and "no DMARC record at _dmarc.vendor.example" in missing.summary
    steps = missing.evidence["plan"]["steps"]
    assert [s["policy"] for s in steps] == ["none", "quarantine", "reject"]
    assert missing.fix is not None and "v=DMARC1; p=none; rua=mailto:dmarc-reports@vendor.example;" in missing.fix


async def test_the_report_address_given_goes_into_the_records() -> None:
    async with serve_zones(ZONES) as server:
        ctx = _ctx(server, "vendor.example")
        ctx.options.extra["email.report_address"] = "founder@vendor.example"
        out = await dmarc_outcome(ctx, email_dns(server))
    assert out.fix is not None and "rua=mailto:founder@vendor.example" in out.fix
    assert "dmarc-reports@" not in out.fix


async def test_a_timeout_is_error_not_missing() -> None:
    async with serve_zones(ZONES) as server:
        server.set_fault("_dmarc.acme.example", mode="timeout")
        out = await dmarc_outcome(_ctx(server, "acme.example"), email_dns(server, timeout=0.3))
    assert out.status is Status.ERROR and out.summary.startswith("could not check DMARC")
    assert "no DMARC" not in out.summary
