"""Requests shared by the stage 2-3 web checks: one redirect walk, one GET, one TLS probe per target.

Several checks look at the same responses (the home page feeds routing, mixed content, caching,
compression and HTTP/2). Politeness (issue 4: "a bounded number of requests per host") and speed
both want each URL fetched once per audit, so results are memoised per run (the run's cancel event)
for at most a minute, as asyncio tasks: concurrent checks asking for the same URL wait for the same request.
A shared task is shielded, so one check hitting its own timeout never cancels another check's wait.

Our own redirect walk (rather than ``HttpClient.walk``) records, per hop, the address used, the
HTTP version and the headers the routing, HSTS and cache checks judge, and detects loops on
normalised URLs (host lower-cased, default port and fragment dropped), design checks-web.md §5.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from launchready_tui.checks.base import CheckContext
from launchready_tui.net.http import FetchError, Response
from launchready_tui.net.tls import TlsError, TlsInfo, probe_tls

MAX_HOPS = 10  # checks-web.md §5: hop cap 10
PAGE_CAP = 2 * 1024 * 1024  # HTML we parse; a bigger page is judged on its first 2 MiB
CACHE_TTL_S = 60.0  # a re-run a minute later measures again

T = TypeVar("T")

# Keyed by the run's cancel event: the wizard keeps one context for a session and gives each run its own
# event, so a re-run after the founder fixed something measures again instead of reusing the old answer.
_memo: weakref.WeakKeyDictionary[asyncio.Event, dict[tuple[Any, ...], tuple[float, asyncio.Task[Any]]]] = (
    weakref.WeakKeyDictionary()
)


def _retrieve(task: asyncio.Task[Any]) -> None:
    # A shared task whose waiters all went away must not log "exception was never retrieved".
    if not task.cancelled():
        task.exception()


async def _once(ctx: CheckContext, key: tuple[Any, ...], make: Callable[[], Awaitable[T]]) -> T:
    table = _memo.setdefault(ctx.cancel_event, {})
    key = (id(ctx.http), *key)
    now = time.monotonic()
    entry = table.get(key)
    if entry is None or now - entry[0] > CACHE_TTL_S or (entry[1].done() and entry[1].cancelled()):
        task: asyncio.Task[T] = asyncio.ensure_future(make())
        task.add_done_callback(_retrieve)
        table[key] = (now, task)
    else:
        task = entry[1]
    return await asyncio.shield(task)


def forget(ctx: CheckContext) -> None:
    """Drop memoised responses of this context (tests, or a deliberate re-measure)."""
    _memo.pop(ctx.cancel_event, None)


# -- URLs ----------------------------------------------------------------------------------------


def normalise(url: str) -> str:
    """The form used to spot a loop: lower-case scheme and host, no default port, no fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def origin(url: str) -> str:
    parts = urlsplit(normalise(url))
    return f"{parts.scheme}://{parts.netloc}"


# -- the redirect walk -----------------------------------------------------------------------------


@dataclass(slots=True)
class HopDetail:
    url: str
    status: int
    location: str | None  # absolute, resolved against url (RFC 3986)
    remote_addr: str | None
    http_version: str
    response: Response

    def to_json(self) -> dict[str, Any]:
        """The contract's hop shape ({url, status, location}) plus the address and HTTP version used."""
        return {"url": self.url, "status": self.status, "location": self.location,
                "ip": self.remote_addr, "http_version": self.http_version}


@dataclass(slots=True)
class Walk:
    start: str
    hops: list[HopDetail] = field(default_factory=list)
    loop: bool = False
    too_many: bool = False
    error: FetchError | None = None

    @property
    def final(self) -> HopDetail | None:
        """The last response when the walk ended on a non-redirect."""
        if self.loop or self.too_many or self.error is not None or not self.hops:
            return None
        return self.hops[-1]

    @property
    def redirects(self) -> int:
        return sum(1 for h in self.hops if h.location)

    @property
    def ok(self) -> bool:
        return self.final is not None

    def hops_json(self) -> list[dict[str, Any]]:
        return [h.to_json() for h in self.hops]

    def describe_end(self) -> str:
        """Plain words for how the walk ended."""
        if self.error is not None:
            return self.error.message
        if self.loop:
            return "redirect loop: " + " → ".join(h.url for h in self.hops[-4:]) + " → " + \
                (self.hops[-1].location or "")
        if self.too_many:
            return f"more than {MAX_HOPS} redirects"
        final = self.final
        assert final is not None
        return f"{final.url} answers HTTP {final.status}"


async def _walk(ctx: CheckContext, url: str, max_hops: int) -> Walk:
    walk = Walk(start=url)
    seen: set[str] = set()
    current = url
    for _ in range(max_hops + 1):
        key = normalise(current)
        if key in seen:
            walk.loop = True
            return walk
        seen.add(key)
        if ctx.cancel_event.is_set():
            walk.error = FetchError("cancelled", "cancelled", current)
            return walk
        response = await get(ctx, current)  # memoised: walks from http://, www and apex share their hops
        if isinstance(response, FetchError):
            walk.error = response
            return walk
        location = urljoin(current, response.headers["location"]) if response.is_redirect else None
        walk.hops.append(HopDetail(current, response.status, location, response.remote_addr,
                                   response.http_version, response))
        if location is None:
            return walk
        current = location
    walk.too_many = True
    return walk


async def walk(ctx: CheckContext, url: str, max_hops: int = MAX_HOPS) -> Walk:
    """Follow redirects from ``url`` hop by hop (memoised per audit)."""
    return await _once(ctx, ("walk", normalise(url), max_hops), lambda: _walk(ctx, url, max_hops))


# -- single requests ---------------------------------------------------------------------------------


async def _get(ctx: CheckContext, url: str, headers: dict[str, str] | None, body_cap: int,
               decode: bool) -> Response | FetchError:
    try:
        return await ctx.http.fetch(url, headers=headers, body_cap=body_cap, decode=decode)
    except FetchError as exc:
        return exc


async def get(
    ctx: CheckContext, url: str, headers: dict[str, str] | None = None, body_cap: int = PAGE_CAP,
    decode: bool = True,
) -> Response | FetchError:
    """One GET without following redirects (memoised per audit); a failure comes back as FetchError."""
    key = ("get", normalise(url), tuple(sorted((headers or {}).items())), body_cap, decode)
    return await _once(ctx, key, lambda: _get(ctx, url, headers, body_cap, decode))


async def get_fresh(
    ctx: CheckContext, url: str, headers: dict[str, str] | None = None, body_cap: int = PAGE_CAP,
) -> Response | FetchError:
    """One GET that is never memoised (a second look, e.g. whether an edge MISS turns into a HIT)."""
    return await _get(ctx, url, headers, body_cap, True)


# -- TLS -------------------------------------------------------------------------------------------


async def _probe(ctx: CheckContext, host: str, port: int) -> TlsInfo | TlsError:
    try:
        return await probe_tls(host, port, resolver=ctx.resolver, overrides=ctx.http.overrides,
                               ca_file=ctx.http.ca_file)
    except TlsError as exc:
        return exc


async def tls_probe(ctx: CheckContext, host: str, port: int = 443) -> TlsInfo | TlsError:
    """The certificate and connection facts of host:port (memoised per audit)."""
    return await _once(ctx, ("tls", host.lower(), port), lambda: _probe(ctx, host, port))
