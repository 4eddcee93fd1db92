"""Every part-B check against the built-in lab: the passing (good.test) and failing (flawed.test) targets.

Real servers on loopback (the lab's DNS server, CA, aiohttp origin and hypercorn HTTP/2 edge); the
checks run through the real runner, so timeouts, evidence and fix guides are those a user sees.
"""

from __future__ import annotations

from typing import Any

import pytest

from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.lab import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")

OWNED = ("routing.http_to_https", "routing.canonical_host", "routing.redirect_chain", "routing.subdomains",
         "tls.cert_expiry", "tls.protocols", "http.mixed_content", "edge.static_cache", "edge.compression",
         "edge.api_not_cached", "edge.auth_pages_not_cached", "edge.http2")


async def _run(factory: Any, ids: tuple[str, ...] = OWNED, **kw: Any) -> dict[str, CheckResult]:
    async with factory(**kw) as ctx:
        results = await run_checks([catalogue.get(i) for i in ids], ctx)
    return {r.id: r for r in results}


def _hop_shape(hops: list[dict[str, Any]]) -> None:
    for hop in hops:
        assert {"url", "status", "location"} <= set(hop)
        assert isinstance(hop["status"], int)


async def test_good_project_passes_every_owned_check(webb_context: Any) -> None:
    results = await _run(webb_context, base="good.test", via_edge=True)
    bad = {i: (r.status.value, r.summary) for i, r in results.items() if r.status is not Status.PASS}
    assert not bad, bad
    for i in ("routing.http_to_https", "routing.canonical_host", "routing.redirect_chain", "routing.subdomains"):
        assert "hops" in results[i].evidence
        _hop_shape(results[i].evidence["hops"])
    chain = results["routing.redirect_chain"].evidence
    www = next(c for c in chain["chains"] if c["start"] == "http://www.good.test/")
    assert www["redirects"] == 1 and www["hops"][0]["location"] == "https://good.test/"
    assert results["routing.canonical_host"].evidence["canonical"] == "https://good.test"
    expiry = results["tls.cert_expiry"].evidence["certificates"]
    assert any(74 <= c["days_left"] <= 76 and 89 <= c["lifetime_days"] <= 91 for c in expiry)
    assert all(r.fix is None for r in results.values())
    http2 = results["edge.http2"]
    assert all(row["alpn"] == "h2" for row in http2.evidence["hosts"])
    assert "HTTP/3 advertised" in http2.summary
    assert results["edge.compression"].evidence["responses"][0]["encoding"] == "gzip"


async def test_flawed_project_fails_with_reasons_and_fixes(webb_context: Any) -> None:
    results = await _run(webb_context, base="flawed.test")
    expected = {
        "routing.http_to_https": Status.FAIL, "routing.canonical_host": Status.FAIL,
        "routing.subdomains": Status.FAIL, "tls.cert_expiry": Status.FAIL, "tls.protocols": Status.WARN,
        "http.mixed_content": Status.FAIL, "edge.static_cache": Status.FAIL, "edge.compression": Status.FAIL,
        "edge.api_not_cached": Status.FAIL, "edge.auth_pages_not_cached": Status.FAIL, "edge.http2": Status.WARN,
    }
    got = {i: results[i].status for i in expected}
    assert got == expected, {i: results[i].summary for i in expected}
    for i in expected:
        assert results[i].fix, f"{i} has no fix text"
        assert "Traceback" not in results[i].summary
    assert "serves the page over plain HTTP" in results["routing.http_to_https"].summary
    assert "4 different addresses" in results["routing.canonical_host"].summary
    sub = results["routing.subdomains"]
    assert "flawed-shop.herokuapp.com" in sub.summary and "takeover" in sub.summary and sub.blocker
    rows = {r["host"]: r for r in sub.evidence["subdomains"]}
    assert rows["shop.flawed.test"]["cname_chain"] == ["flawed-shop.herokuapp.com"]
    assert rows["expired.flawed.test"]["verdict"] == "fail" and rows["wronghost.flawed.test"]["verdict"] == "fail"
    assert "expires in 5 days" in results["tls.cert_expiry"].summary
    legacy = next(r for r in results["tls.protocols"].evidence["hosts"] if r["host"] == "legacy.flawed.test")
    assert legacy["versions"]["TLSv1"] == "yes" and legacy["versions"]["TLSv1.3"] == "no"
    main = next(r for r in results["tls.protocols"].evidence["hosts"] if r["host"] == "flawed.test")
    assert main["versions"]["TLSv1.1"] == "no" and main["verdict"] == "pass"
    mixed = results["http.mixed_content"].evidence["pages"][0]
    assert mixed["counts"]["blockable"] == 1 and mixed["counts"]["upgradable"] == 1
    assert "analytics.js" in mixed["blockable"][0]["url"]
    assert "no-store" in results["edge.static_cache"].summary
    assert "x-cache: HIT" in results["edge.api_not_cached"].summary and results["edge.api_not_cached"].blocker
    assert "/login" in results["edge.auth_pages_not_cached"].summary or \
        any("login" in p["url"] for p in results["edge.auth_pages_not_cached"].evidence["pages"])
    assert "HTTP/1.1 only" in results["edge.http2"].summary


async def test_chain_and_loop_hosts_fail_redirect_chain(webb_context: Any) -> None:
    chain = (await _run(webb_context, ("routing.redirect_chain",), base="flawed.test",
                        domain="chain.flawed.test"))["routing.redirect_chain"]
    assert chain.status is Status.FAIL and chain.blocker
    assert "takes 4 redirects" in chain.summary
    _hop_shape(chain.evidence["hops"])
    assert len(chain.evidence["hops"]) == 5 and chain.evidence["hops"][-1]["status"] == 200
    loop = (await _run(webb_context, ("routing.redirect_chain", "routing.canonical_host"), base="flawed.test",
                       domain="loop.flawed.test"))
    assert loop["routing.redirect_chain"].status is Status.FAIL
    assert "loop" in loop["routing.redirect_chain"].summary
    assert "Flexible" not in loop["routing.redirect_chain"].summary  # no Cloudflare in front of this host
    assert loop["routing.canonical_host"].status is Status.FAIL


async def test_http2_warns_without_the_edge(webb_context: Any) -> None:
    result = (await _run(webb_context, ("edge.http2",), base="good.test"))["edge.http2"]
    assert result.status is Status.WARN and "HTTP/1.1 only" in result.summary


async def test_shared_requests_are_memoised(webb_lab: Lab, webb_context: Any) -> None:
    """Politeness: the stage 2-3 checks together fetch each entry URL once."""
    calls: list[str] = []
    async with webb_context(base="good.test", via_edge=True) as ctx:
        original = ctx.http.fetch

        async def counting(url: str, *args: Any, **kwargs: Any) -> Any:
            calls.append(url)
            return await original(url, *args, **kwargs)

        ctx.http.fetch = counting  # type: ignore[method-assign]
        await run_checks([catalogue.get(i) for i in OWNED], ctx)
    plain = [u for u in calls if u == "https://good.test/"]
    # once for every walk and page check, once more with Accept-Encoding for edge.compression
    assert len(plain) == 2, sorted(calls)
    assert len(calls) < 60, len(calls)


async def test_cancelled_run_skips_remaining_checks(webb_context: Any) -> None:
    async with webb_context(base="good.test") as ctx:
        ctx.cancel_event.set()
        results = await run_checks([catalogue.get(i) for i in OWNED], ctx)
    assert all(r.status is Status.SKIPPED for r in results)
