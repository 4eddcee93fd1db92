"""The one provider pick (checks.provider_pick) and the shared home-page walk, on the lab."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from launchready_tui.checks import provider_pick, providers
from launchready_tui.checks.provider_pick import fix_provider, provider_for, provider_from_headers
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.lab import Lab


def _spy(ctx: Any) -> list[str]:
    sent: list[str] = []
    real = ctx.http.fetch

    async def spy(url: str, **kw: Any) -> Any:
        sent.append(url + (" +headers" if kw.get("headers") else ""))
        return await real(url, **kw)

    ctx.http.fetch = spy
    return sent


@pytest.mark.asyncio(loop_scope="package")
async def test_the_founders_choice_wins_per_role_and_in_their_spelling(plumbing_ctx: Any) -> None:
    async with plumbing_ctx("good.test", providers={"web": "Fly.io", "dns": "gandi"}) as ctx:
        assert await fix_provider(ctx, "web") == "fly"
        assert await fix_provider(ctx, "dns") == "gandi"
        assert await fix_provider(ctx, "edge") == "cloudflare"  # no choice for this role: detection
        assert provider_for(ctx, "web") == "fly"
    async with plumbing_ctx("good.test", providers={"web": "fly"}, extra={"providers": "github-pages"}) as ctx:
        assert await fix_provider(ctx, "web") == "github"  # the command line / wizard choice wins


@pytest.mark.asyncio(loop_scope="package")
async def test_detection_beats_headers_and_web_roles_never_wait_for_the_registry(plumbing_ctx: Any) -> None:
    async with plumbing_ctx("good.test") as ctx:
        sent = _spy(ctx)
        assert provider_for(ctx) is None  # nothing measured yet, nothing known
        assert await fix_provider(ctx, "web", {"x-vercel-id": "fra1::1"}) == "cloudflare"
        assert not [u for u in sent if "rdap" in u], sent
        assert await fix_provider(ctx, "registrar") is None  # the lab's registrar has no fix variant
        assert [u for u in sent if "rdap" in u]
        await run_checks([catalogue.get("stack.providers")], ctx)
        assert provider_for(ctx, "dns") == "cloudflare"


@pytest.mark.asyncio(loop_scope="package")
async def test_slow_detection_falls_back_to_the_response_in_hand(plumbing_ctx: Any, plumbing_lab: Lab,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_pick, "DETECTION_WAIT_S", 0.2)
    assert plumbing_lab.dns is not None
    plumbing_lab.dns.set_fault("good.test", delay_ms=2500)
    async with plumbing_ctx("good.test") as ctx:
        assert await fix_provider(ctx, "web", {"x-vercel-id": "fra1::1"}) == "vercel"
        assert await fix_provider(ctx, "dns", {"x-vercel-id": "fra1::1"}) is None  # headers do not speak for DNS
        plumbing_lab.dns.clear_faults()
        await asyncio.wait_for(providers.web_stack(ctx), 30)  # detection went on for the checks that wait for it


def test_header_signals_pick_the_platform_over_its_edge() -> None:
    # Render behind its own Cloudflare: both are strong signals, the platform running the app wins.
    assert provider_from_headers({"cf-ray": "1-AMS", "x-render-origin-server": "uvicorn"}) == "render"
    assert provider_from_headers({"server": "Apache/2.4.57"}) == "apache"
    assert provider_from_headers({"content-type": "text/html"}) is None


@pytest.mark.asyncio(loop_scope="package")
async def test_https_works_reads_the_same_home_page_walk_as_the_other_checks(plumbing_ctx: Any) -> None:
    ids = ("http.https_works", "http.security_headers", "http.hsts", "routing.canonical_host", "stack.providers")
    async with plumbing_ctx("good.test") as ctx:
        sent = _spy(ctx)
        results = await run_checks([catalogue.get(i) for i in ids], ctx)
    assert [r.status.value for r in results if r.id == "http.https_works"] == ["pass"]
    assert sent.count("https://good.test/") == 1, sent
    assert sent.count("https://www.good.test/") == 1, sent
    hops = results[0].evidence["hosts"][0]["hops"]
    assert hops and {"url", "status", "location", "ip", "http_version"} <= set(hops[0])


@pytest.mark.asyncio(loop_scope="package")
async def test_a_wizard_rerun_measures_again_and_a_repeat_in_the_same_run_does_not(plumbing_ctx: Any) -> None:
    ids = ("secrets.bundle", "http.security_headers", "monitor.error_tracking")
    async with plumbing_ctx("good.test") as ctx:
        sent = _spy(ctx)
        await run_checks([catalogue.get(i) for i in ids], ctx)
        first = list(sent)
        assert first.count("https://good.test/") == 1  # the secrets crawl, headers and monitoring read one home page
        sent.clear()
        await run_checks([catalogue.get(i) for i in ids], ctx)  # the same run: shared requests are not repeated
        assert [u for u in sent if "/.env" not in u and "/.git/" not in u] == []  # (those probes are one check's)
        sent.clear()
        rerun = dataclasses.replace(ctx, cancel_event=asyncio.Event())  # how the wizard starts its next run
        await run_checks([catalogue.get(i) for i in ids], rerun)
    assert sorted(sent) == sorted(first)  # measured again, request for request
