"""The same RFC 7208 suite served by Debian's NSD (the real-server tier): an authoritative server we did not write.

NSD cannot stay silent for one name, so the suite's TIMEOUT entries are left out and the cases that need them
(temperror results) are skipped here; the lab-server tier covers them. Everything else must match: the 203
evaluator results (minus those) and the linter's flags. Also here: a ``*._report._dmarc`` wildcard, which the
lab server does not synthesise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from emailtest_support import load_index, load_suite, nsd_serving, suite_zone, zone_from_text

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.email_dmarc import dmarc_outcome
from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.spf_eval import check_host
from launchready_tui.checks.emailauth.spf_lint import lint_spf
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project
from launchready_tui.net.resolver import Resolver

pytestmark = pytest.mark.realservers

SUITE = load_suite()
INDEX = load_index()
NEEDS_TIMEOUT = {"txttimeout", "nospftxttimeout", "alltimeout", "include-temperror", "exists-dnserr"}
FLAGGED_ON_PURPOSE = {"include-at-limit"}
UNSERVABLE = {"multispf1"}


def _dns(port: int) -> EmailDns:
    return EmailDns(Resolver([f"127.0.0.1:{port}"], timeout=1.0))


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s["description"]) for s in SUITE])
async def test_suite_on_nsd(scenario: dict[str, Any], tmp_path: Path) -> None:
    zone, _timeouts = suite_zone(scenario["zonedata"])
    wrong: list[str] = []
    with nsd_serving({".": zone}, tmp_path / "nsd") as port:
        for name, test in scenario["tests"].items():
            if name in NEEDS_TIMEOUT:
                continue
            got = await check_host(_dns(port), test["host"], test.get("mailfrom") or "", test["helo"])
            expected = test["result"] if isinstance(test["result"], list) else [test["result"]]
            if got.result.value not in expected:
                wrong.append(f"{name}: evaluator {got.result.value}, expected {expected} ({got.reason})")
            if test.get("explanation") is not None and got.explanation != test["explanation"]:
                wrong.append(f"{name}: explanation {got.explanation!r}")
            mailfrom = test.get("mailfrom") or ""
            lint = await lint_spf(_dns(port), mailfrom.rpartition("@")[2] if mailfrom else test["helo"])
            flagged = any(f.permerror for f in lint.findings)
            expect = (INDEX[name]["permerror_for_any_client_ip"] or name in FLAGGED_ON_PURPOSE) and \
                name not in UNSERVABLE
            if flagged != expect:
                wrong.append(f"{name}: linter flagged={flagged}, expected {expect}")
    assert not wrong, "\n".join(wrong)


async def test_wildcard_report_authorisation_on_nsd(tmp_path: Path) -> None:
    zones = {
        "acme.example.": zone_from_text("acme.example",
                                        '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:d@r.vendor.example"'),
        "vendor.example.": zone_from_text("vendor.example", '*._report._dmarc.r TXT "v=DMARC1"'),
    }
    with nsd_serving(zones, tmp_path / "nsd") as port:
        resolver = Resolver([f"127.0.0.1:{port}"], timeout=1.0)
        dns = EmailDns(resolver)
        ctx = CheckContext(project=Project(domain="acme.example"), resolver=resolver,
                           http=None, options=CheckOptions())  # type: ignore[arg-type]
        out = await dmarc_outcome(ctx, dns)
    assert out.status is Status.PASS
    assert any(f["code"] == "dmarc.rua_authorized" and f["name"] == "acme.example._report._dmarc.r.vendor.example"
               for f in out.evidence["findings"])
