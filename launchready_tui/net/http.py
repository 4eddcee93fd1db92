"""The one HTTP client: httpx on our own httpcore connection pool and network backend.

Every connection resolves through ``net.resolver`` (so ``--nameserver``, ``--resolve`` and
``--connect-to`` apply to every check) while TLS keeps the URL's host for SNI and certificate
checks. httpx 0.28 has no ``network_backend`` argument, so we build the httpcore pool ourselves
and put it into an ``httpx.AsyncHTTPTransport`` (its ``_pool`` attribute; httpx is pinned <0.29
for that reason) to keep httpx's exception mapping. Bodies are read with a byte cap so a huge body
cannot exhaust memory.

Redirects are never followed implicitly: ``HttpClient.walk`` is the one redirect walk of the project.
It follows ``Location`` hop by hop (resolved against the current URL, RFC 3986), keeps every hop's
response (headers, address used, HTTP version) as evidence, spots loops on normalised URLs, caps the
chain, applies the browser's method rules (Fetch standard §4.4) and reads a redirect's body with a
smaller cap than the final page's. Checks reach it memoised per run through ``checks.web_requests``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ssl
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import certifi
import httpcore
import httpx

from launchready_tui import __version__
from launchready_tui.net.overrides import NetworkOverrides
from launchready_tui.net.resolver import Resolver

DEFAULT_BODY_CAP = 5 * 1024 * 1024
USER_AGENT = f"launchready/{__version__} (+launch readiness audit)"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
WALK_MAX_HOPS = 10  # checks-web.md §5: hop cap 10
WALK_BODY_CAP = 256 * 1024  # the final page of a walk, unless the caller asks for more
HOP_BODY_CAP = 64 * 1024  # a redirect's body is never judged
# Request headers a browser drops when a redirect turns the request into a body-less GET, and the
# credentials it does not carry to another origin (Fetch standard, HTTP-redirect fetch).
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "content-language",
                           "content-location"})
_ORIGIN_BOUND_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass(slots=True)
class Timings:
    dns_ms: float = 0.0
    connect_ms: float = 0.0
    tls_ms: float = 0.0
    ttfb_ms: float = 0.0  # request sent -> response headers received
    total_ms: float = 0.0

    def to_json(self) -> dict[str, float]:
        return {k: round(getattr(self, k), 1) for k in ("dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms")}


@dataclass(slots=True)
class Response:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool
    http_version: str
    timings: Timings
    remote_addr: str | None = None
    body_cap: int = DEFAULT_BODY_CAP

    @property
    def text(self) -> str:
        charset = "utf-8"
        ctype = self.headers.get("content-type", "")
        if "charset=" in ctype:
            charset = ctype.split("charset=", 1)[1].split(";")[0].strip() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES and "location" in self.headers


class FetchError(Exception):
    """We could not get a response; ``kind`` is one of dns, connect, tls, timeout, protocol, url."""

    def __init__(self, kind: str, message: str, url: str = "", timings: Timings | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.url = url
        self.timings = timings or Timings()


def normalise_url(url: str) -> str:
    """The form used to spot a redirect loop (checks-web.md §5): lower-case scheme and host, no
    trailing dot, no default port, no fragment, "/" for an empty path. An unparsable URL stays as is."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def url_origin(url: str) -> str:
    """scheme://host[:port] of ``url``, normalised as for loop detection (an unparsable URL stays as is)."""
    try:
        parts = urlsplit(normalise_url(url))
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(slots=True)
class Hop:
    """One response of a redirect walk: where we asked, what came back, where it sent us."""

    url: str
    status: int
    location: str | None  # absolute: Location resolved against url (RFC 3986); None on the last hop
    response: Response

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def remote_addr(self) -> str | None:
        return self.response.remote_addr

    @property
    def http_version(self) -> str:
        return self.response.http_version

    @property
    def https(self) -> bool:
        return self.url.lower().startswith("https://")

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    def to_json(self) -> dict[str, Any]:
        """The contract's hop shape ({url, status, location}) plus the address and HTTP version used."""
        return {"url": self.url, "status": self.status, "location": self.location,
                "ip": self.remote_addr, "http_version": self.http_version}


