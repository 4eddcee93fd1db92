"""The web checks' requests, memoised per run: redirect walks, single GETs, TLS probes.

Every stage 1-3 check that reads a page, follows redirects or looks at a certificate asks here, so
each URL is requested once per run however many checks judge it (``ctx.shared``, see
``run_memo``). Walks are ``HttpClient.walk`` (the one redirect walk) with each hop fetched through
the same memo as ``get``: walks that meet (``http://www`` → ``https://apex`` and ``https://apex``
itself) share their hops, and a check's ``get`` of a page another check walked to is free.
"""

from __future__ import annotations

from launchready_tui.checks.base import CheckContext
from launchready_tui.net.http import (
    HOP_BODY_CAP,
    WALK_MAX_HOPS,
    FetchError,
    RedirectWalk,
    Response,
    normalise_url,
)
from launchready_tui.net.tls import TlsError, TlsInfo, probe_tls

PAGE_CAP = 2 * 1024 * 1024  # HTML we parse; a bigger page is judged on its first 2 MiB


def _headers_key(headers: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k.lower(), v) for k, v in (headers or {}).items()))


async def _fetch(
    ctx: CheckContext, url: str, *, method: str = "GET", headers: dict[str, str] | None = None,
    content: bytes | str | None = None, verify: bool = True, body_cap: int | None = PAGE_CAP,
    redirect_body_cap: int | None = HOP_BODY_CAP, decode: bool = True,
) -> Response | FetchError:
    """One memoised request. A failure is kept too (returned, not raised): a URL that timed out for one
    check is not asked again by the next one in the same run."""
    async def fetch() -> Response | FetchError:
        try:
            return await ctx.http.fetch(url, method=method, headers=headers, content=content, verify=verify,
                                        body_cap=body_cap, redirect_body_cap=redirect_body_cap, decode=decode)
        except FetchError as exc:
            return exc

    key = ("fetch", normalise_url(url), method.upper(), _headers_key(headers), content, verify, body_cap,
           redirect_body_cap, decode)
    return await ctx.shared.once(key, fetch)


async def walk(
    ctx: CheckContext, url: str, *, method: str = "GET", headers: dict[str, str] | None = None,
    content: str | None = None, max_hops: int = WALK_MAX_HOPS,
) -> RedirectWalk:
    """Follow redirects from ``url`` hop by hop (memoised per run; see ``HttpClient.walk``).

    The final page is read up to ``PAGE_CAP``; the walk stops between hops when the run is cancelled.
    """
    async def hop(url: str, *, method: str, headers: dict[str, str] | None, content: bytes | str | None,
                  verify: bool, body_cap: int | None, redirect_body_cap: int | None) -> Response:
        result = await _fetch(ctx, url, method=method, headers=headers, content=content, verify=verify,
                              body_cap=body_cap, redirect_body_cap=redirect_body_cap)
        if isinstance(result, FetchError):
            raise result
        return result

    key = ("walk", normalise_url(url), method.upper(), _headers_key(headers), content, max_hops)
    return await ctx.shared.once(key, lambda: ctx.http.walk(
        url, max_hops, method=method, headers=headers, content=content, body_cap=PAGE_CAP,
        cancel=ctx.cancel_event, fetch=hop))


async def get(
    ctx: CheckContext, url: str, headers: dict[str, str] | None = None, body_cap: int = PAGE_CAP,
    decode: bool = True,
) -> Response | FetchError:
    """One GET without following redirects (memoised per run); a failure comes back as FetchError."""
    return await _fetch(ctx, url, headers=headers, body_cap=body_cap, decode=decode)


async def get_fresh(
    ctx: CheckContext, url: str, headers: dict[str, str] | None = None, body_cap: int = PAGE_CAP,
) -> Response | FetchError:
    """One GET that is never memoised (a second look, e.g. whether an edge MISS turns into a HIT)."""
    try:
        return await ctx.http.fetch(url, headers=headers, body_cap=body_cap)
    except FetchError as exc:
        return exc


async def tls_probe(ctx: CheckContext, host: str, port: int = 443) -> TlsInfo | TlsError:
    """The certificate and connection facts of host:port (memoised per run)."""
    async def probe() -> TlsInfo | TlsError:
        try:
            return await probe_tls(host, port, resolver=ctx.resolver, overrides=ctx.http.overrides,
                                   ca_file=ctx.http.ca_file)
        except TlsError as exc:
            return exc

    return await ctx.shared.once(("tls", host.lower().rstrip("."), port), probe)
