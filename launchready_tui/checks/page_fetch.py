"""One request per page per audit: a redirect walk that keeps every hop's headers, shared between checks.

``http.security_headers``, ``http.hsts``, ``http.cookies``, ``stack.providers`` and the edge checks all
read the same home page. Politeness (issue 4) asks for a bounded number of requests per host, so the
first check to ask starts the walk and the others await the same task. The memo is keyed by the run's
``HttpClient`` (one per audit) in a weak mapping, so it lives exactly as long as the run.

``net.http.HttpClient.walk`` records only (url, status, location) per hop; HSTS must be judged on
HTTPS redirects too and cookies on every hop (checks-web.md §5, §6), so this walk keeps the headers.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from launchready_tui.checks.base import CheckContext
from launchready_tui.net.http import FetchError, HttpClient, Response

T = TypeVar("T")
MAX_HOPS = 10
HOP_BODY_CAP = 64 * 1024  # redirect bodies are thrown away; the final page keeps the client's cap
PAGE_BODY_CAP = 2 * 1024 * 1024  # enough HTML to find scripts and meta tags

_MEMO: weakref.WeakKeyDictionary[HttpClient, dict[Any, asyncio.Task[Any]]] = weakref.WeakKeyDictionary()


async def memo(ctx: CheckContext, key: Any, factory: Callable[[], Awaitable[T]]) -> T:
    """Run ``factory`` once per audit for ``key``; concurrent callers await the same task.

    The task is shielded: a check that times out or is cancelled does not cancel the work another
    check is waiting for. A failed task is forgotten, so a later caller may try again.
    """
    table = _MEMO.setdefault(ctx.http, {})
    task = table.get(key)
    if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
        task = asyncio.ensure_future(factory())
        table[key] = task
    return await asyncio.shield(task)


@dataclass(slots=True)
class PageHop:
    url: str
    status: int
    headers: httpx.Headers
    location: str | None
    remote_addr: str | None = None
    http_version: str = ""

    @property
    def https(self) -> bool:
        return self.url.lower().startswith("https://")

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "status": self.status, "location": self.location}


@dataclass(slots=True)
class PageWalk:
    start: str
    hops: list[PageHop] = field(default_factory=list)
    final: Response | None = None
    error: FetchError | None = None
    loop: bool = False
    too_many: bool = False

    @property
    def ok(self) -> bool:
        return self.final is not None

    @property
    def final_url(self) -> str | None:
        return self.final.url if self.final is not None else None

    @property
    def problem(self) -> str | None:
        """Plain words for why there is no final page, or None."""
        if self.error is not None:
            return self.error.message
        if self.loop:
            return f"{self.start} redirects in a loop"
        if self.too_many:
            return f"{self.start} redirects more than {MAX_HOPS} times"
        return None

    @property
    def measured_failure(self) -> bool:
        """True when the failure is a fact about the site (TLS broken, refused), not a failure to measure."""
        if self.loop or self.too_many:
            return True
        return self.error is not None and self.error.kind in ("tls", "connect")


def _normal(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"


async def _walk(
    http: HttpClient, url: str, method: str, headers: dict[str, str] | None, content: str | None
) -> PageWalk:
    walk = PageWalk(start=url)
    seen: set[str] = set()
    current, verb, body = url, method, content
    for _ in range(MAX_HOPS + 1):
        key = _normal(current)
        if key in seen:
            walk.loop = True
            return walk
        seen.add(key)
        try:
            response = await http.fetch(current, method=verb, headers=headers, content=body,
                                        body_cap=PAGE_BODY_CAP)
        except FetchError as exc:
            walk.error = exc
            return walk
        location = response.headers.get("location") if response.is_redirect else None
        walk.hops.append(PageHop(current, response.status, response.headers, location,
                                 response.remote_addr, response.http_version))
        if location is None:
            walk.final = response
            return walk
        current = urljoin(current, location)
        if response.status in (301, 302, 303):  # browsers turn these into a GET without a body
            verb, body = "GET", None
    walk.too_many = True
    return walk


async def walk_page(
    ctx: CheckContext,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    content: str | None = None,
) -> PageWalk:
    """Follow ``url`` hop by hop (headers kept); the same (url, method, headers, body) is fetched once per audit."""
    key = ("walk", _normal(url), method.upper(), tuple(sorted((headers or {}).items())), content)
    return await memo(ctx, key, lambda: _walk(ctx.http, url, method.upper(), headers, content))


def all_headers(walk: PageWalk, name: str) -> list[tuple[PageHop, str]]:
    """Every value of header ``name`` on every hop, with the hop it came from."""
    return [(hop, value) for hop in walk.hops for value in hop.headers.get_list(name)]
