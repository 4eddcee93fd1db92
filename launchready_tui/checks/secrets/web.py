"""What a visitor's browser downloads: the JavaScript of the live site and its source maps.

Discovery (secrets.md §4): ``<script src>``, ``<link rel=modulepreload|preload as=script>``, inline
scripts (including Next.js ``__NEXT_DATA__``), then one level of chunk imports found inside the bundles
(Vite ``import("./x.js")`` / ``from "./x.js"``, Next ``/_next/static/…`` paths). Only the site's own
scripts are scanned (same registrable domain); third-party scripts (Stripe.js, analytics) are counted,
not fetched. Source maps come from ``//# sourceMappingURL=``, the ``SourceMap`` header, and a
``<script>.map`` probe; a map that answers 200 with JSON is public, and every ``sourcesContent`` entry is
scanned as source code. Cheap probes for ``/.env`` files and ``/.git/config`` served from the web root
go with the bundle check. Every request goes through ``ctx.http`` (overrides, CA, caps), with caps on
the number of scripts and bytes per site.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from launchready_tui.checks.secrets.rules import RuleSet
from launchready_tui.checks.secrets.scan import text_findings
from launchready_tui.core.project import registrable_domain

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext
    from launchready_tui.checks.secrets.findings import Finding

MAX_SCRIPTS = 40
MAX_SITE_BYTES = 40 * 1024 * 1024
SCRIPT_CAP = 10 * 1024 * 1024
MAP_CAP = 20 * 1024 * 1024
ENV_PROBES = ("/.env", "/.env.production", "/.env.local", "/.git/config")
_IMPORTS = re.compile(r"""(?:import\(\s*|\bfrom\s*|import\s*)["'`]((?:\.{1,2}/|/)[^"'`\s]{1,300}?\.m?js)["'`]""")
_NEXT_CHUNK = re.compile(r"""["'`](/?_next/static/[^"'`\s]{1,300}?\.js)["'`]""")
_MAP_URL = re.compile(r"//[#@]\s*sourceMappingURL=(\S+)\s*$")
_ENV_LINE = re.compile(r"(?m)^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=")


class _ScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.srcs: list[str] = []
        self.inline: list[tuple[str, str]] = []  # (label, code)
        self._in_script: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "script":
            if a.get("src"):
                self.srcs.append(a["src"])
            else:
                kind = a.get("type", "").lower()
                if kind in ("", "module", "text/javascript", "application/javascript", "application/json"):
                    self._in_script = a.get("id") or "inline script"
                    self._buf = []
        elif tag == "link":
            rel = a.get("rel", "").lower().split()
            if ("modulepreload" in rel or ("preload" in rel and a.get("as") == "script")) and a.get("href"):
                self.srcs.append(a["href"])

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_script is not None:
            code = "".join(self._buf)
            if code.strip():
                self.inline.append((self._in_script, code))
            self._in_script = None


@dataclass(slots=True)
class Script:
    url: str
    body: str
    map_ref: str | None = None  # sourceMappingURL or SourceMap header, resolved


@dataclass(slots=True)
class SourceMap:
    url: str
    sources: list[tuple[str, str]]  # (source path, content)
    declared: bool  # referenced by the script (else found by probing <script>.map)


@dataclass(slots=True)
class Crawl:
    pages: list[str] = field(default_factory=list)
    scripts: list[Script] = field(default_factory=list)
    inline: list[tuple[str, str, str]] = field(default_factory=list)  # (page url, label, code)
    third_party: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # the page itself could not be loaded
    capped: bool = False
    bytes: int = 0


def same_site(url: str, domain: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return bool(host) and registrable_domain(host) == registrable_domain(domain)


async def _get(ctx: CheckContext, url: str, cap: int) -> Any:
    """GET with up to 3 redirects followed (net.http's walk); returns the last Response (raises FetchError)."""
    walk = await ctx.http.walk(url, 3, body_cap=cap)
    if walk.error is not None:
        raise walk.error
    return walk.final or walk.hops[-1].response  # a loop or a long chain: its last redirect, judged by status


async def crawl(ctx: CheckContext, pages: list[str], *, follow_imports: bool = True) -> Crawl:
    from launchready_tui.checks.web_requests import walk as shared_walk
    from launchready_tui.net.http import FetchError

    out = Crawl()
    domain = ctx.project.domain
    queue: list[str] = []
    for page in pages:
        try:
            walk = await shared_walk(ctx, page)  # the run's walk: the web checks read the same page
        except FetchError as exc:  # pragma: no cover - walk reports errors in its result
            out.page_errors.append(f"{page}: {exc.message}")
            continue
        if walk.error is not None or walk.final is None:
            reason = walk.error.message if walk.error is not None else "redirect loop"
            out.page_errors.append(f"{page}: {reason}")
            continue
        if walk.final.status >= 400:
            out.page_errors.append(f"{page} answered HTTP {walk.final.status}")
            continue
        final_url = walk.final.url
        out.pages.append(final_url)
        finder = _ScriptFinder()
        try:
            finder.feed(walk.final.text)
        except Exception as exc:  # html.parser is lenient; a failure here is a bug in the page, not ours
            out.errors.append(f"{final_url}: HTML could not be parsed ({exc})")
        out.inline += [(final_url, label, code) for label, code in finder.inline]
        for src in finder.srcs:
            queue.append(urljoin(final_url, src))
    seen: set[str] = set()
    ctx_say = getattr(ctx, "say", None)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if not same_site(url, domain):
            out.third_party.append(url)
            continue
        if len(out.scripts) >= MAX_SCRIPTS or out.bytes >= MAX_SITE_BYTES:
            out.capped = True
            break
        if ctx.cancel_event.is_set():
            break
        if ctx_say:
            ctx_say("secrets.bundle", f"script {len(out.scripts) + 1}: {url}")
        try:
            resp = await _get(ctx, url, SCRIPT_CAP)
        except FetchError as exc:
            out.errors.append(f"{url}: {exc.message}")
            continue
        if resp.status != 200:
            out.errors.append(f"{url} answered HTTP {resp.status}")
            continue
        body = resp.text
        out.bytes += len(resp.body)
        ref = _map_reference(body, resp.headers)
        out.scripts.append(Script(resp.url, body, urljoin(resp.url, ref) if ref and not ref.startswith("data:")
                                  else ref))
        if follow_imports:
            for m in _IMPORTS.finditer(body):
                queue.append(urljoin(resp.url, m.group(1)))
            for m in _NEXT_CHUNK.finditer(body):
                queue.append(urljoin(resp.url, "/" + m.group(1).lstrip("/")))
    return out


def _map_reference(body: str, headers: Any) -> str | None:
    header = headers.get("sourcemap") or headers.get("x-sourcemap")
    if header:
        return str(header).strip()
    tail = body[-4096:]
    found = None
    for line in tail.splitlines():
        m = _MAP_URL.search(line.strip())
        if m:
            found = m.group(1)
    return found


def parse_map(text: str) -> list[tuple[str, str]] | None:
    """(source path, content) pairs of a source map, or None when the text is not a source map."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or "mappings" not in data:
        return None
    sections = data.get("sections")
    maps = [s.get("map", {}) for s in sections if isinstance(s, dict)] if isinstance(sections, list) else [data]
    out: list[tuple[str, str]] = []
    for m in maps:
        if not isinstance(m, dict):
            continue
        sources = m.get("sources") or []
        contents = m.get("sourcesContent") or []
        for i, content in enumerate(contents):
            if isinstance(content, str) and content:
                name = sources[i] if i < len(sources) and isinstance(sources[i], str) else f"source #{i + 1}"
                out.append((name, content))
    return out


async def fetch_maps(ctx: CheckContext, scripts: list[Script]) -> tuple[list[SourceMap], list[str]]:
    from launchready_tui.net.http import FetchError

    maps: list[SourceMap] = []
    errors: list[str] = []
    for script in scripts:
        ref = script.map_ref
        if ref and ref.startswith("data:"):
            decoded = _data_url(ref)
            sources = parse_map(decoded) if decoded else None
            if sources is not None:
                maps.append(SourceMap(script.url + " (inline source map)", sources, True))
            continue
        candidates = [(ref, True)] if ref else []
        probe = script.url.split("?", 1)[0] + ".map"
        if probe != ref:
            candidates.append((probe, False))
        for url, declared in candidates:
            try:
                resp = await _get(ctx, url, MAP_CAP)
            except FetchError as exc:
                if declared:
                    errors.append(f"{url}: {exc.message}")
                continue
            if resp.status != 200:
                continue
            sources = parse_map(resp.text)
            if sources is None:
                continue  # an SPA answering index.html for every path is not a source map
            maps.append(SourceMap(resp.url, sources, declared))
            break
    return maps, errors


def _data_url(ref: str) -> str | None:
    head, _, payload = ref.partition(",")
    try:
        if head.endswith(";base64"):
            return base64.b64decode(payload).decode("utf-8", "replace")
        from urllib.parse import unquote

        return unquote(payload)
    except (ValueError, binascii.Error):
        return None


@dataclass(slots=True)
class ExposedFile:
    url: str
    kind: str  # "env file" | "git config"
    findings: list[Finding]


async def probe_exposed(ctx: CheckContext, base: str, ruleset: RuleSet) -> tuple[list[ExposedFile], list[str]]:
    """``/.env`` and ``/.git/config`` served from the web root (content-checked: SPAs answer 200 to all)."""
    from launchready_tui.net.http import FetchError

    async def one(path: str) -> ExposedFile | str | None:
        url = urljoin(base, path)
        try:
            resp = await ctx.http.fetch(url, body_cap=256 * 1024)
        except FetchError as exc:
            return f"{url}: {exc.message}"
        if resp.status != 200:
            return None
        text = resp.text
        if path.endswith("config"):
            if "[core]" in text and "repositoryformatversion" in text:
                return ExposedFile(url, "git config", [])
            return None
        if "<html" in text[:2000].lower() or len(_ENV_LINE.findall(text)) == 0:
            return None
        return ExposedFile(url, "env file", text_findings(text, ruleset, url=url, where="code", path=path.lstrip("/")))

    results = await asyncio.gather(*(one(p) for p in ENV_PROBES))
    exposed = [r for r in results if isinstance(r, ExposedFile)]
    errors = [r for r in results if isinstance(r, str)]
    return exposed, errors


def bundle_findings(crawl_result: Crawl, ruleset: RuleSet) -> list[Finding]:
    found: list[Finding] = []
    for script in crawl_result.scripts:
        found += text_findings(script.body, ruleset, url=script.url, where="bundle")
    for page, label, code in crawl_result.inline:
        found += text_findings(code, ruleset, url=f"{page} ({label})", where="bundle")
    return found


def map_findings(maps: list[SourceMap], ruleset: RuleSet) -> list[Finding]:
    found: list[Finding] = []
    for smap in maps:
        for source, content in smap.sources:
            found += text_findings(content, ruleset, url=smap.url, where="code", source=source, path=None)
    return found
