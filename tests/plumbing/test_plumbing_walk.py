"""The one redirect walk (net.http.HttpClient.walk) and the per-run memo (checks.web_requests) against a
small aiohttp server this test starts on loopback; every name is routed to it with --connect-to.

The server counts what it receives, so "fetched once" is judged on the wire, not on a spy.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from launchready_tui.checks import web_requests
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.context import NetworkOptions, check_context
from launchready_tui.core.project import Project
from launchready_tui.net.http import HOP_BODY_CAP, HttpClient, next_request, normalise_url, url_origin
from launchready_tui.net.overrides import NetworkOverrides
from launchready_tui.net.resolver import Resolver

BIG = 300 * 1024


@dataclass
class Server:
    port: int
    hits: Counter[str] = field(default_factory=Counter)
    seen: list[dict[str, Any]] = field(default_factory=list)
    first_hop_served: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def connect_to(self) -> list[str]:
        return [f"::127.0.0.1:{self.port}"]


def _app(server: Server) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0].lower()
        key = f"{request.method} {host}{request.path}"
        server.hits[key] += 1
        body = await request.read()
        server.seen.append({"key": key, "body": body, "headers": {k.lower(): v for k, v in request.headers.items()}})
        path = request.path
        if path == "/post-302":
            return web.Response(status=302, headers={"Location": "/landing"})
        if path == "/post-303-head":
            return web.Response(status=303, headers={"Location": "/landing"})
        if path == "/post-307":
            return web.Response(status=307, headers={"Location": "/landing"})
        if path == "/to-other":
            return web.Response(status=302, headers={"Location": "http://other.plumb.test/landing"})
        if path == "/big-redirect":
            return web.Response(status=302, headers={"Location": "/big-page"}, body=b"r" * BIG)
        if path == "/big-page":
            return web.Response(body=b"p" * BIG, content_type="text/html")
        if path == "/case-loop":  # the same URL spelled differently: a loop only a normalising walk sees
            return web.Response(status=301, headers={"Location": "HTTP://Plumb.TEST:80/case-loop#top"})
        if path == "/rel":
            return web.Response(status=301, headers={"Location": "next?x=1"})
        if path == "/slow-first":
            server.first_hop_served.set()
            return web.Response(status=302, headers={"Location": "/landing"})
        if path in ("/", "/landing", "/next"):
            return web.Response(text=f"<html>{path}</html>", content_type="text/html",
                                headers={"strict-transport-security": "max-age=60", "x-hop": path})
        if path == "/bad-location":
            return web.Response(status=302, headers={"Location": "http://[oops/x"})
        if path == "/www":
            return web.Response(status=301, headers={"Location": "http://plumb.test/"})
        return web.Response(status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    holder = Server(port=0)
    runner = web.AppRunner(_app(holder))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    holder.port = runner.addresses[0][1]
    try:
        yield holder
    finally:
        await runner.cleanup()


@pytest.fixture
async def http(server: Server) -> AsyncIterator[HttpClient]:
    overrides = NetworkOverrides.parse([], server.connect_to)
    resolver = Resolver(["127.0.0.1:9"], timeout=1.0, overrides=overrides)  # never asked: all names are routed
    async with HttpClient(resolver, overrides, timeout=5.0) as client:
        yield client


async def test_hops_keep_headers_address_version_and_an_absolute_location(http: HttpClient, server: Server) -> None:
    walk = await http.walk("http://plumb.test/rel")
    assert [h.url for h in walk.hops] == ["http://plumb.test/rel", "http://plumb.test/next?x=1"]
    first, last = walk.hops
    assert first.location == "http://plumb.test/next?x=1"  # "next?x=1" resolved against the hop (RFC 3986)
    assert first.remote_addr == f"127.0.0.1:{server.port}" and first.http_version == "HTTP/1.1"
    assert last.headers["x-hop"] == "/next" and last.location is None
    assert walk.final is last.response and walk.ok and walk.problem is None
    assert first.to_json() == {"url": "http://plumb.test/rel", "status": 301, "location": "http://plumb.test/next?x=1",
                               "ip": f"127.0.0.1:{server.port}", "http_version": "HTTP/1.1"}


async def test_a_loop_is_seen_on_normalised_urls(http: HttpClient) -> None:
    walk = await http.walk("http://plumb.test/case-loop")
    assert walk.loop and not walk.too_many and walk.final is None
    assert len(walk.hops) == 1  # HTTP://Plumb.TEST:80/case-loop#top is the URL we just asked for
    assert walk.measured_failure and walk.problem and walk.problem.startswith("redirect loop: http://plumb.test/")


async def test_a_long_chain_stops_at_the_hop_cap(http: HttpClient) -> None:
    walk = await http.walk("http://plumb.test/rel", max_hops=0)
    assert walk.too_many and walk.problem == "more than 0 redirects" and len(walk.hops) == 1


async def test_post_follows_a_302_as_a_get_without_body_like_a_browser(http: HttpClient, server: Server) -> None:
    walk = await http.walk("http://plumb.test/post-302", method="POST", content='{"u": 1}',
                           headers={"content-type": "application/json", "x-keep": "1"})
    assert walk.ok and [h.status for h in walk.hops] == [302, 200]
    landing = server.seen[-1]
    assert landing["key"] == "GET plumb.test/landing" and landing["body"] == b""
    assert "content-type" not in landing["headers"] and landing["headers"]["x-keep"] == "1"


async def test_307_keeps_the_method_and_the_body(http: HttpClient, server: Server) -> None:
    await http.walk("http://plumb.test/post-307", method="POST", content="a=1",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    landing = server.seen[-1]
    assert landing["key"] == "POST plumb.test/landing" and landing["body"] == b"a=1"
    assert landing["headers"]["content-type"] == "application/x-www-form-urlencoded"


async def test_credentials_do_not_follow_a_redirect_to_another_origin(http: HttpClient, server: Server) -> None:
    await http.walk("http://plumb.test/to-other", headers={"authorization": "Bearer t0ken", "x-keep": "1"})
    landing = server.seen[-1]
    assert landing["key"] == "GET other.plumb.test/landing"
    assert "authorization" not in landing["headers"] and landing["headers"]["x-keep"] == "1"


async def test_an_unparsable_location_ends_the_walk_as_a_broken_response(http: HttpClient) -> None:
    walk = await http.walk("http://plumb.test/bad-location")
    assert walk.error is not None and walk.error.kind == "protocol" and "not a valid URL" in walk.error.message
    assert len(walk.hops) == 1 and walk.hops[0].status == 302 and walk.final is None


def test_redirect_method_rules() -> None:
    assert next_request(303, "HEAD", None, None, "http://a/", "http://a/b")[0] == "HEAD"
    assert next_request(303, "PUT", {"Content-Type": "x"}, "b", "http://a/", "http://a/b") == ("GET", None, None)
    assert next_request(301, "PUT", None, "b", "http://a/", "http://a/b") == ("PUT", None, "b")
    assert next_request(308, "POST", {"cookie": "s=1"}, "b", "http://a/", "https://a/")[1] is None
    assert normalise_url("http://[::1]:80/x") == "http://[::1]/x" and normalise_url("http://a:bad/") == "http://a:bad/"
    assert url_origin("HTTPS://Example.TEST:443/x?y") == "https://example.test"
    assert url_origin("https://[oops/") == "https://[oops/"  # a page's rel=canonical is untrusted input


async def test_a_redirect_body_is_read_with_the_hop_cap_and_the_page_with_its_own(http: HttpClient) -> None:
    walk = await http.walk("http://plumb.test/big-redirect", body_cap=BIG + 1)
    redirect, page = walk.hops
    assert redirect.response.truncated and len(redirect.response.body) == HOP_BODY_CAP
    assert not page.response.truncated and len(page.response.body) == BIG


async def test_cancel_stops_the_walk_between_hops(http: HttpClient, server: Server) -> None:
    walk = await http.walk("http://plumb.test/slow-first", cancel=server.first_hop_served)
    assert walk.error is not None and walk.error.kind == "cancelled" and len(walk.hops) == 1
    assert not walk.measured_failure  # a cancelled walk measured nothing about the site
    assert server.hits["GET plumb.test/landing"] == 0


# -- the per-run memo ---------------------------------------------------------------------------------------


@pytest.fixture
def make_ctx(server: Server, tmp_path: Path) -> Any:
    def make() -> Any:
        net = NetworkOptions(nameservers=["127.0.0.1:9"], connect_to=server.connect_to, http_timeout=5.0)
        return check_context(Project(domain="plumb.test"), tmp_path, net)

    return make


async def test_walks_that_meet_share_their_hops_and_a_get_of_the_page_is_free(make_ctx: Any, server: Server) -> None:
    async with make_ctx() as ctx:
        apex, www = await asyncio.gather(web_requests.walk(ctx, "http://plumb.test/"),
                                         web_requests.walk(ctx, "http://www.plumb.test/www"))
        page = await web_requests.get(ctx, "http://PLUMB.test:80/")
    assert apex.final is not None and www.final is not None and www.final.url == "http://plumb.test/"
    assert server.hits["GET plumb.test/"] == 1, server.hits
    assert page is apex.final  # the same response object: the memo, not a second request


async def test_a_new_run_measures_again_and_the_same_run_never_does(make_ctx: Any, server: Server) -> None:
    async with make_ctx() as ctx:
        await web_requests.walk(ctx, "http://plumb.test/")
        await web_requests.walk(ctx, "http://plumb.test/")
        same_run = dataclasses.replace(ctx, progress=None)  # same cancel event: the same run
        assert same_run.shared is ctx.shared
        await web_requests.walk(same_run, "http://plumb.test/")
        assert server.hits["GET plumb.test/"] == 1
        next_run: CheckContext = dataclasses.replace(ctx, cancel_event=asyncio.Event())  # how the wizard re-runs
        assert next_run.shared is not ctx.shared and next_run.shared.run is next_run.cancel_event
        await web_requests.walk(next_run, "http://plumb.test/")
    assert server.hits["GET plumb.test/"] == 2


async def test_a_failed_request_is_kept_for_the_run_not_retried_by_every_check(make_ctx: Any, server: Server,
                                                                           tmp_path: Path) -> None:
    dead = NetworkOptions(nameservers=["127.0.0.1:9"], connect_to=["::127.0.0.1:1"], http_timeout=2.0)
    async with check_context(Project(domain="plumb.test"), tmp_path, dead) as ctx:
        calls = 0
        real = ctx.http.fetch

        async def counting(url: str, **kw: Any) -> Any:
            nonlocal calls
            calls += 1
            return await real(url, **kw)

        ctx.http.fetch = counting  # type: ignore[method-assign]
        walks = await asyncio.gather(*(web_requests.walk(ctx, "http://plumb.test/") for _ in range(3)))
        again = await web_requests.get(ctx, "http://plumb.test/")
    assert all(w.error is not None and w.error.kind == "connect" for w in walks)
    assert getattr(again, "kind", None) == "connect" and calls == 1


async def test_a_waiter_timing_out_does_not_cancel_the_shared_request(make_ctx: Any, server: Server) -> None:
    async with make_ctx() as ctx:
        started = asyncio.Event()
        release = asyncio.Event()

        async def slow() -> str:
            started.set()
            await release.wait()
            return "done"

        impatient = asyncio.ensure_future(ctx.shared.once(("slow",), slow))
        await started.wait()
        impatient.cancel()  # a check hitting its own timeout
        patient = asyncio.ensure_future(ctx.shared.once(("slow",), slow))
        release.set()
        assert await patient == "done"
        assert impatient.cancelled()


async def test_a_raised_error_is_forgotten_so_a_later_caller_tries_again(make_ctx: Any) -> None:
    async with make_ctx() as ctx:
        attempts = 0

        async def flaky() -> int:
            nonlocal attempts
            attempts += 1
            if attempts == 1:
                raise RuntimeError("first try fails")
            return attempts

        with pytest.raises(RuntimeError):
            await ctx.shared.once(("flaky",), flaky)
        assert await ctx.shared.once(("flaky",), flaky) == 2
        assert await ctx.shared.once(("flaky",), flaky) == 2
