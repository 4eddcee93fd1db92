"""Pure rules for response headers: CSP, HSTS, Set-Cookie, and the Observatory-style score.

The score follows the MDN HTTP Observatory (``mdn/mdn-http-observatory`` ``src/grader/charts.js`` and
``src/analyzer/tests/*.js``): start at 100, add each test's modifier, and grant bonus points only when
the score without them is at least 90; grades on multiples of 5. Two differences, said in the
evidence: redirection is judged by ``routing.*`` (not here), and the HSTS preload bonus needs
Chromium's list, which we do not download. No I/O here; ``checks/headers.py`` fetches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

SIX_MONTHS = 15_552_000  # Observatory's "white lie" for 15 768 000 s
ONE_YEAR = 31_536_000  # hstspreload.org minimum
BONUS_FLOOR = 90
GRADES = ((100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"),
          (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F"))
BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCE_HASH = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
PRIVATE_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
UNSAFE_REFERRER = {"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
SESSION_NAME = re.compile(r"sess|sid\b|^sid|login|auth|token|jwt|connect\.sid|remember", re.IGNORECASE)
CSRF_NAME = re.compile(r"csrf|xsrf", re.IGNORECASE)
_DIRECTIVE = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True, slots=True)
class Modifier:
    test: str  # "content-security-policy", "x-frame-options", ...
    result: str  # Observatory expectation name, e.g. "csp-not-implemented"
    points: int
    note: str  # plain words for the founder

    def to_json(self) -> dict[str, Any]:
        return {"test": self.test, "result": self.result, "points": self.points, "note": self.note}


def grade(score: int) -> str:
    return next(g for floor, g in GRADES if score >= floor)


def total(modifiers: list[Modifier]) -> int:
    """Observatory scoring: penalties first; bonuses only if that leaves at least 90; never below 0."""
    base = 100 + sum(m.points for m in modifiers if m.points < 0)
    if base >= BONUS_FLOOR:
        base += sum(m.points for m in modifiers if m.points > 0)
    return max(base, 0)


# -- HTML ---------------------------------------------------------------------------------------------


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta_csp: list[str] = []
        self.scripts: list[tuple[str, str | None]] = []  # (src, integrity)
        self.script_tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy" and a.get("content"):
            self.meta_csp.append(a["content"])
        elif tag == "script":
            self.script_tags += 1
            if a.get("src"):
                self.scripts.append((a["src"].strip(), a.get("integrity") or None))


@dataclass(slots=True)
class PageFacts:
    meta_csp: list[str] = field(default_factory=list)
    scripts: list[tuple[str, str | None]] = field(default_factory=list)
    script_tags: int = 0
    parse_error: str | None = None


def scan_html(text: str) -> PageFacts:
    scan = _PageScan()
    try:
        scan.feed(text[: 2 * 1024 * 1024])
        scan.close()
    except Exception as exc:  # html.parser is lenient; anything it still chokes on is reported, not raised
        return PageFacts(scan.meta_csp, scan.scripts, scan.script_tags, f"{type(exc).__name__}: {exc}")
    return PageFacts(scan.meta_csp, scan.scripts, scan.script_tags)


# -- CSP ----------------------------------------------------------------------------------------------


def parse_csp(policies: list[str]) -> dict[str, set[str]]:
    """Directives of one or more policies (comma-separated policies allowed); the first definition wins.

    Raises ValueError when a directive name is not a CSP token (Observatory: "header cannot be parsed").
    """
    out: dict[str, set[str]] = {}
    for raw in policies:
        for policy in raw.split(","):
            for part in policy.split(";"):
                tokens = part.strip().split()
                if not tokens:
                    continue
                name = tokens[0].lower()
                if not _DIRECTIVE.match(name):
                    raise ValueError(f"{tokens[0][:40]!r} is not a CSP directive")
                out.setdefault(name, {t.lower() for t in tokens[1:]})
    return out


def csp_modifier(header_values: list[str], meta_values: list[str], https: bool,
                 report_only: bool = False) -> tuple[Modifier, dict[str, set[str]]]:
    test = "content-security-policy"
    if not header_values and not meta_values:
        note = ("only Content-Security-Policy-Report-Only is sent: it reports, it does not protect"
                if report_only else "no Content-Security-Policy: an injected script runs with full access")
        return Modifier(test, "csp-not-implemented", -25, note), {}
    try:
        csp = parse_csp(header_values + meta_values)
        header_only = parse_csp(header_values)
    except ValueError as exc:
        return Modifier(test, "csp-header-invalid", -25, f"the Content-Security-Policy cannot be parsed ({exc})"), {}
    default = csp.get("default-src")
    script = set(csp.get("script-src") or default or {"*"})
    style = set(csp.get("style-src") or default or {"*"})
    obj = set(csp.get("object-src") or default or {"*"})
    for sources in (script, style):
        if any(s.startswith(NONCE_HASH) for s in sources):
            sources.discard("'unsafe-inline'")
    if any(s.startswith(NONCE_HASH) for s in script) and "'strict-dynamic'" in script:
        script = {s for s in script if not (s in BROAD or s.startswith(("http:", "https:")) or
                                           s in ("'self'", "'unsafe-inline'"))}
    active = [s for d, v in csp.items() if d not in ("img-src", "media-src", "script-src") for s in v] + list(script)
    passive = [s for d in ("img-src", "media-src") for s in (csp.get(d) or default or set())]
    result: Modifier | None = None
    if script & (BROAD | UNSAFE_INLINE) or obj & BROAD:
        result = Modifier(test, "csp-implemented-with-unsafe-inline", -20,
                          "the CSP allows inline scripts, data: or any host in script-src/object-src, so it "
                          "does not stop injected scripts")
    elif https and any(s.startswith(("http:", "ftp:")) for s in active):
        result = Modifier(test, "csp-implemented-with-insecure-scheme", -20,
                          "the CSP allows scripts or styles over plain http://")
    elif "'unsafe-eval'" in script | style:
        result = Modifier(test, "csp-implemented-with-unsafe-eval", -10, "the CSP allows 'unsafe-eval'")
    elif https and any(s.startswith(("http:", "ftp:")) for s in passive):
        result = Modifier(test, "csp-implemented-with-insecure-scheme-in-passive-content-only", -10,
                          "the CSP allows images or media over plain http://")
    elif style & (BROAD | UNSAFE_INLINE):
        result = Modifier(test, "csp-implemented-with-unsafe-inline-in-style-src-only", 0,
                          "the CSP is solid for scripts; inline styles are allowed")
    elif default == {"'none'"}:
        result = Modifier(test, "csp-implemented-with-no-unsafe-default-src-none", 10,
                          "a strict CSP: default-src 'none' and nothing unsafe")
    else:
        result = Modifier(test, "csp-implemented-with-no-unsafe", 5, "a CSP without unsafe sources")
    return result, header_only


# -- the other headers --------------------------------------------------------------------------------


def xfo_modifier(values: list[str], header_csp: dict[str, set[str]]) -> Modifier:
    test = "x-frame-options"
    ancestors = header_csp.get("frame-ancestors")
    if ancestors is not None and not ancestors & BROAD:
        return Modifier(test, "x-frame-options-implemented-via-csp", 5,
                        "framing is limited by the CSP frame-ancestors directive")
    if not values:
        return Modifier(test, "x-frame-options-not-implemented", -20,
                        "no X-Frame-Options or CSP frame-ancestors: another site can frame your pages "
                        "(clickjacking on sign-in and payment pages)")
    value = values[0].strip().lower()
    if len(values) > 1 or "," in value:
        return Modifier(test, "x-frame-options-header-invalid", -20, "X-Frame-Options is sent more than once")
    if value in ("deny", "sameorigin"):
        return Modifier(test, "x-frame-options-sameorigin-or-deny", 0, f"X-Frame-Options: {value.upper()}")
    if value.startswith("allow-from"):
        return Modifier(test, "x-frame-options-allow-from-origin", 0, "X-Frame-Options ALLOW-FROM (obsolete)")
    return Modifier(test, "x-frame-options-header-invalid", -20, f"X-Frame-Options {value!r} is not recognised")


def xcto_modifier(values: list[str]) -> Modifier:
    test = "x-content-type-options"
    if not values:
        return Modifier(test, "x-content-type-options-not-implemented", -5,
                        "no X-Content-Type-Options: nosniff; browsers may run uploads as scripts")
    if values[0].strip().lower() == "nosniff":
        return Modifier(test, "x-content-type-options-nosniff", 0, "X-Content-Type-Options: nosniff")
    return Modifier(test, "x-content-type-options-header-invalid", -5,
                    f"X-Content-Type-Options {values[0][:40]!r} is not 'nosniff'")


def referrer_modifier(values: list[str], meta: str | None = None) -> Modifier:
    test = "referrer-policy"
    raw = ",".join(values) if values else (meta or "")
    if not raw.strip():
        return Modifier(test, "referrer-policy-not-implemented", 0,
                        "no Referrer-Policy (browsers default to strict-origin-when-cross-origin)")
    # The last recognised token wins (Referrer Policy §11.1); unknown tokens are skipped.
    tokens = [t.strip().lower() for t in raw.split(",") if t.strip()]
    known = [t for t in tokens if t in PRIVATE_REFERRER | UNSAFE_REFERRER]
    if not known:
        return Modifier(test, "referrer-policy-header-invalid", -5, f"Referrer-Policy {raw[:60]!r} is not recognised")
    if known[-1] in PRIVATE_REFERRER:
        return Modifier(test, "referrer-policy-private", 5, f"Referrer-Policy: {known[-1]}")
    return Modifier(test, "referrer-policy-unsafe", -5,
                    f"Referrer-Policy: {known[-1]} sends full URLs (with tokens in them) to other sites")


def corp_modifier(values: list[str]) -> Modifier:
    test = "cross-origin-resource-policy"
    if not values:
        return Modifier(test, "corp-not-implemented", 0, "no Cross-Origin-Resource-Policy (optional)")
    value = values[0].strip().lower()
    if value in ("same-origin", "same-site"):
        return Modifier(test, f"corp-implemented-with-{value}", 10, f"Cross-Origin-Resource-Policy: {value}")
    if value == "cross-origin":
        return Modifier(test, "corp-implemented-with-cross-origin", 0, "Cross-Origin-Resource-Policy: cross-origin")
    return Modifier(test, "corp-header-invalid", -5, f"Cross-Origin-Resource-Policy {value[:40]!r} is not recognised")


def cors_modifier(origin_sent: str, acao: str | None, credentials: str | None) -> Modifier:
    test = "cross-origin-resource-sharing"
    if not acao:
        return Modifier(test, "cors-not-implemented", 0, "no CORS headers on the page")
    value = acao.strip().lower()
    if value == "*":
        return Modifier(test, "cors-implemented-with-public-access", 0, "public CORS (Access-Control-Allow-Origin: *)")
    if value == origin_sent.lower() and (credentials or "").strip().lower() == "true":
        return Modifier(test, "cors-implemented-with-universal-access", -50,
                        "any website may read this site's pages with the visitor's cookies: the server copies "
                        "whatever Origin it gets into Access-Control-Allow-Origin and allows credentials")
    return Modifier(test, "cors-implemented-with-restricted-access", 0, "CORS limited to named origins")


def _registered(host: str) -> str:
    labels = host.lower().rstrip(".").split(".")
    return ".".join(labels[-2:])


def sri_modifier(page_url: str, facts: PageFacts, html: bool) -> Modifier:
    test = "subresource-integrity"
    if not html:
        return Modifier(test, "sri-not-implemented-response-not-html", 0, "not an HTML page")
    if facts.script_tags == 0:
        return Modifier(test, "sri-not-implemented-but-no-scripts-loaded", 0, "no script tags")
    page = urlsplit(page_url)
    worst: Modifier | None = None
    order = {"sri-not-implemented-and-external-scripts-not-loaded-securely": 4,
             "sri-implemented-but-external-scripts-not-loaded-securely": 3,
             "sri-not-implemented-but-external-scripts-loaded-securely": 2}
    foreign = False
    for src, integrity in facts.scripts:
        parts = urlsplit(src)
        protocol_relative = src.startswith("//")
        if not parts.scheme and not protocol_relative:
            continue  # same origin
        same_site = bool(parts.hostname) and _registered(parts.hostname or "") == _registered(page.hostname or "")
        if same_site and not protocol_relative:
            continue
        foreign = True
        secure = parts.scheme == "https"
        if integrity and not secure:
            cand = Modifier(test, "sri-implemented-but-external-scripts-not-loaded-securely", -20,
                            f"external script {src[:80]} is loaded without https")
        elif not integrity and secure:
            cand = Modifier(test, "sri-not-implemented-but-external-scripts-loaded-securely", -5,
                            f"external script {src[:80]} has no integrity= hash: if that host is hacked, so are you")
        elif not integrity:
            cand = Modifier(test, "sri-not-implemented-and-external-scripts-not-loaded-securely", -50,
                            f"external script {src[:80]} is loaded over plain http without an integrity= hash: "
                            "anyone on the network can replace it")
        else:
            continue
        if worst is None or order[cand.result] > order[worst.result]:
            worst = cand
    if worst is not None:
        return worst
    if foreign:
        return Modifier(test, "sri-implemented-and-external-scripts-loaded-securely", 5,
                        "external scripts carry integrity= hashes")
    return Modifier(test, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0,
                    "scripts come from your own site")


# -- HSTS ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Hsts:
    raw: str
    max_age: int | None = None
    include_subdomains: bool = False
    preload: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.max_age is not None and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"value": self.raw[:200], "max_age": self.max_age, "include_subdomains": self.include_subdomains,
                "preload": self.preload, "problems": self.problems}


def parse_hsts(values: list[str]) -> Hsts:
    """RFC 6797 §6.1: directives once each, max-age required; a header sent twice is a problem."""
    raw = ", ".join(values)
    hsts = Hsts(raw)
    if len(values) > 1 or "," in raw:
        hsts.problems.append("the header is sent more than once; browsers use only the first")
    seen: set[str] = set()
    for part in (values[0] if values else "").split(";"):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name in seen:
            hsts.problems.append(f"{name} appears twice")
        seen.add(name)
        if name == "max-age":
            digits = value.strip().strip('"')
            if not digits.isdigit():
                hsts.problems.append(f"max-age {value.strip()[:20]!r} is not a number")
            else:
                hsts.max_age = int(digits)
        elif name == "includesubdomains":
            hsts.include_subdomains = True
        elif name == "preload":
            hsts.preload = True
    if hsts.max_age is None and not any("max-age" in p for p in hsts.problems):
        hsts.problems.append("max-age is missing, so browsers ignore the header")
    return hsts


def hsts_modifier(final_https: bool, values: list[str], verified: bool = True) -> tuple[Modifier, Hsts | None]:
    test = "strict-transport-security"
    if not final_https:
        return Modifier(test, "hsts-not-implemented-no-https", -20, "the page is not served over HTTPS"), None
    if not verified:
        return Modifier(test, "hsts-invalid-cert", -20, "HSTS cannot work with an untrusted certificate"), None
    if not values:
        return Modifier(test, "hsts-not-implemented", -20,
                        "no Strict-Transport-Security: the first request can be downgraded to plain HTTP"), None
    hsts = parse_hsts(values)
    if not hsts.valid:
        return Modifier(test, "hsts-header-invalid", -20, f"HSTS header is invalid: {hsts.problems[0]}"), hsts
    if (hsts.max_age or 0) < SIX_MONTHS:
        return Modifier(test, "hsts-implemented-max-age-less-than-six-months", -10,
                        f"HSTS max-age is {hsts.max_age} s, under six months"), hsts
    return Modifier(test, "hsts-implemented-max-age-at-least-six-months", 0,
                    f"HSTS max-age {hsts.max_age} s"), hsts


# -- cookies ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Cookie:
    name: str
    set_by: str  # URL of the response that set it
    over_https: bool
    secure: bool = False
    httponly: bool = False
    samesite: str | None = None  # as sent, lower-case; None when absent
    domain: str | None = None
    path: str | None = None
    expires: bool = False  # a persistent cookie (Expires or Max-Age)

    @property
    def session_like(self) -> bool:
        # csrftoken matches "token" but must stay readable by scripts: anti-CSRF cookies are not sessions
        return bool(SESSION_NAME.search(self.name)) and not self.csrf_like

    @property
    def csrf_like(self) -> bool:
        return bool(CSRF_NAME.search(self.name))

    def to_json(self) -> dict[str, Any]:  # never the value: it may be a live session token
        return {"name": self.name, "set_by": self.set_by, "secure": self.secure, "httponly": self.httponly,
                "samesite": self.samesite, "domain": self.domain, "path": self.path,
                "session_like": self.session_like}


def parse_set_cookie(raw: str, set_by: str) -> Cookie | None:
    """One Set-Cookie header (RFC 6265bis §5.6); None when there is no cookie name."""
    first, *attrs = raw.split(";")
    name = first.split("=", 1)[0].strip() if "=" in first else ""
    if not name:
        return None
    cookie = Cookie(name, set_by, set_by.lower().startswith("https://"))
    for attr in attrs:
        key, _, value = attr.strip().partition("=")
        key = key.strip().lower()
        if key == "secure":
            cookie.secure = True
        elif key == "httponly":
            cookie.httponly = True
        elif key == "samesite":
            cookie.samesite = value.strip().lower()
        elif key == "domain":
            cookie.domain = value.strip().lower() or None
        elif key == "path":
            cookie.path = value.strip() or None
        elif key in ("expires", "max-age"):
            cookie.expires = True
    return cookie


@dataclass(frozen=True, slots=True)
class CookieProblem:
    cookie: str
    severity: str  # "fail" or "warn"
    rejected: bool  # the browser drops the cookie: sign-in breaks
    text: str
    points: int = 0  # Observatory modifier, 0 when it has none


def cookie_problems(cookie: Cookie, hsts: bool, apex: str) -> list[CookieProblem]:
    out: list[CookieProblem] = []
    name = cookie.name

    def add(severity: str, text: str, points: int = 0, rejected: bool = False) -> None:
        out.append(CookieProblem(name, severity, rejected, text, points))

    if cookie.samesite == "none" and not cookie.secure:
        add("fail", f"{name}: SameSite=None without Secure, so browsers reject the cookie", -20, rejected=True)
    elif cookie.samesite not in (None, "lax", "strict", "none"):
        add("warn", f"{name}: SameSite={cookie.samesite!r} is not Lax, Strict or None", -20)
    if name.startswith("__Host-") and (not cookie.secure or cookie.domain or cookie.path != "/"):
        add("fail", f"{name}: a __Host- cookie needs Secure, Path=/ and no Domain, so browsers reject it",
            rejected=True)
    elif name.startswith("__Secure-") and not cookie.secure:
        add("fail", f"{name}: a __Secure- cookie without Secure is rejected by browsers", rejected=True)
    if cookie.session_like:
        if not cookie.secure:
            add("fail", f"{name} looks like a session cookie and has no Secure flag: it can travel over plain HTTP "
                "and be stolen on public Wi-Fi", -10 if hsts else -40)
        if not cookie.httponly:
            add("fail", f"{name} looks like a session cookie and has no HttpOnly flag: any injected script can "
                "read it and take over the account", -30)
        if cookie.domain and cookie.domain.lstrip(".") == apex:
            add("warn", f"{name} is shared with every subdomain (Domain={cookie.domain}), including ones run by "
                "third parties (docs, status pages)")
    elif not cookie.secure:
        add("warn", f"{name} has no Secure flag", -5 if hsts else -20)
    if cookie.csrf_like and cookie.samesite is None:
        add("warn", f"{name} is an anti-CSRF cookie without SameSite", -20)
    elif cookie.samesite is None and not any(p.cookie == name and "SameSite" in p.text for p in out):
        add("warn", f"{name} has no SameSite attribute (browsers default to Lax; say so explicitly)")
    if not cookie.over_https:
        add("warn", f"{name} is set on a plain-HTTP response ({cookie.set_by})")
    return out


def cookie_modifier(cookies: list[Cookie], problems: list[CookieProblem]) -> Modifier:
    test = "cookies"
    if not cookies:
        return Modifier(test, "cookies-not-found", 0, "no cookies on the page")
    worst = min((p.points for p in problems), default=0)
    if worst < 0:
        p = next(p for p in problems if p.points == worst)
        return Modifier(test, "cookies-flags-missing", worst, p.text)
    if all(c.samesite for c in cookies):
        return Modifier(test, "cookies-secure-with-httponly-sessions-and-samesite", 5,
                        "cookies use Secure, HttpOnly for sessions, and SameSite")
    return Modifier(test, "cookies-secure-with-httponly-sessions", 0, "cookies use Secure and HttpOnly for sessions")
