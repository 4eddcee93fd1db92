"""The load path's HTTP/1.1 client against real sockets on loopback.

The edge cases (an answer cut short, a server that closes a kept-alive connection under a new request,
malformed bytes, interim 100 answers, HEAD with a length) cannot be made to happen on demand by nginx or
the lab, so a small asyncio TCP server in this file writes exactly the bytes each test needs: real
sockets, real parsing, nothing mocked. Keep-alive, TLS and DNS run against the lab (real HTTPS, the lab's
nameserver and CA).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from load_helpers import lab_network

from launchready_tui.lab import Lab
from launchready_tui.loadgen.dns import AddressSource, ssl_context
from launchready_tui.loadgen.http1 import Http1Client, RequestFailed, Target
from launchready_tui.loadgen.plan import LoadEndpoint, LoadPlan, Network, PlanError, Step, validate
from launchready_tui.loadgen.samples import CONNECT, DNS, PROTOCOL, TLS
from launchready_tui.net.resolver import AddressLookup

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
# (request number on this connection, connection number) -> bytes to write, or None to close the connection
Script = Callable[[int, int], bytes | None]


class Scripted:
    """A TCP server on 127.0.0.1 that answers each request with what ``script`` says."""

    def __init__(self, script: Script, close_after_answer: bool = False) -> None:
        self.script = script
        self.close_after_answer = close_after_answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn_no, n = self.connections, 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length) if length else b""
                self.requests.append(head + body)
                n += 1
                answer = self.script(n, conn_no)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def scripted(script: Script, close_after_answer: bool = False) -> AsyncIterator[Scripted]:
    srv = Scripted(script, close_after_answer)
    server = await asyncio.start_server(srv.handle, "127.0.0.1", 0)
    srv.port = server.sockets[0].getsockname()[1]
    try:
        yield srv
    finally:
        server.close()


def client() -> Http1Client:
    return Http1Client(AddressSource(Network()), ssl_context(Network()))


def get(srv: Scripted, method: str = "GET", path: str = "/", body: bytes | None = None) -> Target:
    return Target.build(method, f"http://127.0.0.1:{srv.port}{path}", {"User-Agent": "t"}, body)


async def test_keep_alive_reuses_one_connection() -> None:
    async with scripted(lambda n, c: OK) as srv:
        c = client()
        for _ in range(20):
            status, done_at = await c.request(get(srv), 5)
            assert status == 200 and done_at > 0
        assert (c.opened, srv.connections) == (1, 1)
        c.close()
    first = srv.requests[0].decode()
    assert first.startswith("GET / HTTP/1.1\r\n") and f"Host: 127.0.0.1:{srv.port}\r\n" in first


async def test_connection_close_answer_is_not_reused() -> None:
    closing = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    async with scripted(lambda n, c: closing) as srv:
        c = client()
        for _ in range(3):
            assert (await c.request(get(srv), 5))[0] == 200
        assert c.opened == 3
        c.close()


async def test_chunked_answer_split_across_writes() -> None:
    chunked = (b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n", b"4\r\ndefg\r\n0\r\n\r\n")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(2):
            await reader.readuntil(b"\r\n\r\n")
            for part in chunked:
                writer.write(part)
                await writer.drain()
                await asyncio.sleep(0.02)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    c = client()
    target = Target.build("GET", f"http://127.0.0.1:{port}/", {}, None)
    assert [(await c.request(target, 5))[0] for _ in range(2)] == [201, 201]
    assert c.opened == 1
    c.close()
    server.close()


async def test_answer_without_length_ends_at_close() -> None:
    answer = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nwhole body"
    async with scripted(lambda n, c: answer, close_after_answer=True) as srv:
        # no length, no chunks: the body runs until the server closes the connection
        c = client()
        assert (await c.request(get(srv), 5))[0] == 200
        c.close()


async def test_answer_cut_short_is_a_connection_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    c = client()
    with pytest.raises(RequestFailed) as err:
        await c.request(Target.build("GET", f"http://127.0.0.1:{port}/", {}, None), 5)
    assert err.value.kind == CONNECT and "closed" in err.value.message
    c.close()
    server.close()


async def test_answer_cut_short_on_a_closing_connection_is_still_an_error() -> None:
    # "Connection: close" and a length: the close ends the connection, not the answer (90 bytes missing)
    cut = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 100\r\n\r\nonly part"
    async with scripted(lambda n, c: cut, close_after_answer=True) as srv:
        c = client()
        with pytest.raises(RequestFailed) as err:
            await c.request(get(srv), 5)
        assert err.value.kind == CONNECT
        c.close()


async def test_answer_without_length_after_an_interim_answer() -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest of the body"
    async with scripted(lambda n, c: answer, close_after_answer=True) as srv:
        c = client()
        assert (await c.request(get(srv, "POST", body=b"{}"), 5))[0] == 200
        c.close()


async def test_each_wait_ends_at_its_own_deadline() -> None:
    async with scripted(lambda n, c: b"") as srv:  # reads every request, answers none
        c = client()
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def wait(timeout: float) -> float:
            with pytest.raises(TimeoutError):
                await c.request(get(srv), timeout)
            return loop.time() - started

        short, long_, short2 = await asyncio.gather(wait(0.3), wait(0.8), wait(0.3))
        for took, limit in ((short, 0.3), (long_, 0.8), (short2, 0.3)):
            assert limit - 0.01 < took < limit + 0.25  # never early; late by at most a sweep plus scheduling
        c.close()


async def test_head_answer_with_a_length_has_no_body() -> None:
    def script(n: int, conn: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" if n == 1 else OK

    async with scripted(script) as srv:
        c = client()
        assert (await c.request(get(srv, "HEAD"), 2))[0] == 200
        assert (await c.request(get(srv), 2))[0] == 200  # same connection, parser not waiting for 5000 bytes
        assert c.opened == 1
        c.close()


async def test_interim_100_answer_is_skipped() -> None:
    async with scripted(lambda n, c: b"HTTP/1.1 100 Continue\r\n\r\n" + OK) as srv:
        c = client()
        assert (await c.request(get(srv, "POST", body=b"{}"), 5))[0] == 200
        assert b"Content-Length: 2\r\n" in srv.requests[0] and srv.requests[0].endswith(b"{}")
        c.close()


async def test_malformed_answer_is_a_protocol_error() -> None:
    async with scripted(lambda n, c: b"SMTP ready\r\n\r\n") as srv:
        c = client()
        with pytest.raises(RequestFailed) as err:
            await c.request(get(srv), 5)
        assert err.value.kind == PROTOCOL and "malformed" in err.value.message
        c.close()


async def test_silence_is_a_timeout_and_the_connection_is_dropped() -> None:
    async with scripted(lambda n, c: b"" if c == 1 else OK) as srv:
        c = client()
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):
            await c.request(get(srv), 0.3)
        assert 0.29 < loop.time() - started < 1.0
        assert (await c.request(get(srv), 5))[0] == 200  # a new connection: the old one was mid-answer
        assert c.opened == 2
        c.close()


def _closes_second_request(n: int, conn: int) -> bytes | None:
    # the first connection answers once, then closes under the next request (a keep-alive race)
    return None if conn == 1 and n == 2 else OK


async def test_stale_kept_alive_connection_is_retried_for_get() -> None:
    async with scripted(_closes_second_request) as srv:
        c = client()
        assert (await c.request(get(srv), 5))[0] == 200
        assert (await c.request(get(srv), 5))[0] == 200  # retried once on a new connection
        assert (c.opened, srv.connections) == (2, 2)
        c.close()


async def test_stale_kept_alive_connection_is_not_retried_for_post() -> None:
    async with scripted(_closes_second_request) as srv:
        c = client()
        post = get(srv, "POST", body=b"{}")
        assert (await c.request(post, 5))[0] == 200
        with pytest.raises(RequestFailed) as err:
            await c.request(post, 5)  # it may have reached the server: not sent twice
        assert err.value.kind == CONNECT
        c.close()


async def test_refused_connection() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    c = client()
    with pytest.raises(RequestFailed) as err:
        await c.request(Target.build("GET", f"http://127.0.0.1:{port}/", {}, None), 5)
    assert err.value.kind == CONNECT and "refused" in err.value.message.lower()


async def test_lab_https_keep_alive_dns_and_tls(lab: Lab) -> None:
    c = Http1Client(AddressSource(lab_network(lab)), ssl_context(lab_network(lab)))
    home = Target.build("GET", "https://good.test/", {"User-Agent": "t"}, None)
    assert [(await c.request(home, 5))[0] for _ in range(5)] == [200] * 5
    assert c.opened == 1
    with pytest.raises(RequestFailed) as dns:
        await c.request(Target.build("GET", "https://nope.flawed.test/", {}, None), 5)
    assert dns.value.kind == DNS
    with pytest.raises(RequestFailed) as tls:
        await c.request(Target.build("GET", "https://expired.flawed.test/", {}, None), 5)
    assert tls.value.kind == TLS and "expired" in tls.value.message
    c.close()


def test_headers_that_cannot_be_sent_are_refused_before_the_run() -> None:
    with pytest.raises(ValueError, match="line break"):
        Target.build("GET", "http://127.0.0.1/", {"X-Evil": "a\r\nHost: other"}, None)
    ep = LoadEndpoint("x", "http://127.0.0.1/", headers={"X-Evil": "a\r\nInjected: 1"})
    plan = LoadPlan([ep], [Step(1, {"x": 1.0})])
    with pytest.raises(PlanError, match="cannot be sent"):
        validate(plan)


def test_request_encoding() -> None:
    t = Target.build("post", "https://[::1]:8443/a%20b?x=1", {"Content-Type": "application/json",
                                                            "Host": "ignored", "Accept": "text/html"}, b"{}")
    head = t.head.decode()
    assert head.startswith("POST /a%20b?x=1 HTTP/1.1\r\nHost: [::1]:8443\r\n")
    assert "Accept: text/html\r\n" in head and "Accept: */*" not in head and "ignored" not in head
    assert head.endswith("Content-Length: 2\r\n\r\n") and t.tls and t.key == ("https", "::1", 8443)
    assert not t.retry_stale
    assert t.with_path("/cb?code=1").startswith(b"POST /cb?code=1 HTTP/1.1\r\nHost: [::1]:8443\r\n")


async def test_lookups_are_shared_and_failures_are_not_cached(lab: Lab) -> None:
    source = AddressSource(lab_network(lab))
    calls: list[str] = []
    real = source.resolver.addresses

    async def counting(host: str, port: int | None = None) -> AddressLookup:
        calls.append(host)  # counts the real resolver's calls, then lets it answer
        return await real(host, port)

    source.resolver.addresses = counting  # type: ignore[method-assign]
    answers = await asyncio.gather(*[source.resolve("good.test", 443) for _ in range(20)])
    assert len(calls) == 1 and all(a == answers[0] for a in answers) and answers[0]
    for _ in range(2):
        with pytest.raises(OSError):
            await source.resolve("nope.flawed.test", 443)
    assert calls.count("nope.flawed.test") == 2  # asked again: a failure is not kept for 300 s
