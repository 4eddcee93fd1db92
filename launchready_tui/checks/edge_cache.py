"""Stage 3 edge delivery: static caching, compression, no caching of API and signed-in pages, HTTP/2.

Passive only: GET requests a browser would send, no cookies, no crafted headers. Every request goes
through ``web_requests`` (memoised per run), so the home page is fetched once for all stage 1-3 checks and
the number of requests per host stays bounded (assets ≤ 20, API and page candidates ≤ 4 per host).
Rules: design checks-web.md §2 (stage 3 table) and §8 (RFC 9111, Vary, Age, each CDN's header).
"""

from __future__ import annotations

import asyncio
import gzip
from typing import Any
from urllib.parse import urlsplit

from launchready_tui.checks import web_requests as wr
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.cache_rules import (
    CacheControl,
    edge_hit,
    edge_miss,
    fingerprinted,
    header,
    human_seconds,
    varies_on_identity,
)
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.html_refs import parse_page
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.tally import Tally
from launchready_tui.checks.targets import classify_hosts, entry_hosts, host_of, in_domain
from launchready_tui.core.model import Outcome, Status
from launchready_tui.net.http import FetchError, RedirectWalk, Response
from launchready_tui.net.tls import TlsError

MAX_ASSETS = 20
MAX_MISS_RECHECKS = 3
LONG_TTL = 2_592_000  # 30 days: DevTools' cache insight threshold
IMMUTABLE_TTL = 31_536_000  # 1 year, for fingerprinted files (p)
COMPRESS_MIN_SAVING = 1400  # bytes: about one TCP segment (DevTools DocumentLatency)
ACCEPT_ENCODING = {"Accept-Encoding": "br, gzip, zstd"}
ENCODINGS = {"br", "gzip", "zstd", "deflate", "compress"}
ASSET_TAGS = {"script", "link", "img", "source"}
API_PATHS = ("/api/me", "/api/user", "/api/session", "/api/auth/session")  # read-only "who am I" routes
PERSONAL_PATHS = ("/account", "/dashboard", "/settings", "/login")
_PERSONAL_WORDS = ("/account", "/dashboard", "/settings", "/profile", "/billing", "/me", "/user", "/admin")


async def home_page(ctx: CheckContext) -> RedirectWalk:
    return await wr.walk(ctx, f"https://{ctx.project.domain}/")


def _hit_or_fail(result: Response | FetchError) -> Response | None:
    return result if isinstance(result, Response) else None


# -- edge.static_cache -----------------------------------------------------------------------------


async def discover_assets(ctx: CheckContext, walk: RedirectWalk) -> list[str]:
    final = walk.final
    if final is None or "html" not in header(final.headers, "content-type").lower():
        return []
    page = parse_page(final.text, final.url)
    urls = [r.url for r in page.subresources()
            if r.tag in ASSET_TAGS and urlsplit(r.url).scheme == "https" and in_domain(r.url, ctx.project.domain)]
    return list(dict.fromkeys(urls))[:MAX_ASSETS]


def judge_asset(path: str, headers: Any) -> tuple[Status, str]:
    cc = CacheControl.parse(header(headers, "cache-control"))
    hashed = fingerprinted(path)
    ttl = cc.shared_ttl if cc.shared_ttl is not None else cc.seconds("max-age")
    name = path.rsplit("/", 1)[-1] or path
    if "no-store" in cc:
        if hashed:
            return Status.FAIL, f"{name} is a fingerprinted file but says no-store: every visit downloads it again"
        return Status.WARN, f"{name} says no-store: every visit downloads it again"
    if "no-cache" in cc or ttl is None:
        if not cc.present and header(headers, "expires"):
            return Status.PASS, f"{name}: cached by Expires only"
        what = "no-cache (asks the server every time)" if "no-cache" in cc else "no cache lifetime"
        return Status.WARN, f"{name} has {what}: browsers revalidate or guess"
    if ttl < LONG_TTL:
        return Status.WARN, f"{name} is cached for only {human_seconds(ttl)} (30 days or more recommended)"
    if hashed and (ttl < IMMUTABLE_TTL or "immutable" not in cc):
        return Status.PASS, f"{name}: cached {human_seconds(ttl)}; as a fingerprinted file it could be " \
                            "'max-age=31536000, immutable'"
    return Status.PASS, f"{name}: cached {human_seconds(ttl)}{', immutable' if 'immutable' in cc else ''}"


