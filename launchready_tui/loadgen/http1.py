"""The load path's HTTP/1.1 client: keep-alive connections on asyncio protocols, parsed by llhttp (httptools).

Why not aiohttp here (it was the first engine): measured side by side against nginx on loopback, aiohttp's
request path costs 85-100 µs of CPU per request, a bare asyncio protocol 8 µs (wrk: 7 µs). In a closed
loop of 100 users whose answers arrive together, that difference is a queue of 8-10 ms inside the
generator, added to the tail it reports (p95 +20-40 % over wrk's on the same server, worst on a busy
machine), and in the open model it is generator CPU that the self-check must then call untrustworthy.
The load path needs none of what that time buys (redirects are never followed, no cookies, no
decompression: the body is counted and discarded), so this module does only what it needs, on the
parser uvicorn uses (a hand-written client, kept small on purpose; the parsing is the library's):

* one request at a time per connection (no pipelining), connections kept alive per origin and reused;
  a connection idle for longer than ``IDLE_REUSE_S`` is not reused (servers close idle ones after 5-75 s);
* an idempotent request whose reused connection turns out closed before any answer byte is retried once
  on a new connection, as browsers and aiohttp do; a POST is not (it may have reached the server);
* the whole exchange (resolve, connect, TLS, send, answer) runs under one deadline, like aiohttp's total
  timeout (noticed within ``SWEEP_S``); the answer time is taken when its last byte is parsed, in the
  transport callback (as wrk times it), so the time the event loop then spends on other ready tasks is
  not billed to the server;
* addresses come from the project's resolver with ``--connect-to``/``--resolve`` applied (``dns.py``); the
  URL host stays the Host header and the TLS server name.

Errors are :class:`RequestFailed` with a failure code of ``samples`` (CONNECT, DNS, TLS, PROTOCOL) and one
plain sentence; a deadline is a ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections import deque
from dataclasses import dataclass

import httptools
from yarl import URL

from launchready_tui.loadgen.dns import AddressSource
from launchready_tui.loadgen.plan import header_sendable
from launchready_tui.loadgen.samples import CONNECT, DNS, PROTOCOL, TLS

SWEEP_S = 0.02  # how late a deadline may be noticed: timeouts are whole seconds, 20 ms is within noise
IDLE_REUSE_S = 4.0  # below the shortest common server keep-alive (uvicorn, node, hypercorn: 5 s)
ONE_WRITE_MAX = 64 * 1024
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_clock = time.perf_counter


class RequestFailed(Exception):
    """A request that got no (complete) HTTP answer: ``kind`` is a failure code of ``samples``."""

    def __init__(self, kind: int, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _Closed(Exception):
    """The connection closed before the answer was complete (``answered``: some of it had arrived)."""

    def __init__(self, answered: bool, reason: str) -> None:
        super().__init__(reason)
        self.answered = answered


def _check_header(name: str, value: str) -> None:
    if not header_sendable(name, value):
        raise ValueError(f"the header {name!r} cannot be sent (empty name, or a line break in it)")


@dataclass(frozen=True, slots=True)
class Target:
    """One endpoint's request, encoded once: the connection key, where to connect, the bytes to send."""

    key: tuple[str, str, int]  # scheme, host, port of the URL: connections are shared per origin
    host: str  # URL host (IDNA): Host header, TLS server name, the name to resolve
    port: int
    tls: bool
    method: str
    head: bytes  # request line and headers, up to and including the blank line
    body: bytes | None
    retry_stale: bool  # idempotent: retried once when a reused connection was already closed
    data: bytes | None  # head + body when the body is small: one write, one send syscall

    @classmethod
    def build(cls, method: str, url: str | URL, headers: dict[str, str], body: bytes | None) -> Target:
        """Encode the request; ``ValueError`` (plain words) for a URL or header that cannot be sent."""
        u = url if isinstance(url, URL) else URL(url)
        if u.scheme not in ("http", "https") or not u.raw_host:
            raise ValueError(f"{str(u)!r} is not an http:// or https:// URL with a host")
        port = u.port or (443 if u.scheme == "https" else 80)
        method = method.upper()
        lines = [f"{method} {u.raw_path_qs or '/'} HTTP/1.1", f"Host: {u.host_port_subcomponent}"]
        given = {k.lower() for k in headers}
        # What a plain HTTP client sends (aiohttp sent the same): the server does its usual work, gzip too.
        for name, value in (("Accept", "*/*"), ("Accept-Encoding", "gzip, deflate")):
            if name.lower() not in given:
                lines.append(f"{name}: {value}")
        for name, value in headers.items():
            if name.lower() in ("host", "content-length", "transfer-encoding"):
                continue  # ours: framing and routing must match what we really send
            _check_header(name, str(value))
            lines.append(f"{name}: {value}")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        data: bytes | None = head
        if body:
            data = head + body if len(body) <= ONE_WRITE_MAX else None
        return cls((u.scheme, u.raw_host, port), u.raw_host, port, u.scheme == "https", method, head, body,
                   method in IDEMPOTENT, data)

    def with_path(self, path_qs: str) -> bytes:
        """The head for another path and query on the same origin (the auth callback's fresh code)."""
        _, _, rest = self.head.partition(b"\r\n")
        return f"{self.method} {path_qs} HTTP/1.1\r\n".encode() + rest


