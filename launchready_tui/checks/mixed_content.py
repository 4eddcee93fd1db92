"""Stage 2: no http:// subresources on the HTTPS pages (W3C Mixed Content, design checks-web.md §6).

The final HTML of ``https://<apex>/`` and of the app URL is parsed (``html_refs``). Blockable
references (scripts, stylesheets, frames, forms, fonts/imports in ``<style>``…) are refused by
browsers, so a feature silently breaks: FAIL. Upgradable ones (images, audio, video) are
auto-upgraded or shown with a "not secure" mark: WARN. A CSP ``upgrade-insecure-requests`` makes
browsers fetch everything over https, which mitigates both (WARN: fix the links anyway). Plain
``<a href="http://…">`` links are navigation, not mixed content: counted as a note. Requests made
by scripts (fetch, XHR, WebSocket) need a browser and are not seen here.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx

from launchready_tui.checks import web_requests as wr
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.html_refs import PageRefs, parse_page
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.tally import Tally
from launchready_tui.checks.targets import home_pages
from launchready_tui.core.model import Outcome, Status

_LISTED = 20  # references listed per page in the evidence


def _upgrades(csp_values: list[str]) -> bool:
    return any("upgrade-insecure-requests" in v.lower() for v in csp_values)


def judge_page(page: PageRefs, header_csp: str) -> tuple[list[tuple[Status, str]], dict[str, Any]]:
    """(status, message) findings for one parsed page, and its evidence row."""
    insecure = [r for r in page.subresources() if urlsplit(r.url).scheme == "http"]
    blockable = [r for r in insecure if r.kind == "blockable"]
    upgradable = [r for r in insecure if r.kind == "upgradable"]
    nav = [r for r in page.refs if r.kind == "navigation" and urlsplit(r.url).scheme == "http"]
    upgrade = _upgrades([header_csp, *page.meta_csp])
    row: dict[str, Any] = {
        "url": page.base_url,
        "blockable": [r.to_json() for r in blockable[:_LISTED]],
        "upgradable": [r.to_json() for r in upgradable[:_LISTED]],
        "counts": {"blockable": len(blockable), "upgradable": len(upgradable), "http_links": len(nav)},
        "upgrade_insecure_requests": upgrade,
    }
    findings: list[tuple[Status, str]] = []
    if not insecure:
        return [(Status.PASS, f"{page.base_url}: no http:// subresources")], row

    def sample(refs: list[Any]) -> str:
        shown = ", ".join(f"<{r.tag}> {r.url}" for r in refs[:2])
        return shown + (f" and {len(refs) - 2} more" if len(refs) > 2 else "")

    mitigated = " — mitigated by CSP upgrade-insecure-requests, but fix the links" if upgrade else ""
    if blockable:
        findings.append((Status.WARN if upgrade else Status.FAIL,
                         f"{page.base_url} loads {len(blockable)} script/style/frame resource"
                         f"{'s' if len(blockable) > 1 else ''} over plain http, which browsers block "
                         f"(that part of the page breaks): {sample(blockable)}{mitigated}"))
    if upgradable:
        findings.append((Status.WARN, f"{page.base_url} loads {len(upgradable)} image/media file"
                        f"{'s' if len(upgradable) > 1 else ''} over plain http (browser shows 'not secure' "
                        f"or upgrades it): {sample(upgradable)}{mitigated}"))
    return findings, row


async def http_mixed_content(ctx: CheckContext) -> Outcome:
    target = ctx.project.domain
    urls = home_pages(ctx.project)
    walks = await asyncio.gather(*(wr.walk(ctx, u) for u in urls))
    tally = Tally()
    pages: list[dict[str, Any]] = []
    headers: httpx.Headers | None = None
    for url, walk in zip(urls, walks, strict=True):
        final = walk.final
        if final is None:
            tally.add(Status.ERROR, f"could not load {url}: {walk.describe_end()}")
            continue
        headers = headers or final.headers
        if urlsplit(final.url).scheme != "https":
            tally.add(Status.ERROR, f"{url} ends on plain HTTP ({final.url}): no HTTPS page to check "
                      "(see routing.http_to_https)")
            continue
        ctype = final.headers.get("content-type", "").lower()
        if "html" not in ctype:
            pages.append({"url": final.url, "note": f"not HTML ({ctype or 'no content type'})"})
            continue
        page = parse_page(final.text, final.url)
        findings, row = judge_page(page, final.headers.get("content-security-policy", ""))
        if final.truncated:
            row["note"] = f"page larger than {final.body_cap // 1024 // 1024} MiB: judged on its start"
        pages.append(row)
        for status, message in findings:
            tally.add(status, message)
    status = tally.status
    evidence = {"pages": pages, "not_seen": "requests made by scripts (fetch, XHR, WebSocket) need a browser"}
    fix = None
    if status in (Status.FAIL, Status.WARN):
        fix = fix_for("http.mixed_content", await fix_provider(ctx, "web", headers), domain=target)
    checked = ", ".join(p["url"] for p in pages) or "no page"
    return Outcome(status, tally.summary(f"no http:// scripts, styles or images on {checked}"), evidence,
                   fix=fix, target=target)