async def edge_static_cache(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    walk = await home_page(ctx)
    if walk.final is None:
        return Outcome(Status.ERROR, f"could not load the home page: {walk.describe_end()}", {}, target=target)
    home = walk.final
    assets = await discover_assets(ctx, walk)
    home_cc = header(home.headers, "cache-control") or "(none)"
    evidence: dict[str, Any] = {"home_page": {"url": walk.final.url, "cache_control": home_cc}, "assets": []}
    if not assets:
        return Outcome(Status.SKIPPED, "the home page loads no JavaScript, CSS or images from your own domain",
                       evidence, target=target)
    ctx.say("edge.static_cache", f"checking caching headers of {len(assets)} files")
    responses = await asyncio.gather(*(wr.get(ctx, u, body_cap=256 * 1024) for u in assets))
    tally = Tally()
    rechecks = 0
    for url, res in zip(assets, responses, strict=True):
        row: dict[str, Any] = {"url": url}
        evidence["assets"].append(row)
        if isinstance(res, FetchError):
            row["error"] = res.message
            if res.kind not in ("tls", "connect", "protocol"):
                tally.add(Status.ERROR, f"{url}: {res.message}")
            continue
        row.update(status=res.status, cache_control=header(res.headers, "cache-control") or None,
                   edge=edge_hit(res.headers) or edge_miss(res.headers), fingerprinted=fingerprinted(url))
        if res.status != 200:
            row["note"] = f"HTTP {res.status}: not judged"
            continue
        status, message = judge_asset(urlsplit(url).path, res.headers)
        if status is Status.PASS and edge_miss(res.headers) and rechecks < MAX_MISS_RECHECKS:
            rechecks += 1
            again = await wr.get_fresh(ctx, url, body_cap=64 * 1024)
            if isinstance(again, Response) and edge_miss(again.headers):
                status, message = Status.WARN, f"{url.rsplit('/', 1)[-1]}: the edge missed twice in a row " \
                                               f"({edge_miss(again.headers)}), so it does not keep the file"
        row["verdict"], row["reason"] = status.value, message
        tally.add(status, message)
    evidence["notes"] = [f"home page HTML: Cache-Control {home_cc}"]
    status = tally.status
    fix = fix_for("edge.static_cache", await fix_provider(ctx, "web", home.headers), domain=target) \
        if status in (Status.FAIL, Status.WARN) else None
    judged = sum(1 for r in evidence["assets"] if "verdict" in r)
    return Outcome(status, tally.summary(f"all {judged} static files are cached for 30 days or more"), evidence,
                   fix=fix, target=target)


# -- edge.compression ------------------------------------------------------------------------------


def _kind(content_type: str) -> str | None:
    ct = content_type.lower()
    if "html" in ct:
        return "HTML"
    if "javascript" in ct or "ecmascript" in ct:
        return "JavaScript"
    if "css" in ct:
        return "CSS"
    if "json" in ct:
        return "JSON"
    if ct.startswith("text/") or "svg" in ct or "xml" in ct:
        return "text"
    return None


def _saving(body: bytes) -> int:
    return len(body) - len(gzip.compress(body, compresslevel=6))


async def _compression_targets(ctx: CheckContext, walk: RedirectWalk) -> list[str]:
    urls: list[str] = []
    if walk.final is not None:
        urls.append(walk.final.url)
    assets = await discover_assets(ctx, walk)
    for suffix in (".js", ".css"):
        found = next((u for u in assets if urlsplit(u).path.endswith(suffix)), None)
        if found:
            urls.append(found)
    json_urls = [u for u, r in await _api_candidates(ctx) if isinstance(r, Response) and r.status == 200
                 and "json" in header(r.headers, "content-type").lower()]
    if not json_urls and ctx.project.health_url:
        json_urls = [ctx.project.health_url]
    return urls + json_urls[:1]


async def edge_compression(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    walk = await home_page(ctx)
    if walk.final is None:
        return Outcome(Status.ERROR, f"could not load the home page: {walk.describe_end()}", {}, target=target)
    urls = await _compression_targets(ctx, walk)
    responses = await asyncio.gather(*(wr.get(ctx, u, headers=ACCEPT_ENCODING, decode=False) for u in urls))
    tally = Tally()
    rows: list[dict[str, Any]] = []
    for url, res in zip(urls, responses, strict=True):
        if isinstance(res, FetchError):
            rows.append({"url": url, "error": res.message})
            tally.add(Status.ERROR, f"{url}: {res.message}")
            continue
        ctype = header(res.headers, "content-type")
        kind = _kind(ctype)
        encoding = header(res.headers, "content-encoding").lower().strip()
        row: dict[str, Any] = {"url": url, "status": res.status, "content_type": ctype, "encoding": encoding or None,
                               "bytes": len(res.body)}
        rows.append(row)
        if kind is None or res.status != 200:
            row["note"] = "not text or not 200: not judged"
            continue
        if encoding in ENCODINGS:
            tally.add(Status.PASS, f"{kind} at {url} is sent {encoding}-compressed")
            continue
        saving = await asyncio.to_thread(_saving, res.body)
        row["gzip_would_save"] = saving
        if saving < COMPRESS_MIN_SAVING:
            tally.add(Status.PASS, f"{kind} at {url} is small enough uncompressed ({len(res.body)} bytes)")
            continue
        status = Status.WARN if kind in ("JSON", "text") else Status.FAIL
        more = "+" if res.truncated else ""
        tally.add(status, f"{kind} at {url} is sent uncompressed: gzip would save {saving / 1024:.1f}{more} KiB "
                  f"of {len(res.body) / 1024:.1f}{more} KiB")
    status = tally.status
    evidence = {"responses": rows, "asked_with": ACCEPT_ENCODING["Accept-Encoding"],
                "note": "compression is recommended; BREACH concerns apply only to pages that reflect secrets"}
    fix = fix_for("edge.compression", await fix_provider(ctx, "web", walk.final.headers), domain=target) \
        if status in (Status.FAIL, Status.WARN) else None
    return Outcome(status, tally.summary(f"text responses are compressed ({len(rows)} checked)"), evidence,
                   fix=fix, target=target)


# -- edge.api_not_cached ---------------------------------------------------------------------------


async def _api_candidates(ctx: CheckContext, unresolved: dict[str, str] | None = None,
                          ) -> list[tuple[str, Response | FetchError]]:
    """GET API routes to judge; ``unresolved`` (if given) receives the hosts DNS did not answer for."""
    project = ctx.project
    hosts = [project.domain]
    if (api := host_of(project.api_url)) and api not in hosts:
        hosts.append(api)
    found = await classify_hosts(ctx, hosts)
    if unresolved is not None:
        unresolved.update(found.unresolved)
    urls = [f"https://{h}{p}" for h in found.live for p in API_PATHS]
    urls += [e.url for e in project.endpoints if e.method.upper() == "GET" and not e.ai and e.url not in urls]
    responses = await asyncio.gather(*(wr.get(ctx, u) for u in urls))
    return list(zip(urls, responses, strict=True))


def judge_api(headers: Any, provider: str | None) -> tuple[Status, str]:
    cc = CacheControl.parse(header(headers, "cache-control"))
    hit = edge_hit(headers)
    if hit:
        return Status.FAIL, f"was served from a shared cache ({hit}): one user's data can reach another"
    if "set-cookie" in {k.lower() for k in headers} and cc.shared_cacheable:
        return Status.FAIL, "is cacheable by shared caches and sets a cookie: a cache can hand one user's " \
                            "cookie to others"
    if cc.shared_cacheable:
        ttl = cc.shared_ttl
        lifetime = f" for {human_seconds(ttl)}" if ttl else ""
        if not varies_on_identity(headers):
            return Status.FAIL, f"may be stored by shared caches{lifetime} (Cache-Control: " \
                                f"{header(headers, 'cache-control')}) without Vary: Cookie/Authorization"
        why = " (Vercel no longer caches Vary: Cookie responses)" if provider == "vercel" else ""
        return Status.WARN, f"is marked public{lifetime} and only Vary keeps users apart{why}: say private, no-store"
    if cc.personal:
        return Status.PASS, f"Cache-Control: {header(headers, 'cache-control')}"
    if not cc.present:
        return Status.WARN, "has no Cache-Control: a CDN 'cache everything' rule would cache it for up to 2 hours"
    return Status.WARN, f"Cache-Control: {header(headers, 'cache-control')} does not forbid shared caching; " \
                        "say private, no-store"


def _api_like(url: str, res: Response) -> bool:
    path = urlsplit(url).path.lower()
    ctype = header(res.headers, "content-type").lower()
    return "json" in ctype or path.startswith(("/api/", "/graphql", "/trpc", "/_next/data", "/v1/", "/auth"))


async def edge_api_not_cached(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    ctx.say("edge.api_not_cached", "asking read-only API routes how they may be cached")
    unresolved: dict[str, str] = {}
    candidates = await _api_candidates(ctx, unresolved)
    tally = Tally()
    rows: list[dict[str, Any]] = []
    provider = None
    for url, res in candidates:
        if isinstance(res, FetchError):
            if res.kind not in ("tls", "connect", "protocol", "dns"):
                tally.add(Status.ERROR, f"{url}: {res.message}")
            continue
        provider = provider or await fix_provider(ctx, "web", res.headers)
        row: dict[str, Any] = {"url": url, "status": res.status,
                               "cache_control": header(res.headers, "cache-control") or None,
                               "vary": header(res.headers, "vary") or None, "age": header(res.headers, "age") or None,
                               "edge": edge_hit(res.headers) or edge_miss(res.headers)}
        if res.status in (401, 403):
            row["note"] = "asks for sign-in (not judged: no data in the answer)"
            rows.append(row)
            continue
        if not (200 <= res.status < 300) or not _api_like(url, res):
            continue
        status, reason = judge_api(res.headers, provider)
        row["verdict"], row["reason"] = status.value, reason
        rows.append(row)
        tally.add(status, f"{url} {reason}")
    evidence = {"responses": rows, "tried": [u for u, _ in candidates],
                "note": "passive: no cookies or tokens were sent; an active cache-key probe is opt-in"}
    judged = [r for r in rows if "verdict" in r]
    if not judged and tally.status is Status.PASS:
        if target in unresolved and not rows:  # DNS that does not answer is not "no API route": nothing was asked
            return Outcome(Status.ERROR, f"could not check: {unresolved[target]}", evidence, target=target)
        return Outcome(Status.SKIPPED, "no API route answered with data (list your GET API endpoints in the "
                       "project file to have them checked)", evidence, target=target)
    status = tally.status
    fix = fix_for("edge.api_not_cached", provider, domain=target) if status in (Status.FAIL, Status.WARN) else None
    return Outcome(status, tally.summary(f"{len(judged)} API route{'s' if len(judged) != 1 else ''} forbid shared "
                                         "caching"), evidence, blocker=status is Status.FAIL, fix=fix,
                   target=target)


# -- edge.auth_pages_not_cached --------------------------------------------------------------------


def judge_page_cache(url: str, headers: Any) -> tuple[Status, str]:
    cc = CacheControl.parse(header(headers, "cache-control"))
    hit = edge_hit(headers)
    raw = header(headers, "cache-control")
    sets_cookie = "set-cookie" in {k.lower() for k in headers}
    if hit:
        return Status.FAIL, f"was served from a shared cache ({hit}): visitors can see someone else's page"
    if cc.shared_cacheable:
        extra = " and sets a cookie" if sets_cookie else ""
        return Status.FAIL, f"may be stored by shared caches for {human_seconds(cc.shared_ttl or 0)} " \
                            f"(Cache-Control: {raw}){extra}"
    if cc.personal:
        return Status.PASS, f"Cache-Control: {raw}"
    if "public" in cc:
        return Status.WARN, f"is marked public (Cache-Control: {raw}); revalidated today, but one setting away " \
                            "from being shared: say private, no-store"
    if not cc.present:
        return Status.WARN, "has no Cache-Control: a CDN 'cache everything' rule would cache it"
    return Status.WARN, f"Cache-Control: {raw} does not say private or no-store"


async def edge_auth_pages_not_cached(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    project = ctx.project
    hosts = [project.domain]
    if (app := host_of(project.app_url)) and app not in hosts:
        hosts.insert(0, app)
    found = await classify_hosts(ctx, hosts)
    urls = [f"https://{h}{p}" for h in found.live for p in PERSONAL_PATHS]
    if project.app_url and host_of(project.app_url) in found.live:
        urls.insert(0, project.app_url)
    urls = list(dict.fromkeys(urls))
    ctx.say("edge.auth_pages_not_cached", f"checking {len(urls)} sign-in and account pages")
    responses = await asyncio.gather(*(wr.get(ctx, u) for u in urls))
    tally = Tally()
    rows: list[dict[str, Any]] = []
    provider = None
    for url, res in zip(urls, responses, strict=True):
        if isinstance(res, FetchError):
            if res.kind not in ("tls", "connect", "protocol", "dns"):
                tally.add(Status.ERROR, f"{url}: {res.message}")
            continue
        provider = provider or await fix_provider(ctx, "web", res.headers)
        html = "html" in header(res.headers, "content-type").lower()
        if not (200 <= res.status < 300) or not html:
            continue
        path = urlsplit(url).path.lower() or "/"
        personal = path.startswith(_PERSONAL_WORDS) or path == "/login" or \
            "set-cookie" in {k.lower() for k in res.headers} or varies_on_identity(res.headers)
        row: dict[str, Any] = {"url": url, "status": res.status,
                               "cache_control": header(res.headers, "cache-control") or None,
                               "age": header(res.headers, "age") or None, "edge": edge_hit(res.headers)}
        rows.append(row)
        if not personal:
            row["note"] = "does not look personalised (no cookie, no account path): not judged"
            continue
        status, reason = judge_page_cache(url, res.headers)
        row["verdict"], row["reason"] = status.value, reason
        tally.add(status, f"{url} {reason}")
    judged = [r for r in rows if "verdict" in r]
    evidence = {"pages": rows, "tried": urls}
    if not judged and tally.status is Status.PASS:
        return Outcome(Status.SKIPPED, "no sign-in or account page found (set app_url in the project file)",
                       evidence, target=target)
    status = tally.status
    fix = fix_for("edge.auth_pages_not_cached", provider, domain=target) \
        if status in (Status.FAIL, Status.WARN) else None
    return Outcome(status, tally.summary(f"{len(judged)} signed-in and sign-in page"
                                         f"{'s' if len(judged) != 1 else ''} forbid shared caching"),
                   evidence, blocker=status is Status.FAIL, fix=fix, target=target)


# -- edge.http2 ------------------------------------------------------------------------------------


async def edge_http2(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    hosts = entry_hosts(ctx.project)
    if (api := host_of(ctx.project.api_url)) and api not in hosts:
        hosts.append(api)
    found = await classify_hosts(ctx, hosts)
    probes = await asyncio.gather(*(wr.tls_probe(ctx, h) for h in found.live))
    walk = await home_page(ctx)
    tally = Tally()
    rows: list[dict[str, Any]] = []
    for host, probe in zip(found.live, probes, strict=True):
        if isinstance(probe, TlsError):
            if probe.kind not in ("tls", "connect"):
                tally.add(Status.ERROR, f"{host}: {probe.message}")
            rows.append({"host": host, "error": probe.message})
            continue
        rows.append({"host": host, "alpn": probe.alpn or "none"})
        if probe.alpn == "h2":
            tally.add(Status.PASS, f"{host}: h2")
        else:
            tally.add(Status.WARN, f"{host} speaks HTTP/1.1 only")
    for host, reason in found.unresolved.items():
        tally.add(Status.ERROR, f"{host}: {reason}")
    evidence: dict[str, Any] = {"hosts": rows}
    if walk.final is not None:
        alt_svc = header(walk.final.headers, "alt-svc")
        evidence["home_page"] = {"url": walk.final.url, "http_version": walk.final.http_version,
                                 "alt_svc": alt_svc or None}
        if "h3" in alt_svc:
            tally.add(Status.PASS, "HTTP/3 advertised (alt-svc)")
    measured = [r for r in rows if "alpn" in r]
    if not measured and tally.status is Status.PASS:
        return Outcome(Status.ERROR, "no host completed a TLS handshake (see http.https_works)", evidence,
                       target=target)
    status = tally.status
    h3 = " (HTTP/3 advertised)" if "h3" in str(evidence.get("home_page", {}).get("alt_svc")) else ""
    fix = fix_for("edge.http2", await fix_provider(ctx, "web", walk.final.headers if walk.final else None),
                  domain=target) if status is Status.WARN else None
    return Outcome(status, tally.summary(f"HTTP/2 on {', '.join(r['host'] for r in measured)}{h3}"), evidence,
                   fix=fix, target=target)
