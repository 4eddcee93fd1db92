"""The network layer against the lab: body cap, stalls, redirect hops, DNS time in the timings."""

from __future__ import annotations

from launchready_tui.lab import Lab
from launchready_tui.net.http import FetchError


async def test_huge_body_is_capped_and_says_so(lab_context) -> None:
    async with lab_context("good.test") as ctx:
        resp = await ctx.http.fetch("https://good.test/huge")
    assert resp.status == 200
    assert resp.truncated is True
    assert len(resp.body) == resp.body_cap == 5 * 1024 * 1024


async def test_stalled_body_ends_in_a_timeout_with_reason(lab_context) -> None:
    async with lab_context("good.test") as ctx:
        try:
            await ctx.http.fetch("https://good.test/stall", timeout=0.5)
        except FetchError as exc:
            assert exc.kind == "timeout"
            assert "good.test" in exc.message
        else:
            raise AssertionError("a stalled body must not count as a response")


async def test_four_hop_chain_walked_hop_by_hop(lab_context) -> None:
    async with lab_context("flawed.test") as ctx:
        walk = await ctx.http.walk("http://chain.flawed.test/")
    assert walk.redirects == 4
    assert walk.final is not None and walk.final.url == "https://flawed.test/"
    assert all(h.location for h in walk.hops[:-1])
    assert [h.to_json()["status"] for h in walk.hops][-1] == 200


async def test_loop_detected(lab_context) -> None:
    async with lab_context("flawed.test") as ctx:
        walk = await ctx.http.walk("https://loop.flawed.test/")
    assert walk.loop and walk.final is None
    assert [h.url for h in walk.hops] == ["https://loop.flawed.test/", "https://loop.flawed.test/a",
                                          "https://loop.flawed.test/b"]


async def test_dns_delay_shows_up_in_dns_timing(lab: Lab, lab_context) -> None:
    lab.dns.set_fault("*", delay_ms=150)
    # --connect-to keeps the name (HOST2 = the same host, the lab's port), so DNS is really asked.
    port = lab.https_port
    async with lab_context("good.test", network={"nameservers": [lab.nameserver], "ca_file": str(lab.ca_file),
                                                 "resolve": [f"good.test:{port}:127.0.0.1"],
                                                 "connect_to": [f"www.good.test:443:www.good.test:{port}",
                                                                f"good.test:443:good.test:{port}"]}) as ctx:
        resp = await ctx.http.fetch("https://www.good.test/", timeout=5)
        assert resp.timings.dns_ms >= 150
        assert resp.timings.ttfb_ms < resp.timings.total_ms
        pinned = await ctx.http.fetch("https://good.test/", timeout=5)
        assert pinned.timings.dns_ms < 150  # --resolve skips DNS, as in curl


async def test_tls_probe_reports_the_chain_as_sent(lab_context) -> None:
    from launchready_tui.net.tls import probe_tls

    async with lab_context("good.test") as ctx:
        info = await probe_tls("good.test", 443, resolver=ctx.resolver, ca_file=ctx.http.ca_file)
    assert info.verified and info.protocol in ("TLSv1.2", "TLSv1.3")
    assert info.chain[0]["subject"].startswith("good.test") or "good.test" in info.sans
    assert len(info.chain) >= 1 and info.chain[0]["issuer"] == info.issuer


async def test_tls_probe_on_a_plain_http_port_says_so(lab: Lab, lab_context) -> None:
    from launchready_tui.net.tls import TlsError, probe_tls

    async with lab_context("good.test", network={"nameservers": [lab.nameserver],
                                                 "connect_to": [f"good.test:443:127.0.0.1:{lab.http_port}"]}) as ctx:
        try:
            await probe_tls("good.test", 443, resolver=ctx.resolver)
        except TlsError as exc:
            assert exc.kind == "tls" and "does not speak TLS" in exc.message
        else:
            raise AssertionError("plain HTTP must not pass as TLS")
