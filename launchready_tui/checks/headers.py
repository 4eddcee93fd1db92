"""Response-header checks: ``http.security_headers`` (Observatory-style score), ``http.hsts``, ``http.cookies``.

Every page is read through ``web_requests.walk`` (memoised per run), so the home page fetched by
``stack.providers`` and the routing checks is not fetched again. Rules and scoring live in
``header_rules`` (pure); this module gathers responses, turns rule results into a status with business
words, and fills the fix guide with the exact header lines to add. Requests are GETs only, except the
founder's own login endpoint from the project file (the one ``http.response_time`` already calls),
whose response carries the session cookie.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.header_rules import (
    ONE_YEAR,
    SIX_MONTHS,
    Cookie,
    CookieProblem,
    Modifier,
    cookie_modifier,
    cookie_problems,
    corp_modifier,
    cors_modifier,
    csp_modifier,
    grade,
    hsts_modifier,
    parse_hsts,
    parse_set_cookie,
    referrer_modifier,
    scan_html,
    sri_modifier,
    total,
    xcto_modifier,
    xfo_modifier,
)
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.targets import (
    classify_hosts,
    entry_hosts,
    front_hosts,
    home_pages,
    host_of,
    subdomain_names,
)
from launchready_tui.checks.web_requests import get
from launchready_tui.checks.web_requests import walk as walk_page
from launchready_tui.core.model import Impact, Outcome, Status
from launchready_tui.net.http import RedirectWalk, Response

PASS_SCORE = 70
WARN_SCORE = 40
PROBE_ORIGIN = "https://launchready-cors-probe.invalid"
LOGIN_WORDS = ("login", "signin", "sign-in", "session", "auth")
RECOMMENDED = {
    "content-security-policy": ("Content-Security-Policy",
                                "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"),
    "x-frame-options": ("X-Frame-Options", "DENY"),
    "x-content-type-options": ("X-Content-Type-Options", "nosniff"),
    "referrer-policy": ("Referrer-Policy", "strict-origin-when-cross-origin"),
    "strict-transport-security": ("Strict-Transport-Security", "max-age=31536000"),
}


def _header_snippets(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The same header lines in each platform's syntax, for the fix guide placeholders."""
    plain = "\n".join(f"{k}: {v}" for k, v in pairs)
    nginx = "\n".join(f"add_header {k} \"{v}\" always;" for k, v in pairs)
    vercel = ",\n".join(f'        {{ "key": "{k}", "value": "{v}" }}' for k, v in pairs)
    netlify = "\n".join(f"  {k}: {v}" for k, v in pairs)
    return {"headers": plain, "nginx_lines": nginx, "vercel_headers": vercel, "netlify_headers": netlify}


def _cookies_of(walk: RedirectWalk) -> list[Cookie]:
    out: list[Cookie] = []
    for hop in walk.hops:
        for raw in hop.headers.get_list("set-cookie"):
            cookie = parse_set_cookie(raw, hop.url)
            if cookie is not None:
                out.append(cookie)
    return out


async def _cors_response(ctx: CheckContext, url: str) -> Response | None:
    response = await get(ctx, url, headers={"origin": PROBE_ORIGIN}, body_cap=64 * 1024)
    # A failure means CORS is simply not judged; the page itself was already read.
    return response if isinstance(response, Response) else None


async def _score_page(ctx: CheckContext, url: str) -> dict[str, Any]:
    walk = await walk_page(ctx, url)
    row: dict[str, Any] = {"url": url, "hops": [h.to_json() for h in walk.hops]}
    if walk.final is None:
        row.update(error=walk.problem or "no response", measured=walk.measured_failure)
        return row
    final = walk.final
    h = final.headers
    https = final.url.lower().startswith("https://")
    html = "html" in h.get("content-type", "").lower() or final.body[:200].lstrip().lower().startswith(b"<")
    facts = scan_html(final.text) if html else scan_html("")
    csp, header_csp = csp_modifier(h.get_list("content-security-policy"), facts.meta_csp, https,
                                   report_only=bool(h.get("content-security-policy-report-only")))
    hsts_values = h.get_list("strict-transport-security")
    hsts_mod, hsts = hsts_modifier(https, hsts_values)
    cookies = _cookies_of(walk)
    apex = front_hosts(ctx.project)[0]
    problems = [p for c in cookies for p in cookie_problems(c, hsts is not None and hsts.valid, apex)]
    cors = await _cors_response(ctx, final.url)
    modifiers: list[Modifier] = [
        csp, cookie_modifier(cookies, problems),
        cors_modifier(PROBE_ORIGIN, cors.headers.get("access-control-allow-origin") if cors else None,
                      cors.headers.get("access-control-allow-credentials") if cors else None),
        referrer_modifier(h.get_list("referrer-policy")), hsts_mod, sri_modifier(final.url, facts, html),
        xcto_modifier(h.get_list("x-content-type-options")), xfo_modifier(h.get_list("x-frame-options"), header_csp),
        corp_modifier(h.get_list("cross-origin-resource-policy")),
    ]
    score = total(modifiers)
    row.update(final_url=final.url, status=final.status, score=score, grade=grade(score),
               modifiers=[m.to_json() for m in modifiers], cors_checked=cors is not None,
               notes=([f"the HTML could not be fully parsed ({facts.parse_error})"] if facts.parse_error else []))
    if final.truncated:
        row["notes"].append("the page is larger than we read; scripts past that point were not checked")
    return row


