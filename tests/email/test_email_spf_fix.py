""""The fix is the record": the SPF record to publish, merged with what is there, lookups counted after the change.

Provider includes are served by stand-in zones on loopback (the shapes of the real ones: nested includes).
"""

from __future__ import annotations

import pytest
from emailtest_support import email_dns, serve_zones

from launchready_tui.checks.emailauth.providers import table
from launchready_tui.checks.emailauth.spf_fix import propose_spf
from launchready_tui.checks.emailauth.spf_lint import lint_spf

STANDINS = {
    "google.com": "\n".join([
        '_spf TXT "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com ~all"',
        '_netblocks TXT "v=spf1 ip4:192.0.2.0/25 ~all"',
        '_netblocks2 TXT "v=spf1 ip6:2001:db8:1::/48 ~all"',
    ]),
    "outlook.com": '@ TXT "v=spf1 -all"\nspf.protection TXT "v=spf1 ip4:198.51.100.0/24 -all"',
    "mcsv.net": 'servers TXT "v=spf1 ip4:203.0.113.0/26 ?all"',
}


def zones(**domains: str) -> dict[str, str]:
    return {**STANDINS, **domains}


def provider(pid: str):  # noqa: ANN201 - a Provider
    found = table().get(pid)
    assert found is not None
    return found


async def propose(zone: dict[str, str], domain: str, senders: list[str], sending: bool = True):  # noqa: ANN201
    async with serve_zones(zone) as server:
        dns = email_dns(server)
        lint = await lint_spf(dns, domain)
        return lint, await propose_spf(dns, lint, [provider(p) for p in senders], sending=sending)


async def test_missing_include_added_with_lookups_after() -> None:
    lint, p = await propose(zones(**{"acme.example": '@ TXT "v=spf1 include:spf.protection.outlook.com -all"'}),
                            "acme.example", ["google-workspace", "microsoft-365"])
    assert p.record == "v=spf1 include:spf.protection.outlook.com include:_spf.google.com -all"
    assert (p.lookups_before, p.lookups_after) == (1, 4)  # google: _spf + 2 nested netblocks
    assert any("Google Workspace" in c for c in p.changes) and not p.unchanged


async def test_no_record_gets_a_new_one() -> None:
    _lint, p = await propose(zones(**{"acme.example": "@ A 192.0.2.1"}), "acme.example", ["google-workspace"])
    assert p.record == "v=spf1 include:_spf.google.com ~all"
    assert "had no SPF record" in p.changes[0]


async def test_two_records_merge_and_plus_all_is_replaced() -> None:
    zone = zones(**{"acme.example": '@ TXT "v=spf1 ip4:192.0.2.1 +all"\n@ TXT "v=spf1 include:servers.mcsv.net a"\n'
                                    "@ A 192.0.2.9"})
    lint, p = await propose(zone, "acme.example", ["mailchimp"])
    assert {f.code for f in lint.findings} == {"spf.multiple"}
    assert p.record.startswith("v=spf1 ") and p.record.endswith(" ~all")
    assert sorted(p.record.split()[1:-1]) == sorted(["ip4:192.0.2.1", "include:servers.mcsv.net", "a"])
    assert any("merged 2 SPF records" in c for c in p.changes)
    assert any("replaced '+all'" in c for c in p.changes)


async def test_broken_terms_are_dropped_and_said_so() -> None:
    zone = zones(**{"acme.example": '@ TXT "v=spf1 ip4:192.0.2.1 include:gone.acme.example a:nowhere.acme.example '
                                    'ptr mx moo -all include:late.example"\n@ MX 10 mx.acme.example.\n'
                                    "mx A 192.0.2.3\ngone A 192.0.2.4"})
    _lint, p = await propose(zone, "acme.example", [])
    assert p.record == "v=spf1 ip4:192.0.2.1 mx -all"
    text = " | ".join(p.changes)
    for expected in ("removed 'moo' (not valid SPF)", "include:gone.acme.example", "a:nowhere.acme.example",
                     "do not use ptr", "include:late.example' (it came after 'all'"):
        assert expected in text


async def test_own_includes_are_inlined_when_over_the_limit() -> None:
    own = "\n".join(f'_s{i} TXT "v=spf1 ip4:192.0.2.{i} a:_s{i}.acme.example -all"' for i in range(1, 7))
    zone = zones(**{"acme.example": '@ TXT "v=spf1 ' + " ".join(f"include:_s{i}.acme.example" for i in range(1, 7))
                    + ' include:_spf.google.com -all"\n' + own + "\n_s3 A 198.51.100.3"})
    lint, p = await propose(zone, "acme.example", ["google-workspace"])
    assert lint.lookups == 15 and p.lookups_after == 3
    assert p.record == ("v=spf1 ip4:192.0.2.1 ip4:192.0.2.2/31 ip4:192.0.2.4/31 ip4:192.0.2.6 ip4:198.51.100.3 "
                        "include:_spf.google.com -all")
    assert any("replaced 6 include(s) of your own records" in c for c in p.changes)


async def test_provider_includes_are_never_inlined() -> None:
    heavy = "\n".join(f'p{i} TXT "v=spf1 include:q{i}.vendor.example ~all"\n'
                      f'q{i} TXT "v=spf1 a -all"\nq{i} A 192.0.2.{i}' for i in range(1, 7))
    zone = zones(**{"vendor.example": heavy,
                    "acme.example": '@ TXT "v=spf1 ' + " ".join(f"include:p{i}.vendor.example" for i in range(1, 7))
                    + ' -all"'})
    lint, p = await propose(zone, "acme.example", [])
    assert lint.lookups == 18 and p.lookups_after == 18 and p.over_limit
    assert p.heaviest[0] == {"term": "include:p1.vendor.example", "lookups": 3}
    assert "still 18 lookups" in p.changes[-1]


@pytest.mark.parametrize(("current", "unchanged"), [('@ TXT "v=spf1 -all"', True), ('@ TXT "v=spf1 mx ~all"', False)])
async def test_non_sending_template(current: str, unchanged: bool) -> None:
    _lint, p = await propose(zones(**{"parked.example": current}), "parked.example", [], sending=False)
    assert p.record == "v=spf1 -all" and p.unchanged is unchanged and p.lookups_after == 0


async def test_a_good_record_is_left_alone() -> None:
    _lint, p = await propose(zones(**{"acme.example": '@ TXT "v=spf1 include:_spf.google.com -all"'}), "acme.example",
                             ["google-workspace"])
    assert p.unchanged and p.changes == []
