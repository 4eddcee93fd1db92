"""stack.providers, dns.cloudflare_proxy, edge.cdn, edge.waf against the lab (and the pure table)."""

from __future__ import annotations

import pytest

from launchready_tui.checks import providers
from launchready_tui.checks.provider_pick import fix_provider, provider_for
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import Impact, Status

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_good_stack_is_cloudflare_confirmed_by_two_layers(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        out = await providers.stack_providers(ctx)
    assert out.status is Status.PASS, out.summary
    ev = out.evidence
    assert ev["cdn"] == "cloudflare" and ev["dns_provider"] == "cloudflare" and ev["waf"] == "cloudflare"
    assert ev["hosting"] is None  # the lab's good origin hides behind Cloudflare headers only
    assert ev["registrar_name"] == "Lab Registrar" and ev["registrar"] is None
    assert ev["fix_providers"]["web"] == "cloudflare" and ev["fix_providers"]["dns"] == "cloudflare"
    edge = next(row for row in ev["stack"] if row["role"] == "edge")
    assert edge["confidence"] == "high" and set(edge["layers"]) >= {"dns", "http"}
    assert ev["disclosure"] == []


async def test_flawed_stack_is_a_single_signal_guess_with_version_disclosure(lab_ctx) -> None:
    async with lab_ctx("flawed.test") as ctx:
        out = await providers.stack_providers(ctx)
    assert out.status is Status.WARN and out.impact is Impact.OPS
    ev = out.evidence
    assert ev["hosting"] == "nginx" and ev["cdn"] is None and ev["dns_provider"] == "self-hosted"
    assert "server: nginx/1.18.0 (Ubuntu)" in ev["disclosure"] and "x-powered-by: Express" in ev["disclosure"]
    assert "nginx" in out.summary and "Express" in out.summary
    assert out.fix and "server_tokens off" in out.fix


async def test_cloudflare_proxy_passes_on_good_and_flags_a_dns_only_origin(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        good = await providers.dns_cloudflare_proxy(ctx)
    assert good.status is Status.PASS, good.summary
    assert good.evidence["hosts"]["good.test"]["state"] == "proxied"
    # status.good.test has no CDN headers: DNS-only, but not the product, so only a note
    assert any("status.good.test" in n for n in good.evidence["notes"])
    async with lab_ctx("good.test", subdomains=["app", "api", "origin"]) as ctx:
        exposed = await providers.dns_cloudflare_proxy(ctx)
    assert exposed.status is Status.WARN and exposed.impact is Impact.SECURITY
    assert exposed.evidence["exposed"] == ["origin.good.test"]
    assert "127.0.0.1" in exposed.summary and exposed.fix and "Proxied" in exposed.fix


async def test_cloudflare_proxy_is_not_applicable_off_cloudflare(lab_ctx) -> None:
    async with lab_ctx("flawed.test") as ctx:
        out = await providers.dns_cloudflare_proxy(ctx)
    assert out.status is Status.PASS and "not on Cloudflare" in out.summary


async def test_edge_cdn_and_waf_pass_on_good_warn_on_flawed(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        cdn, waf = await providers.edge_cdn(ctx), await providers.edge_waf(ctx)
    assert cdn.status is Status.PASS and "Cloudflare" in cdn.summary
    assert waf.status is Status.PASS and waf.evidence["probe"] is None  # passive unless asked
    async with lab_ctx("flawed.test") as ctx:
        cdn, waf = await providers.edge_cdn(ctx), await providers.edge_waf(ctx)
    assert cdn.status is Status.WARN and cdn.impact is Impact.SLOW_DEMO and "127.0.0.1" in cdn.summary
    assert cdn.fix and "server_tokens" not in cdn.fix and "Cloudflare" in cdn.fix  # the nginx variant
    assert waf.status is Status.WARN and waf.impact is Impact.SECURITY


async def test_opt_in_waf_probe_sends_one_request_and_reports_not_blocked(lab_ctx) -> None:
    async with lab_ctx("good.test", extra={"waf_probe": True}) as ctx:
        sent: list[str] = []
        real = ctx.http.fetch

        async def spy(url: str, **kw):  # type: ignore[no-untyped-def]
            sent.append(url)
            return await real(url, **kw)

        ctx.http.fetch = spy  # type: ignore[method-assign]
        out = await providers.edge_waf(ctx)
    probes = [u for u in sent if "lr_waf_probe" in u]
    assert len(probes) == 1
    assert out.evidence["probe"]["result"] == "not blocked"
    assert out.status is Status.WARN and "let an obvious attack request through" in out.summary


async def test_detection_is_shared_one_home_page_request_per_host(lab_ctx) -> None:
    specs = [catalogue.get(i) for i in ("stack.providers", "dns.cloudflare_proxy", "edge.cdn", "edge.waf",
                                        "http.security_headers", "http.hsts")]
    async with lab_ctx("good.test") as ctx:
        sent: list[str] = []
        real = ctx.http.fetch

        async def spy(url: str, **kw):  # type: ignore[no-untyped-def]
            sent.append(url + (" +origin" if "origin" in (kw.get("headers") or {}) else ""))
            return await real(url, **kw)

        ctx.http.fetch = spy  # type: ignore[method-assign]
        results = await run_checks(specs, ctx)
        again = len(sent)
        await run_checks(specs, ctx)  # a re-run in the same audit reuses every page
        assert len(sent) == again
        assert provider_for(ctx) == "cloudflare" and provider_for(ctx, "dns") == "cloudflare"
    assert all(r.status is not Status.ERROR for r in results), [r.summary for r in results]
    # the home page once (www's redirect ends on it: walks share their hops), once with an Origin header (CORS)
    assert sent.count("https://good.test/") == 1, sent
    assert sent.count("https://good.test/ +origin") == 1, sent


async def test_founder_override_picks_the_fix_variant(lab_ctx) -> None:
    async with lab_ctx("flawed.test", providers={"web": "vercel"}) as ctx:
        assert await fix_provider(ctx, "web") == "vercel"
        assert provider_for(ctx, "web") == "vercel"
        out = await providers.edge_waf(ctx)
    assert out.status is Status.WARN