class _Connection(asyncio.Protocol):
    """One keep-alive connection; httptools calls ``on_*`` while we feed it the bytes that arrive."""

    __slots__ = ("transport", "parser", "waiter", "status", "done_at", "got_bytes", "head_chunks", "head_only",
                 "headers_done", "closed", "close_reason", "idle_since", "fresh_parser", "keep_alive")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[int] | None = None
        self.status = 0
        self.done_at = 0.0
        self.got_bytes = False
        # the bytes that arrived until the headers were complete, for the rare answer cut short by a close
        self.head_chunks: list[bytes] = []
        self.head_only = False
        self.headers_done = False
        self.closed = False
        self.close_reason = "the server closed the connection"
        self.idle_since = 0.0
        self.fresh_parser = False
        self.keep_alive = False

    # -- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        if not self.headers_done:
            self.head_chunks.append(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(RequestFailed(PROTOCOL, "HTTP: the server switched protocols (upgrade) on a plain request"))
        except httptools.HttpParserError as exc:
            self._fail(RequestFailed(PROTOCOL, f"HTTP: malformed answer ({exc})"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if exc is not None:
            self.close_reason = f"the connection broke ({exc})"
        w = self.waiter
        if w is None or w.done():
            return
        if self.headers_done and not _declares_length(self.head_chunks):
            self._complete()  # an answer without a length ends when the server closes
        else:
            w.set_exception(_Closed(self.got_bytes, self.close_reason))

    # -- httptools callbacks --------------------------------------------------------------------

    def on_headers_complete(self) -> None:
        self.headers_done = True
        if self.head_only:  # a HEAD answer has no body, whatever its Content-Length says
            self.fresh_parser = True
            self._complete()

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # interim answer (100 Continue, 103): the real one follows
            self.headers_done = False
            return
        if not self.head_only:
            self._complete()

    # -- ours -----------------------------------------------------------------------------------

    def _complete(self) -> None:
        self.done_at = _clock()
        # asked now: llhttp forgets the answer's keep-alive flags once feed_data returns
        self.keep_alive = not self.closed and self.parser.should_keep_alive()
        w = self.waiter
        if w is not None and not w.done():
            self.status = self.parser.get_status_code()
            w.set_result(self.status)

    def _fail(self, exc: Exception) -> None:
        w = self.waiter
        if w is not None and not w.done():
            w.set_exception(exc)
        self.abort()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def start(self, loop: asyncio.AbstractEventLoop, head_only: bool) -> asyncio.Future[int]:
        if self.fresh_parser:
            self.parser = httptools.HttpResponseParser(self)
            self.fresh_parser = False
        self.got_bytes = self.headers_done = self.keep_alive = False
        self.head_chunks = []
        self.head_only = head_only
        self.waiter = fut = loop.create_future()
        return fut

    def reusable(self) -> bool:
        return not self.closed and self.keep_alive


class _LengthHeaders:
    """Callbacks for :func:`_declares_length`: did the final (non-1xx) header block give a length?"""

    def __init__(self) -> None:
        self.parser: httptools.HttpResponseParser | None = None
        self.framed = False
        self.final = False

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.final and name.lower() in (b"content-length", b"transfer-encoding"):
            self.framed = True

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self.framed = False  # an interim answer: the final one's headers decide
        else:
            self.final = True


def _declares_length(chunks: list[bytes]) -> bool:
    """Whether the answer whose first bytes are ``chunks`` said how long it is (Content-Length or chunked).

    Asked only when a connection closes mid-answer (rare): the bytes are replayed into a parser that
    reports headers, so the hot path needs no Python call per header (~2 µs a request).
    """
    seen = _LengthHeaders()
    seen.parser = httptools.HttpResponseParser(seen)
    try:
        seen.parser.feed_data(b"".join(chunks))
    except (httptools.HttpParserError, httptools.HttpParserUpgrade):  # the headers seen so far decide
        pass
    return seen.framed


def _os_words(exc: OSError) -> str:
    # asyncio's "Connect call failed (...)" hides the reason; the errno says it ("Connection refused")
    return os.strerror(exc.errno) if exc.errno else (exc.strerror or str(exc) or type(exc).__name__)


class Http1Client:
    """Keep-alive connections per origin; ``request`` returns ``(status, done_at)`` (``perf_counter`` time)."""

    def __init__(self, addresses: AddressSource, ssl_context: ssl.SSLContext) -> None:
        self.addresses = addresses
        self.ssl_context = ssl_context
        self.idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self.busy: set[_Connection] = set()
        self.opened = 0  # connections opened in this run (keep-alive working = few)
        # Deadlines per timeout value: appended in send order, so each queue is sorted and one timer
        # sweeping the queues' heads replaces a timer per request (uvloop's call_at + cancel: 2.2 µs).
        self._deadlines: dict[float, deque[tuple[float, asyncio.Future[int]]]] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    async def request(self, target: Target, timeout_s: float, head: bytes | None = None) -> tuple[int, float]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        conn = self._idle(target.key, loop)
        retry = conn is not None and target.retry_stale
        try:
            while True:
                if conn is None:
                    conn = await self._open(target, loop, deadline)
                fut = conn.start(loop, target.method == "HEAD")
                self._watch(loop, timeout_s, deadline, fut)  # a retry keeps the first attempt's deadline
                self.busy.add(conn)
                assert conn.transport is not None
                if head is None and target.data is not None:
                    conn.transport.write(target.data)
                else:  # a large upload (not copied into one buffer), or a fresh path and query
                    conn.transport.write(head or target.head)
                    if target.body:
                        conn.transport.write(target.body)
                try:
                    status = await fut
                except _Closed as exc:
                    self.busy.discard(conn)
                    if retry and not exc.answered:
                        retry, conn = False, None
                        continue
                    raise RequestFailed(CONNECT, f"connection: {exc}") from None
                self.busy.discard(conn)
                conn.waiter = None
                if conn.reusable():
                    conn.idle_since = loop.time()
                    self.idle.setdefault(target.key, []).append(conn)
                else:
                    conn.abort()
                return status, conn.done_at
        except BaseException:
            # timeout, cancel, failure: the connection is mid-exchange and cannot be reused
            if conn is not None:
                self.busy.discard(conn)
                conn.waiter = None
                conn.abort()
            raise

    def _watch(self, loop: asyncio.AbstractEventLoop, timeout_s: float, deadline: float,
               fut: asyncio.Future[int]) -> None:
        queue = self._deadlines.get(timeout_s)
        if queue is None:
            queue = self._deadlines[timeout_s] = deque()
        queue.append((deadline, fut))
        if self._sweeper is None:
            self._sweeper = loop.call_later(SWEEP_S, self._sweep, loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Expire the waits past their deadline (at most ``SWEEP_S`` late); forget the finished ones."""
        now = loop.time()
        pending = False
        for queue in self._deadlines.values():
            while queue:
                deadline, fut = queue[0]
                if not fut.done():
                    if deadline > now:
                        break
                    fut.set_exception(TimeoutError())
                queue.popleft()
            pending = pending or bool(queue)
        self._sweeper = loop.call_later(SWEEP_S, self._sweep, loop) if pending else None

    def _idle(self, key: tuple[str, str, int], loop: asyncio.AbstractEventLoop) -> _Connection | None:
        pool = self.idle.get(key)
        if not pool:
            return None
        now = loop.time()
        while pool:
            conn = pool.pop()  # the most recently used: the warmest, the least likely closed by the server
            if not conn.closed and now - conn.idle_since < IDLE_REUSE_S:
                return conn
            conn.abort()
        return None

    async def _open(self, target: Target, loop: asyncio.AbstractEventLoop, deadline: float) -> _Connection:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError()
        async with asyncio.timeout_at(deadline):
            try:
                addresses = await self.addresses.resolve(target.host, target.port)
            except Exception as exc:  # OSError with the resolver's reason, or a name it could not even ask
                raise RequestFailed(DNS, f"DNS: {exc or type(exc).__name__}") from None
            last: RequestFailed | None = None
            for addr, port in addresses:
                try:
                    _, conn = await loop.create_connection(
                        _Connection, addr, port, ssl=self.ssl_context if target.tls else None,
                        server_hostname=target.host if target.tls else None)
                except ssl.SSLCertVerificationError as exc:
                    raise RequestFailed(TLS, f"TLS: {exc.verify_message or exc}") from None
                except ssl.SSLError as exc:
                    raise RequestFailed(TLS, f"TLS: {exc}") from None
                except OSError as exc:
                    last = RequestFailed(CONNECT, f"connection: cannot connect to {target.host}:{target.port} "
                                                  f"[{addr}]:{port} ({_os_words(exc)})")
                    continue
                self.opened += 1
                return conn
            assert last is not None
            raise last

    def close(self) -> None:
        """Drop every connection at once (the run is over or cancelled)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        self._deadlines.clear()
        for pool in self.idle.values():
            for conn in pool:
                conn.abort()
        self.idle.clear()
        for conn in list(self.busy):
            conn.abort()
        self.busy.clear()
