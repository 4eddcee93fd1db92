"""The foundation's four checks against the real lab: pass, fail and could-not-measure paths."""

from __future__ import annotations

import socket

from launchready_tui.checks.dns_basics import dns_resolves
from launchready_tui.checks.https_basics import http_https_works
from launchready_tui.checks.response_time import http_response_time, percentile
from launchready_tui.checks.tls_certs import tls_cert_valid
from launchready_tui.core.model import Status
from launchready_tui.lab import Lab


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# dns.resolves ---------------------------------------------------------------------------------

async def test_dns_resolves_pass(lab_context) -> None:
    async with lab_context("good.test") as ctx:
        out = await dns_resolves(ctx)
    assert out.status is Status.PASS, out.summary
    assert out.evidence["apex"] and out.evidence["www"]


async def test_dns_resolves_warn_when_only_www_is_missing(lab_context) -> None:
    async with lab_context("good.test", domain="api.good.test") as ctx:
        out = await dns_resolves(ctx)
    assert out.status is Status.WARN
    assert "www.api.good.test" in out.summary and "NXDOMAIN" in out.summary
    assert out.fix


async def test_dns_resolves_fail_when_nothing_exists(lab_context) -> None:
    async with lab_context("good.test", domain="nope.flawed.test") as ctx:
        out = await dns_resolves(ctx)
    assert out.status is Status.FAIL and out.blocker


async def test_dns_timeout_is_error_never_fail(lab: Lab, lab_context) -> None:
    lab.dns.set_fault("*", mode="timeout")
    async with lab_context("good.test") as ctx:
        ctx.resolver.timeout = 0.3
        out = await dns_resolves(ctx)
    assert out.status is Status.ERROR
    assert "did not answer" in out.summary


async def test_dns_servfail_is_error(lab: Lab, lab_context) -> None:
    lab.dns.set_fault("*", mode="servfail")
    async with lab_context("good.test") as ctx:
        out = await dns_resolves(ctx)
    assert out.status is Status.ERROR and "SERVFAIL" in out.summary


# http.https_works ---------------------------------------------------------------------------

async def test_https_works_pass(lab_context) -> None:
    async with lab_context("good.test") as ctx:
        out = await http_https_works(ctx)
    assert out.status is Status.PASS, out.summary
    assert {row["host"] for row in out.evidence["hosts"]} >= {"good.test", "www.good.test"}


async def test_https_expired_certificate_fails(lab_context) -> None:
    async with lab_context("flawed.test", domain="expired.flawed.test") as ctx:
        out = await http_https_works(ctx)
    assert out.status is Status.FAIL and out.blocker
    assert "not trusted" in out.summary and "expired" in out.summary.lower()


async def test_https_to_plain_http_port_fails_with_reason(lab: Lab, lab_context) -> None:
    route = [f"good.test:443:127.0.0.1:{lab.http_port}", f"www.good.test:443:127.0.0.1:{lab.http_port}"]
    async with lab_context("good.test", network={"nameservers": [lab.nameserver], "connect_to": route,
                                                 "ca_file": str(lab.ca_file)}) as ctx:
        out = await http_https_works(ctx)
    assert out.status is Status.FAIL
    assert "does not speak TLS" in out.summary


async def test_https_connection_refused_fails_with_reason(lab: Lab, lab_context) -> None:
    port = _closed_port()
    route = [f"good.test:443:127.0.0.1:{port}", f"www.good.test:443:127.0.0.1:{port}"]
    async with lab_context("good.test", network={"nameservers": [lab.nameserver], "connect_to": route,
                                                 "ca_file": str(lab.ca_file)}) as ctx:
        out = await http_https_works(ctx)
    assert out.status is Status.FAIL
    assert "refused the connection" in out.summary


async def test_https_dns_timeout_is_error(lab: Lab, lab_context) -> None:
    lab.dns.set_fault("*", mode="timeout")
    async with lab_context("good.test") as ctx:
        ctx.resolver.timeout = 0.3
        out = await http_https_works(ctx)
    assert out.status is Status.ERROR


async def test_https_redirect_loop_fails(lab_context) -> None:
    async with lab_context("flawed.test", domain="loop.flawed.test") as ctx:
        out = await http_https_works(ctx)
    assert out.status is Status.FAIL and "loop" in out.summary


# tls.cert_valid ----------------------------------------------------------------------------------

async def test_cert_valid_pass_on_every_good_host(lab_context) -> None:
    async with lab_context("good.test") as ctx:
        out = await tls_cert_valid(ctx)
    assert out.status is Status.PASS, out.summary
    hosts = {row["host"] for row in out.evidence["hosts"]}
    assert {"good.test", "app.good.test", "api.good.test"} <= hosts


async def test_cert_valid_names_each_bad_host(lab_context) -> None:
    async with lab_context("flawed.test") as ctx:
        out = await tls_cert_valid(ctx)
    assert out.status is Status.FAIL
    assert "expired.flawed.test: certificate expired" in out.summary
    assert "wronghost.flawed.test: certificate is for" in out.summary


async def test_cert_valid_without_the_lab_ca_is_untrusted(lab: Lab, lab_context) -> None:
    async with lab_context("good.test", network={"nameservers": [lab.nameserver],
                                                 "connect_to": lab.connect_to}) as ctx:
        out = await tls_cert_valid(ctx)
    assert out.status is Status.FAIL
    assert "not trusted" in out.summary


# http.response_time --------------------------------------------------------------------------------

def test_percentile_is_nearest_rank() -> None:
    assert percentile([10, 20, 30, 40, 50], 50) == 30
    assert percentile([10, 20, 30, 40, 50], 95) == 50
    assert percentile([7], 95) == 7


async def test_response_time_pass_on_good(lab_context) -> None:
    async with lab_context("good.test") as ctx:
        out = await http_response_time(ctx)
    assert out.status is Status.PASS, out.summary
    rows = {r["name"]: r for r in out.evidence["endpoints"]}
    assert rows["generate"]["target_ms"] == 2000 and rows["login"]["target_ms"] == 500
    assert rows["login"]["samples"] == 3
    assert set(rows["home"]["phases_median_ms"]) == {"dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms"}


async def test_response_time_slow_login_is_flagged(lab_context) -> None:
    async with lab_context("flawed.test", samples=2) as ctx:
        out = await http_response_time(ctx)
    assert out.status in (Status.WARN, Status.FAIL)
    assert "login p95" in out.summary


async def test_response_time_server_delay_beyond_twice_target_fails(lab: Lab, lab_context) -> None:
    lab.web.set_fault("good.test", delay_ms=1100)
    async with lab_context("good.test", samples=1) as ctx:
        out = await http_response_time(ctx)
    assert out.status is Status.FAIL
    assert "home p95" in out.summary


async def test_response_time_5xx_is_a_failure(lab: Lab, lab_context) -> None:
    lab.web.set_fault("api.good.test", status=500)
    async with lab_context("good.test", samples=2) as ctx:
        out = await http_response_time(ctx)
    assert out.status is Status.FAIL and "5xx" in out.summary


async def test_response_time_unreachable_is_error(lab: Lab, lab_context) -> None:
    port = _closed_port()
    async with lab_context("good.test", samples=1, network={"nameservers": [lab.nameserver],
                           "connect_to": [f"::127.0.0.1:{port}"], "ca_file": str(lab.ca_file)}) as ctx:
        out = await http_response_time(ctx)
    assert out.status is Status.ERROR
    assert "refused" in out.summary