@dataclass(slots=True)
class RedirectWalk:
    start: str
    hops: list[Hop] = field(default_factory=list)
    final: Response | None = None  # the response that was not a redirect; None when the walk broke off
    loop: bool = False
    too_many: bool = False
    error: FetchError | None = None
    max_hops: int = WALK_MAX_HOPS

    @property
    def ok(self) -> bool:
        return self.final is not None

    @property
    def redirects(self) -> int:
        return sum(1 for h in self.hops if h.location)

    @property
    def final_url(self) -> str | None:
        return self.final.url if self.final else None

    def hops_json(self) -> list[dict[str, Any]]:
        return [h.to_json() for h in self.hops]

    def describe_end(self) -> str:
        """Plain words for how the walk ended."""
        if self.error is not None:
            return self.error.message
        if self.loop:
            shown = " → ".join(h.url for h in self.hops[-4:])
            return f"redirect loop: {shown} → {self.hops[-1].location if self.hops else self.start}"
        if self.too_many:
            return f"more than {self.max_hops} redirects"
        if self.final is None:
            return "no response"
        return f"{self.final.url} answers HTTP {self.final.status}"

    @property
    def problem(self) -> str | None:
        """Plain words for why there is no final page, or None when there is one."""
        return None if self.final is not None else self.describe_end()

    @property
    def measured_failure(self) -> bool:
        """True when the walk broke off on a fact about the site (TLS broken, refused, loop), not on a
        failure to measure (timeout, DNS could not be asked)."""
        if self.loop or self.too_many:
            return True
        return self.error is not None and self.error.kind in ("tls", "connect")


class Fetcher(Protocol):
    """``HttpClient.fetch``'s signature: a walk may be given a memoising stand-in for it."""

    def __call__(self, url: str, *, method: str, headers: dict[str, str] | None, content: bytes | str | None,
                 verify: bool, body_cap: int | None, redirect_body_cap: int | None) -> Awaitable[Response]: ...


def next_request(
    status: int, method: str, headers: dict[str, str] | None, content: bytes | str | None, from_url: str, to_url: str,
) -> tuple[str, dict[str, str] | None, bytes | str | None]:
    """(method, headers, body) a browser sends after a redirect (Fetch standard, HTTP-redirect fetch):
    303 turns anything but HEAD into a GET, 301/302 turn a POST into a GET, both without the body and its
    headers; credentials do not follow the request to another origin; 307/308 keep everything."""
    if (status == 303 and method not in ("GET", "HEAD")) or (status in (301, 302) and method == "POST"):
        method, content = "GET", None
        if headers:
            headers = {k: v for k, v in headers.items() if k.lower() not in _BODY_HEADERS}
    if headers and url_origin(from_url) != url_origin(to_url):
        headers = {k: v for k, v in headers.items() if k.lower() not in _ORIGIN_BOUND_HEADERS}
    return method, headers or None, content


# Per-request trace data, written by the backend and the trace hook in the requesting task.
_trace: contextvars.ContextVar[dict[str, float | str] | None] = contextvars.ContextVar("_trace", default=None)


class _DnsFailure(httpcore.ConnectError):
    """Raised by the backend when a host has no usable address; kept apart from TCP failures."""


class ResolvingBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections to the address our resolver picked, after --connect-to / --resolve."""

    def __init__(self, resolver: Resolver, overrides: NetworkOverrides) -> None:
        self._resolver = resolver
        self._overrides = overrides
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        to_host, to_port = self._overrides.route(host, port)
        trace = _trace.get()
        started = time.perf_counter()
        lookup = await self._resolver.addresses(to_host, to_port)
        if trace is not None:
            trace["dns_ms"] = (time.perf_counter() - started) * 1000
        if not lookup.addresses:
            raise _DnsFailure(lookup.reason)
        errors: list[str] = []
        for address in lookup.addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, to_port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                errors.append(f"{address}:{to_port} {_socket_reason(exc)}")
                if isinstance(exc, httpcore.ConnectTimeout) and len(lookup.addresses) == 1:
                    raise
                continue
            if trace is not None:
                trace["remote_addr"] = f"{address}:{to_port}"
            return stream
        raise httpcore.ConnectError("; ".join(errors) or f"could not connect to {to_host}:{to_port}")


def _socket_reason(exc: BaseException) -> str:
    """A plain reason from the OSError buried under anyio's "All connection attempts failed"."""
    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, ConnectionRefusedError):
            return "refused the connection (nothing listening?)"
        if isinstance(cur, OSError) and cur.strerror:
            return cur.strerror.lower()
        cur = cur.__cause__ or cur.__context__
    return str(exc) or type(exc).__name__

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _trace_hook(event: str, info: dict[str, Any]) -> None:
    trace = _trace.get()
    if trace is not None:
        trace[event] = time.perf_counter()