async def http_security_headers(ctx: CheckContext) -> Outcome:
    urls = home_pages(ctx.project)
    ctx.say("http.security_headers", f"reading headers of {', '.join(urls)}")
    rows = await asyncio.gather(*(_score_page(ctx, u) for u in urls))
    target = front_hosts(ctx.project)[0]
    scored = [r for r in rows if "score" in r]
    evidence: dict[str, Any] = {
        "pages": rows, "method": "MDN HTTP Observatory modifiers (redirection is judged by routing checks; "
        "the HSTS preload bonus needs Chromium's list and is not given)"}
    if not scored:
        reason = rows[0].get("error", "no response")
        return Outcome(Status.ERROR, f"could not read the page headers: {reason}", evidence, target=target)
    worst = min(scored, key=lambda r: r["score"])
    evidence.update(score=worst["score"], grade=worst["grade"])
    lost = [m for m in worst["modifiers"] if m["points"] < 0]
    lost.sort(key=lambda m: m["points"])
    where = urlsplit(worst["final_url"]).hostname or target
    missing = [RECOMMENDED[m["test"]] for m in lost if m["test"] in RECOMMENDED]
    provider = await fix_provider(ctx, "web")
    fix = fix_for("http.security_headers", provider, domain=target, host=where,
                  **_header_snippets(missing or list(RECOMMENDED.values())))
    cors_open = any(m["result"] == "cors-implemented-with-universal-access" for r in scored for m in r["modifiers"])
    detail = "; ".join(f"{m['note'].split(':')[0]} ({m['points']:+d})" for m in lost[:4])
    head = f"score {worst['score']} ({worst['grade']}) on {worst['final_url']}"
    if cors_open:
        return Outcome(Status.FAIL, f"{head}: any website can read pages of {where} with the visitor's cookies "
                       "(reflected Origin with credentials)", evidence, impact=Impact.DATA_LEAK, fix=fix,
                       target=target)
    if worst["score"] < WARN_SCORE:
        return Outcome(Status.FAIL, f"{head}: {detail}", evidence, impact=Impact.SECURITY, fix=fix, target=target)
    if worst["score"] < PASS_SCORE:
        return Outcome(Status.WARN, f"{head}: {detail}", evidence, impact=Impact.SECURITY, fix=fix, target=target)
    unread = [r for r in rows if "score" not in r]
    if unread:  # a good score elsewhere must not hide a page we could not read
        return Outcome(Status.ERROR, f"could not read {unread[0]['url']}: {unread[0].get('error')}; {head}",
                       evidence, target=target)
    more = f"; still losing points: {detail}" if lost else ""
    return Outcome(Status.PASS, f"{head}{more}", evidence, target=target)


# -- http.hsts ------------------------------------------------------------------------------------------


def _hsts_hops(walk: RedirectWalk) -> list[dict[str, Any]]:
    rows = []
    for hop in walk.hops:
        values = hop.headers.get_list("strict-transport-security")
        rows.append({"url": hop.url, "status": hop.status, "https": hop.https,
                     "hsts": parse_hsts(values).to_json() if values else None})
    return rows


async def _subdomains_without_https(ctx: CheckContext) -> tuple[list[str], list[str]]:
    """(subdomains that resolve but fail HTTPS, subdomains we could not judge)."""
    live = (await classify_hosts(ctx, subdomain_names(ctx.project))).live
    walks = await asyncio.gather(*(walk_page(ctx, f"https://{n}/") for n in live))
    broken = [n for n, w in zip(live, walks, strict=True) if w.final is None and w.measured_failure]
    unknown = [n for n, w in zip(live, walks, strict=True) if w.final is None and not w.measured_failure]
    return broken, unknown


