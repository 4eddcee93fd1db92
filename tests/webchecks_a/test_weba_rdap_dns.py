"""domain.registration over the lab's stand-in RDAP registry; dns.dnssec_caa and dns.ipv6 on the lab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchready_tui.checks import dns_basics, rdap
from launchready_tui.core.model import Impact, Status

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_registration_good_passes_with_registrar_and_expiry(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        out = await rdap.domain_registration(ctx)
    assert out.status is Status.PASS, out.summary
    ev = out.evidence
    assert ev["registrar"] == "Lab Registrar" and 398 <= ev["days_left"] <= 400
    assert ev["rdap_url"] == "https://rdap.lab.test/domain/good.test"
    assert ev["bootstrap"] == "https://rdap.lab.test/bootstrap/dns.json"
    assert "client transfer prohibited" in ev["statuses"]


async def test_registration_flawed_warns_twenty_days_out(lab_ctx) -> None:
    async with lab_ctx("flawed.test") as ctx:
        out = await rdap.domain_registration(ctx)
    assert out.status is Status.WARN and out.impact is Impact.DOWNTIME and not out.blocker
    assert "expires in 19 days" in out.summary or "expires in 20 days" in out.summary
    assert out.fix and "auto-renew" in out.fix.lower()


async def test_registration_of_a_subdomain_project_asks_for_the_registrable_domain(lab_ctx) -> None:
    async with lab_ctx("good.test", domain="app.good.test") as ctx:
        out = await rdap.domain_registration(ctx)
    assert out.status is Status.PASS and out.evidence["domain"] == "good.test"


async def test_registry_without_the_domain_is_an_error_not_a_failure(lab_ctx) -> None:
    async with lab_ctx("good.test", domain="unknown.test") as ctx:
        out = await rdap.domain_registration(ctx)
    assert out.status is Status.ERROR and "HTTP 404" in out.summary


async def test_unreachable_registry_is_an_error(lab_ctx) -> None:
    async with lab_ctx("good.test", rdap={"servers": {"test": "https://rdap.lab.test:1/"}}) as ctx:
        out = await rdap.domain_registration(ctx)
    assert out.status is Status.ERROR and "could not reach" in out.summary


async def test_tld_without_rdap_is_skipped(lab_ctx, tmp_path: Path) -> None:
    boot = tmp_path / "dns.json"
    boot.write_text(json.dumps({"services": [[["example"], ["https://rdap.lab.test/"]]]}))
    async with lab_ctx("good.test", rdap={"bootstrap": str(boot)}) as ctx:
        out = await rdap.domain_registration(ctx)
    assert out.status is Status.SKIPPED and "no RDAP service" in out.summary


async def test_without_override_iana_refresh_fails_offline_and_the_bundled_copy_is_used(lab_ctx) -> None:
    # The lab's nameserver refuses data.iana.org: the refresh fails (loopback only) and the bundled copy,
    # which has no .test registry, is used.
    async with lab_ctx("good.test", rdap={}) as ctx:
        ctx.project.extra.pop("rdap", None)
        out = await rdap.domain_registration(ctx)
    assert out.status is Status.SKIPPED and "bundled IANA copy" in out.summary
    assert not rdap._cache_file().exists()


async def test_dnssec_caa_good_passes_with_caa_and_dnssec_notes(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        out = await dns_basics.dns_dnssec_caa(ctx)
    assert out.status is Status.PASS, out.summary
    ev = out.evidence
    assert ev["dnssec"]["state"] == "unsigned"
    assert ev["caa"][0]["found_at"] == "good.test" and '0 issue "letsencrypt.org"' in ev["caa"][0]["records"]
    assert ev["caa"][1]["host"] == "www.good.test" and ev["caa"][1]["found_at"] == "good.test"  # tree climbing


async def test_dnssec_caa_flawed_notes_missing_caa(lab_ctx) -> None:
    async with lab_ctx("flawed.test") as ctx:
        out = await dns_basics.dns_dnssec_caa(ctx)
    assert out.status is Status.PASS
    assert any("no CAA records" in n for n in out.evidence["notes"])


async def test_ipv6_routed_hosts_are_not_dialled_and_no_aaaa_is_a_note(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        good = await dns_basics.dns_ipv6(ctx)
    assert good.status is Status.SKIPPED and "not dialled" in good.summary
    assert good.evidence["hosts"]["good.test"]["aaaa"] == ["::1"]
    async with lab_ctx("flawed.test") as ctx:
        flawed = await dns_basics.dns_ipv6(ctx)
    assert flawed.status is Status.PASS and "no IPv6" in flawed.summary