@functools.lru_cache(maxsize=16)
def verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """A shared, read-only verifying context: loading the trust store costs ~45 ms, so build it once."""
    return build_ssl_context(ca_file, verify=True)


def build_ssl_context(ca_file: str | None, verify: bool = True) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context(cafile=certifi.where())
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)  # in addition to the public roots
    return ctx


def _between(trace: dict[str, float | str], start: str, end: str) -> float:
    a, b = trace.get(start), trace.get(end)
    if isinstance(a, float) and isinstance(b, float):
        return (b - a) * 1000
    return 0.0


def _timings(trace: dict[str, float | str], started: float) -> Timings:
    dns_ms = float(trace.get("dns_ms", 0.0))
    connect = _between(trace, "connection.connect_tcp.started", "connection.connect_tcp.complete")
    tls = _between(trace, "connection.start_tls.started", "connection.start_tls.complete")
    ttfb = 0.0
    for proto in ("http11", "http2"):
        ttfb = ttfb or _between(trace, f"{proto}.send_request_headers.started",
                                f"{proto}.receive_response_headers.complete")
    return Timings(dns_ms, max(connect - dns_ms, 0.0), tls, ttfb, (time.perf_counter() - started) * 1000)


def _describe(exc: BaseException, url: str) -> tuple[str, str]:
    """(kind, plain message) for a failed request."""
    host = urlsplit(url).hostname or url
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 6:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    text = " ".join(dict.fromkeys(str(e) for e in chain if str(e)))  # httpx re-raises with the same words
    if any(isinstance(e, _DnsFailure) for e in chain):
        return "dns", str(next(e for e in chain if isinstance(e, _DnsFailure)))
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        phase = {
            httpx.ConnectTimeout: "connecting", httpx.ReadTimeout: "waiting for the response",
            httpx.WriteTimeout: "sending the request", httpx.PoolTimeout: "waiting for a free connection",
        }.get(type(exc), "waiting")
        return "timeout", f"{host} timed out while {phase}"
    if "CERTIFICATE_VERIFY_FAILED" in text or any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        detail = next((getattr(e, "verify_message", "") for e in chain
                       if isinstance(e, ssl.SSLCertVerificationError)), "") or text
        return "tls", f"the certificate of {host} is not trusted: {detail}"
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text or "packet length too long" in text:
        return "tls", f"{host} does not speak TLS on that port (is it plain HTTP?)"
    if any(isinstance(e, ssl.SSLError) for e in chain):
        return "tls", f"TLS handshake with {host} failed: {text}"
    if isinstance(exc, httpx.ConnectError):
        if "refused the connection" in text or "Connection refused" in text:
            return "connect", f"{host} refused the connection (nothing listening at {str(exc).split(' ')[0]})"
        return "connect", f"could not connect to {host}: {exc}"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return "protocol", f"{host} broke the HTTP protocol: {text}"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "url", f"not a usable URL: {url} ({exc})"
    return "connect", f"request to {host} failed: {text or type(exc).__name__}"


