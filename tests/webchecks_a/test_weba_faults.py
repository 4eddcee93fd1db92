"""Faults: every check of part A ends in error (or a plain fail) with a reason, never a traceback, and the
rest of the audit completes. A timeout is never reported as fail."""

from __future__ import annotations

import pytest

from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult, Status

pytestmark = pytest.mark.asyncio(loop_scope="package")
WEBA_IDS = ("stack.providers", "dns.cloudflare_proxy", "edge.cdn", "edge.waf", "domain.registration",
            "dns.dnssec_caa", "dns.ipv6", "http.security_headers", "http.hsts", "http.cookies")
AUDIT = [catalogue.get(i) for i in (*WEBA_IDS, "dns.resolves", "http.https_works")]


def mine(results: list[CheckResult]) -> dict[str, CheckResult]:
    assert len(results) == len(AUDIT)  # the whole audit came back
    for r in results:
        assert "could not run this check" not in r.summary, (r.id, r.summary)  # no exception reached the runner
        assert r.summary.strip(), r.id
    return {r.id: r for r in results if r.id in WEBA_IDS}


DNS_CHECKS = ("stack.providers", "dns.cloudflare_proxy", "dns.dnssec_caa", "dns.ipv6")


async def test_dns_timeout_gives_errors_never_failures(lab, lab_ctx) -> None:
    # HTTP still reaches the lab through --connect-to (no DNS needed), so only the DNS layer is blind.
    lab.dns.set_fault("*", mode="timeout")
    async with lab_ctx("good.test", dns_timeout=0.3, http_timeout=2) as ctx:
        results = mine(await run_checks(AUDIT, ctx))
    for cid in DNS_CHECKS:
        assert results[cid].status is Status.ERROR, (cid, results[cid].status, results[cid].summary)
    assert "did not answer" in results["dns.cloudflare_proxy"].summary
    assert not [r.id for r in results.values() if r.status in (Status.FAIL, Status.WARN)]


async def test_servfail_on_the_zone_gives_errors_for_dns_checks(lab, lab_ctx) -> None:
    lab.dns.set_fault("good.test", mode="servfail")
    async with lab_ctx("good.test", dns_timeout=0.5, http_timeout=2) as ctx:
        results = mine(await run_checks(AUDIT, ctx))
    for cid in DNS_CHECKS:
        assert results[cid].status is Status.ERROR, (cid, results[cid].status, results[cid].summary)
    assert "SERVFAIL" in results["dns.cloudflare_proxy"].summary
    assert not [r.id for r in results.values() if r.status in (Status.FAIL, Status.WARN)]


async def test_nxdomain_on_www_only_still_judges_the_apex(lab_ctx) -> None:
    # www.app.good.test does not exist; app.good.test does.
    async with lab_ctx("good.test", domain="app.good.test", app_url=None) as ctx:
        results = mine(await run_checks(AUDIT, ctx))
    assert results["http.security_headers"].status is Status.PASS
    assert results["http.hsts"].status is Status.PASS
    assert "www.app.good.test" not in results["http.hsts"].evidence["hosts"]
    assert results["stack.providers"].evidence["hosts"]["www.app.good.test"]["dns_error"]


@pytest.mark.parametrize("where", ["refused", "no-tls"])
async def test_connection_refused_and_tls_handshake_failure(lab, lab_ctx, where: str) -> None:
    port = 1 if where == "refused" else lab.http_port  # nothing listening / plain HTTP where TLS is expected
    net = lab.project_dict("good.test")["network"]
    net["connect_to"] = [f"good.test:443:127.0.0.1:{port}", *net["connect_to"]]
    async with lab_ctx("good.test", network=net, http_timeout=3) as ctx:
        all_results = await run_checks(AUDIT, ctx)
        results = mine(all_results)
    words = "refused" if where == "refused" else "does not speak TLS"
    for cid in ("http.security_headers", "http.hsts"):
        assert results[cid].status is Status.ERROR and words in results[cid].summary, results[cid].summary
    https = next(r for r in all_results if r.id == "http.https_works")
    assert https.status is Status.FAIL  # the foundation check owns the verdict on broken HTTPS
    assert results["domain.registration"].status is Status.PASS  # the registry is unaffected


async def test_server_that_stalls_is_an_error_not_a_failure(lab, lab_ctx) -> None:
    lab.web.set_fault("good.test", mode="stall")
    async with lab_ctx("good.test", http_timeout=1) as ctx:
        results = mine(await run_checks(AUDIT, ctx))
    for cid in ("http.security_headers", "http.hsts"):
        assert results[cid].status is Status.ERROR and "timed out" in results[cid].summary, results[cid].summary