async def http_hsts(ctx: CheckContext) -> Outcome:
    hosts = entry_hosts(ctx.project)
    apex = hosts[0]
    found = await classify_hosts(ctx, hosts)
    live = [h for h in hosts if h in found.live or h == apex]  # the apex always: it is the product
    walks = dict(zip(live, await asyncio.gather(*(walk_page(ctx, f"https://{h}/") for h in live)), strict=True))
    evidence: dict[str, Any] = {"hosts": {h: {"hops": _hsts_hops(w), "error": w.problem} for h, w in walks.items()}}
    provider = await fix_provider(ctx, "web")
    apex_walk = walks[apex]
    if apex_walk.final is None:
        return Outcome(Status.ERROR, f"could not read https://{apex}/ to see its HSTS header: {apex_walk.problem}",
                       evidence, target=apex)
    final = apex_walk.final
    if not final.url.lower().startswith("https://"):
        return Outcome(Status.FAIL, f"https://{apex}/ sends visitors back to plain HTTP ({final.url}): HSTS cannot "
                       "protect a site that leaves HTTPS", evidence, impact=Impact.SECURITY, target=apex,
                       fix=fix_for("http.hsts", provider, domain=apex, value=f"max-age={ONE_YEAR}"))
    values = final.headers.get_list("strict-transport-security")
    if not values:
        return Outcome(Status.FAIL, f"{final.url} sends no Strict-Transport-Security header: a visitor's first "
                       "request can be downgraded to plain HTTP and their session cookie read on public Wi-Fi",
                       evidence, impact=Impact.SECURITY, target=apex,
                       fix=fix_for("http.hsts", provider, domain=apex, value=f"max-age={ONE_YEAR}"))
    hsts = parse_hsts(values)
    evidence["hsts"] = hsts.to_json()
    warnings: list[str] = []
    notes: list[str] = []
    if hsts.problems:
        warnings.append(f"the header is malformed: {hsts.problems[0]}")
    age = hsts.max_age or 0
    if hsts.max_age == 0:
        warnings.append("max-age=0 tells browsers to forget HSTS: it is switched off")
    elif hsts.max_age is not None and age < SIX_MONTHS:
        warnings.append(f"max-age is {age} s ({age // 86400} days), under six months")
    elif age >= ONE_YEAR:
        notes.append(f"max-age {age} s (≥ 1 year): strong")
    if hsts.preload and not (age >= ONE_YEAR and hsts.include_subdomains):
        warnings.append("'preload' is sent, but preloading needs max-age ≥ 31536000 and includeSubDomains")
    # HTTPS redirects (e.g. https://www → https://apex) must carry HSTS too, or that name is never protected.
    for host, walk in walks.items():
        for hop in walk.hops[:-1]:
            if hop.https and not hop.headers.get_list("strict-transport-security"):
                warnings.append(f"the redirect at {hop.url} has no HSTS header, so {host} itself is not protected")
                break
    for host, walk in walks.items():
        if host != apex and walk.final is not None and walk.final.url.lower().startswith("https://") and \
                urlsplit(walk.final.url).hostname != urlsplit(final.url).hostname and \
                not walk.final.headers.get_list("strict-transport-security"):
            warnings.append(f"{walk.final.url} sends no HSTS header")
    broken: list[str] = []
    if hsts.include_subdomains:
        broken, unknown = await _subdomains_without_https(ctx)
        evidence["subdomains_without_https"] = broken
        if broken:
            warnings.append(f"includeSubDomains is set, but {', '.join(broken)} do{'es' if len(broken) == 1 else ''} "
                            "not work over HTTPS: browsers will refuse to open them")
        if unknown:
            notes.append(f"could not check HTTPS on {', '.join(unknown)}")
    eligible = age >= ONE_YEAR and hsts.include_subdomains and hsts.preload and not broken and not hsts.problems
    notes.append("meets the preload list's header rules (preloading is hard to undo; never required)" if eligible
                 else "not preload-eligible (that is fine: preloading is optional and hard to undo)")
    evidence["notes"] = notes
    suggested = f"max-age={max(age, ONE_YEAR)}" + ("; includeSubDomains" if hsts.include_subdomains and not broken
                                                    else "")
    if warnings:
        return Outcome(Status.WARN, "; ".join(warnings), evidence, impact=Impact.SECURITY, target=apex,
                       fix=fix_for("http.hsts", provider, domain=apex, value=suggested))
    return Outcome(Status.PASS, f"HSTS on {', '.join(walks)}: {hsts.raw[:80]}", evidence, target=apex)


