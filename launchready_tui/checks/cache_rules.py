"""HTTP caching facts read from response headers (RFC 9111, RFC 9211, each CDN's cache-status header).

Pure functions used by the stage 3 edge checks. Sources (design checks-web.md §8): RFC 9111 §5.2
(Cache-Control directives, ``Age``), RFC 9211 (``Cache-Status: <cache>; hit | fwd=miss``),
Cloudflare ``CF-Cache-Status`` (HIT, MISS, EXPIRED, STALE, BYPASS, REVALIDATED, UPDATING, DYNAMIC),
Vercel ``x-vercel-cache`` (HIT, MISS, STALE, PRERENDER, REVALIDATED), CloudFront / Fastly / Azure
``X-Cache`` ("Hit from cloudfront", "HIT", "TCP_HIT").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_CF_HIT = {"hit", "stale", "updating", "revalidated"}
_VERCEL_HIT = {"hit", "stale"}
_MISS_WORDS = {"miss", "expired"}
# A fingerprinted file name: a hex or base64url hash of 8+ characters (with a digit) as its own
# dot/dash-separated part (app.3f9a1c2e.js, main-BkX8s2Qd.css, chunk.a1b2c3d4e5.woff2).
_HASHED = re.compile(r"[.\-_~]((?=[0-9a-f]*\d)[0-9a-f]{8,}|(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Z])[A-Za-z0-9_]{8,})"
                     r"(?=[.\-_~])")


@dataclass(frozen=True, slots=True)
class CacheControl:
    directives: dict[str, str | None]

    @classmethod
    def parse(cls, value: str | None) -> CacheControl:
        out: dict[str, str | None] = {}
        for part in (value or "").split(","):
            name, sep, arg = part.strip().partition("=")
            if name:
                out[name.strip().lower()] = arg.strip().strip('"') if sep else None
        return cls(out)

    def __contains__(self, name: str) -> bool:
        return name in self.directives

    def seconds(self, name: str) -> int | None:
        raw = self.directives.get(name)
        if raw is None:
            return None
        try:
            return max(int(raw), 0)
        except ValueError:
            return None

    @property
    def present(self) -> bool:
        return bool(self.directives)

    @property
    def personal(self) -> bool:
        """Never stored by a shared cache (``private``/``no-store``) or always revalidated (``no-cache``)."""
        return "private" in self or "no-store" in self or "no-cache" in self

    @property
    def shared_ttl(self) -> int | None:
        """How long a shared cache may keep it: s-maxage wins over max-age (RFC 9111 §5.2.2.10)."""
        s = self.seconds("s-maxage")
        return s if s is not None else self.seconds("max-age")

    @property
    def shared_cacheable(self) -> bool:
        """A shared cache may store and reuse it without asking the origin."""
        if self.personal:
            return False
        ttl = self.shared_ttl
        return "public" in self and ttl is None or (ttl or 0) > 0


def header(headers: Mapping[str, str], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return ""


def age(headers: Mapping[str, str]) -> int:
    try:
        return int(header(headers, "age").strip() or 0)
    except ValueError:
        return 0


def edge_hit(headers: Mapping[str, str]) -> str | None:
    """The header that shows this response came out of a shared cache, as 'name: value'."""
    cf = header(headers, "cf-cache-status")
    if cf.lower() in _CF_HIT:
        return f"cf-cache-status: {cf}"
    vercel = header(headers, "x-vercel-cache")
    if vercel.lower() in _VERCEL_HIT:
        return f"x-vercel-cache: {vercel}"
    xcache = header(headers, "x-cache")
    if "hit" in xcache.lower():
        return f"x-cache: {xcache}"
    status = header(headers, "cache-status")
    if any(";" in entry and "hit" in [p.strip().split("=")[0].lower() for p in entry.split(";")[1:]]
           for entry in status.split(",")):
        return f"cache-status: {status}"
    if age(headers) > 0:
        return f"age: {age(headers)}"
    return None


def edge_miss(headers: Mapping[str, str]) -> str | None:
    """The header that shows the edge forwarded this to the origin (a miss), as 'name: value'."""
    for name in ("cf-cache-status", "x-vercel-cache"):
        value = header(headers, name)
        if value.lower() in _MISS_WORDS:
            return f"{name}: {value}"
    xcache = header(headers, "x-cache")
    if "miss" in xcache.lower():
        return f"x-cache: {xcache}"
    status = header(headers, "cache-status")
    if "fwd=miss" in status.lower().replace(" ", ""):
        return f"cache-status: {status}"
    return None


def varies_on_identity(headers: Mapping[str, str]) -> bool:
    """``Vary`` names Cookie or Authorization (or ``*``): a shared cache keeps one copy per user."""
    vary = {v.strip().lower() for v in header(headers, "vary").split(",")}
    return bool(vary & {"cookie", "authorization", "*"})


def fingerprinted(url_path: str) -> bool:
    """The file name carries a content hash, so its content never changes under that name."""
    name = url_path.rsplit("/", 1)[-1]
    return bool(_HASHED.search(name)) or "/_next/static/" in url_path or "/_app/immutable/" in url_path


def human_seconds(seconds: int) -> str:
    for unit, size in (("year", 31_536_000), ("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} s"