class HttpClient:
    """Small, explicit API over httpx for checks: ``fetch`` one response, ``walk`` redirects."""

    def __init__(
        self,
        resolver: Resolver,
        overrides: NetworkOverrides | None = None,
        ca_file: str | None = None,
        timeout: float = 10.0,
        body_cap: int = DEFAULT_BODY_CAP,
        max_connections: int = 100,
    ) -> None:
        self.resolver = resolver
        self.overrides = overrides or resolver.overrides
        self.ca_file = ca_file
        self.timeout = timeout
        self.body_cap = body_cap
        self._max_connections = max_connections
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def client(self, verify: bool = True) -> httpx.AsyncClient:
        """The shared httpx client (one per verify mode), created on first use."""
        if verify not in self._clients:
            ssl_context = build_ssl_context(self.ca_file, verify)
            transport = httpx.AsyncHTTPTransport(verify=ssl_context, http2=True)
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=ssl_context, http1=True, http2=True,
                max_connections=self._max_connections, max_keepalive_connections=20,
                network_backend=ResolvingBackend(self.resolver, self.overrides),
            )
            self._clients[verify] = httpx.AsyncClient(
                transport=transport, timeout=httpx.Timeout(self.timeout), follow_redirects=False,
                headers={"user-agent": USER_AGENT}, trust_env=False,
            )
        return self._clients[verify]

    async def fetch(
        self,
        url: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        content: bytes | str | None = None,
        verify: bool = True,
        body_cap: int | None = None,
        decode: bool = True,
        timeout: float | None = None,
        redirect_body_cap: int | None = None,
    ) -> Response:
        """One request, no redirect following. Raises FetchError with a plain reason.

        ``redirect_body_cap``, when given, caps the body of a redirect response instead of ``body_cap``.
        """
        cap = self.body_cap if body_cap is None else body_cap
        trace: dict[str, float | str] = {}
        token = _trace.set(trace)
        started = time.perf_counter()
        deadline = (timeout or self.timeout) * 3  # a trickling body cannot hold a check forever
        try:
            async with asyncio.timeout(deadline):
                request = self.client(verify).build_request(
                    method, url, headers=headers, content=content,
                    extensions={"trace": _trace_hook},
                    timeout=httpx.Timeout(timeout) if timeout else httpx.USE_CLIENT_DEFAULT,
                )
                response = await self.client(verify).send(request, stream=True)
                if redirect_body_cap is not None and response.status_code in REDIRECT_STATUSES \
                        and "location" in response.headers:
                    cap = redirect_body_cap
                try:
                    body, truncated = await _read_capped(response, cap, decode)
                finally:
                    await response.aclose()
        except FetchError:
            raise
        except (httpx.HTTPError, httpcore.ConnectError, OSError, ssl.SSLError, TimeoutError) as exc:
            if isinstance(exc, TimeoutError) and not isinstance(exc, httpx.TimeoutException):
                raise FetchError("timeout", f"{urlsplit(url).hostname} did not finish the response within "
                                 f"{deadline:g} s", url, _timings(trace, started)) from None
            kind, message = _describe(exc, url)
            raise FetchError(kind, message, url, _timings(trace, started)) from None
        finally:
            _trace.reset(token)
        return Response(
            url=str(response.url), status=response.status_code, headers=response.headers, body=body,
            truncated=truncated, http_version=response.http_version, timings=_timings(trace, started),
            remote_addr=str(trace["remote_addr"]) if "remote_addr" in trace else None, body_cap=cap,
        )

    async def walk(
        self,
        url: str,
        max_hops: int = WALK_MAX_HOPS,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        content: bytes | str | None = None,
        verify: bool = True,
        body_cap: int = WALK_BODY_CAP,
        hop_body_cap: int = HOP_BODY_CAP,
        cancel: asyncio.Event | None = None,
        fetch: Fetcher | None = None,
    ) -> RedirectWalk:
        """Follow redirects ourselves, hop by hop: every response is kept, loops and long chains are
        detected, and a failure ends the walk with ``error`` set (never raised).

        ``body_cap`` bounds the final page, ``hop_body_cap`` each redirect's body. ``cancel`` stops the
        walk between hops. ``fetch`` replaces ``self.fetch`` for each hop (a per-run memo shares hops
        between walks that meet, e.g. http://www → https://apex and https://apex itself).
        """
        get = fetch or self.fetch
        walk = RedirectWalk(start=url, max_hops=max_hops)
        seen: set[str] = set()
        current, verb, body = url, method.upper(), content
        for _ in range(max_hops + 1):
            key = normalise_url(current)
            if key in seen:
                walk.loop = True
                return walk
            seen.add(key)
            if cancel is not None and cancel.is_set():
                walk.error = FetchError("cancelled", "cancelled", current)
                return walk
            try:
                response = await get(current, method=verb, headers=headers, content=body, verify=verify,
                                     body_cap=body_cap, redirect_body_cap=hop_body_cap)
            except FetchError as exc:
                walk.error = exc
                return walk
            try:
                location = urljoin(current, response.headers["location"]) if response.is_redirect else None
            except ValueError:  # e.g. "http://[oops": the server's mistake, reported like a broken response
                walk.hops.append(Hop(current, response.status, None, response))
                walk.error = FetchError("protocol", f"{current} redirects to an address that is not a valid URL "
                                        f"({response.headers['location'][:200]!r})", current)
                return walk
            walk.hops.append(Hop(current, response.status, location, response))
            if location is None:
                walk.final = response
                return walk
            verb, headers, body = next_request(response.status, verb, headers, body, current, location)
            current = location
        walk.too_many = True
        return walk

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _read_capped(response: httpx.Response, cap: int, decode: bool) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    stream = response.aiter_bytes() if decode else response.aiter_raw()
    async for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(chunks)[:cap], True
    return b"".join(chunks), False