# -- http.cookies ---------------------------------------------------------------------------------------


def _login_endpoints(ctx: CheckContext) -> list[tuple[str, str, str | None, dict[str, str]]]:
    out = []
    for e in ctx.project.endpoints:
        words = f"{e.name} {urlsplit(e.url).path}".lower()
        if any(w in words for w in LOGIN_WORDS) and not e.ai:
            headers = {k: v for k, v in e.headers.items() if "{secret:" not in v}  # never send vault refs raw
            if e.body and "content-type" not in {k.lower() for k in headers}:
                headers["content-type"] = "application/json"
            out.append((e.url, e.method, e.body, headers))
    return out


async def http_cookies(ctx: CheckContext) -> Outcome:
    hosts = front_hosts(ctx.project)
    apex = hosts[0]
    app = host_of(ctx.project.app_url)
    pages = [f"https://{apex}/", f"https://{apex}/login", f"http://{apex}/"]
    if app and app != apex:
        pages += [f"https://{app}/", f"https://{app}/login"]
    logins = _login_endpoints(ctx)
    ctx.say("http.cookies", f"reading Set-Cookie on {len(pages) + len(logins)} responses")
    walks = await asyncio.gather(
        *(walk_page(ctx, u) for u in pages),
        *(walk_page(ctx, url, method=method, headers=headers or None, content=body)
          for url, method, body, headers in logins),
    )
    visited = [{"url": w.start, "error": w.problem} if w.problem else {"url": w.start, "status": w.final.status}
               for w in walks if w.final is not None or w.problem]
    cookies: dict[tuple[str, str], Cookie] = {}
    for walk in walks:
        for cookie in _cookies_of(walk):
            cookies.setdefault((cookie.name, cookie.set_by), cookie)
    apex_walk = walks[0]
    hsts = bool(apex_walk.final is not None and apex_walk.final.headers.get_list("strict-transport-security"))
    problems: list[CookieProblem] = []
    for cookie in cookies.values():
        for p in cookie_problems(cookie, hsts, apex):
            if p.text not in {q.text for q in problems}:
                problems.append(p)
    evidence: dict[str, Any] = {
        "visited": visited, "cookies": [c.to_json() for c in cookies.values()],
        "problems": [{"cookie": p.cookie, "severity": p.severity, "text": p.text, "browser_rejects": p.rejected}
                     for p in problems],
        "login_requests": [u for u, *_ in logins],
    }
    if all(w.final is None for w in walks):
        reason = next((w.problem for w in walks if w.problem), "no response")
        return Outcome(Status.ERROR, f"could not read any page to see its cookies: {reason}", evidence, target=apex)
    if not cookies:
        where = "the home page and /login" + (" and your login endpoint" if logins else "")
        return Outcome(Status.PASS, f"no cookies are set on {where}", evidence, target=apex)
    provider = await fix_provider(ctx, "web")
    fails = [p for p in problems if p.severity == "fail"]
    warns = [p for p in problems if p.severity == "warn"]
    fix = fix_for("http.cookies", provider, domain=apex,
                  cookie=(fails or warns)[0].cookie if problems else "session")
    if fails:
        fails.sort(key=lambda p: not p.rejected)  # what breaks sign-in first
        rejected = [p for p in fails if p.rejected]
        impact = Impact.BROKEN_LOGIN if rejected else Impact.SECURITY
        lead = ("browsers drop some of your cookies, so sign-in can silently fail: " if rejected else "")
        return Outcome(Status.FAIL, lead + "; ".join(p.text for p in fails[:3]), evidence, impact=impact, fix=fix,
                       target=apex)
    if warns:
        return Outcome(Status.WARN, "; ".join(p.text for p in warns[:3]), evidence, impact=Impact.SECURITY, fix=fix,
                       target=apex)
    names = sorted({c.name for c in cookies.values()})
    return Outcome(Status.PASS, f"{len(names)} cookie{'s' if len(names) != 1 else ''} ({', '.join(names[:5])}) use "
                   "Secure, SameSite and HttpOnly where it matters", evidence, target=apex)


__all__ = ["http_cookies", "http_hsts", "http_security_headers"]
