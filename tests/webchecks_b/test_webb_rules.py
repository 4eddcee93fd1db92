"""The pure rules behind the part-B checks: expiry, TLS versions, cache headers, HTML references, DNS map."""

from __future__ import annotations

import pytest

from launchready_tui.checks.cache_rules import CacheControl, edge_hit, edge_miss, fingerprinted, varies_on_identity
from launchready_tui.checks.edge_cache import judge_api, judge_asset, judge_page_cache
from launchready_tui.checks.html_refs import parse_page
from launchready_tui.checks.mixed_content import judge_page
from launchready_tui.checks.provider_pick import provider_from_headers
from launchready_tui.checks.subdomains import platform_of
from launchready_tui.checks.tally import Tally
from launchready_tui.checks.tls_certs import expiry_verdict, protocols_verdict
from launchready_tui.core.model import Status
from launchready_tui.net.http import normalise_url as normalise
from launchready_tui.net.http import url_origin as origin
from launchready_tui.report.dns_map import DnsMap, DnsRecord, HostEntry, describe, render_dns_map_markdown

S = Status


@pytest.mark.parametrize(("left", "lifetime", "status"), [
    (75, 90, S.PASS), (31, 90, S.PASS), (29, 90, S.WARN),  # a third of 90 days = 30
    (13, 30, S.WARN), (20, 30, S.PASS),  # short-lived certs: the 14-day floor
    (6.5, 90, S.FAIL), (-1, 90, S.FAIL),
    (60, 200, S.WARN), (70, 200, S.PASS), (29, 398, S.WARN), (140, 398, S.PASS), (100, 398, S.WARN),
    (10, 47, S.WARN), (16, 47, S.PASS),  # 2029's 47-day certificates: the floor, not a third, decides
])
def test_expiry_relative_to_lifetime(left: float, lifetime: float, status: Status) -> None:
    assert expiry_verdict(left, lifetime)[0] is status


def test_expiry_reasons_are_plain() -> None:
    assert "expired 3 days ago" in expiry_verdict(-3, 90)[1]
    assert "renewal is probably not working" in expiry_verdict(20, 90)[1]


@pytest.mark.parametrize(("offered", "status"), [
    ({"TLSv1": "no", "TLSv1.1": "no", "TLSv1.2": "yes", "TLSv1.3": "yes"}, S.PASS),
    ({"TLSv1": "yes", "TLSv1.1": "no", "TLSv1.2": "yes", "TLSv1.3": "yes"}, S.WARN),
    ({"TLSv1": "no", "TLSv1.1": "no", "TLSv1.2": "yes", "TLSv1.3": "no"}, S.WARN),
    ({"TLSv1": "yes", "TLSv1.1": "yes", "TLSv1.2": "no", "TLSv1.3": "no"}, S.FAIL),
    ({"TLSv1": "unknown: x", "TLSv1.1": "unknown: x", "TLSv1.2": "yes", "TLSv1.3": "yes"}, S.PASS),
    ({"TLSv1": "no", "TLSv1.1": "no", "TLSv1.2": "unknown: timeout", "TLSv1.3": "no"}, S.ERROR),
])
def test_protocol_verdicts(offered: dict[str, str], status: Status) -> None:
    assert protocols_verdict(offered)[0] is status


def test_cache_control_parsing() -> None:
    cc = CacheControl.parse('public, max-age=600, s-maxage="60", Immutable')
    assert cc.shared_ttl == 60 and "immutable" in cc and cc.shared_cacheable and not cc.personal
    assert CacheControl.parse("private, max-age=600").personal
    assert not CacheControl.parse("public, max-age=0, must-revalidate").shared_cacheable
    assert CacheControl.parse("public").shared_cacheable
    assert CacheControl.parse("max-age=bogus").seconds("max-age") is None
    assert not CacheControl.parse("").present


@pytest.mark.parametrize(("headers", "hit"), [
    ({"CF-Cache-Status": "HIT"}, True), ({"cf-cache-status": "DYNAMIC"}, False),
    ({"cf-cache-status": "STALE"}, True), ({"x-vercel-cache": "HIT"}, True), ({"x-vercel-cache": "MISS"}, False),
    ({"X-Cache": "Hit from cloudfront"}, True), ({"x-cache": "Miss from cloudfront"}, False),
    ({"Cache-Status": "Netlify Edge; hit"}, True), ({"Cache-Status": "Netlify Edge; fwd=miss"}, False),
    ({"Age": "120"}, True), ({"Age": "0"}, False), ({}, False),
])
def test_edge_hit_per_cdn(headers: dict[str, str], hit: bool) -> None:
    assert (edge_hit(headers) is not None) is hit


def test_edge_miss_and_vary() -> None:
    assert edge_miss({"cf-cache-status": "MISS"}) == "cf-cache-status: MISS"
    assert edge_miss({"cache-status": "Netlify Edge; fwd=miss"})
    assert edge_miss({"cf-cache-status": "HIT"}) is None
    assert varies_on_identity({"Vary": "Accept-Encoding, Cookie"})
    assert not varies_on_identity({"Vary": "Accept-Encoding"})


@pytest.mark.parametrize(("path", "hashed"), [
    ("/static/app.3f9a1c2e.js", True), ("/assets/index-BkX8s2Qd.css", True), ("/_next/static/chunks/main.js", True),
    ("/static/analytics.js", False), ("/bootstrap5.min.js", False), ("/logo.png", False),
])
def test_fingerprinted_names(path: str, hashed: bool) -> None:
    assert fingerprinted(path) is hashed


def test_asset_verdicts() -> None:
    assert judge_asset("/static/app.3f9a1c2e.js", {"cache-control": "no-store"})[0] is S.FAIL
    assert judge_asset("/static/analytics.js", {"cache-control": "no-store"})[0] is S.WARN
    assert judge_asset("/a.3f9a1c2e.css", {"cache-control": "public, max-age=31536000, immutable"})[0] is S.PASS
    assert judge_asset("/logo.png", {"cache-control": "max-age=3600"})[0] is S.WARN
    assert judge_asset("/logo.png", {})[0] is S.WARN
    status, text = judge_asset("/a.3f9a1c2e.css", {"cache-control": "max-age=2592000"})
    assert status is S.PASS and "immutable" in text


def test_api_verdicts() -> None:
    assert judge_api({"cache-control": "private, no-store", "vary": "Cookie"}, None)[0] is S.PASS
    assert judge_api({"cache-control": "no-cache"}, None)[0] is S.PASS
    assert judge_api({"cache-control": "public, max-age=300"}, None)[0] is S.FAIL
    assert judge_api({"cache-control": "s-maxage=60"}, None)[0] is S.FAIL
    assert judge_api({"cache-control": "private", "age": "30"}, None)[0] is S.FAIL  # Age: it came from a cache
    assert judge_api({"cache-control": "public, max-age=60", "vary": "Cookie"}, "vercel")[0] is S.WARN
    assert judge_api({"cache-control": "public, max-age=60", "vary": "Cookie", "set-cookie": "a=b"}, None)[0] \
        is S.FAIL
    assert judge_api({}, None)[0] is S.WARN
    assert judge_api({"cache-control": "max-age=0"}, None)[0] is S.WARN


def test_personal_page_verdicts() -> None:
    assert judge_page_cache("/account", {"cache-control": "private, no-store"})[0] is S.PASS
    assert judge_page_cache("/account", {"cache-control": "public, max-age=0, must-revalidate"})[0] is S.WARN
    assert judge_page_cache("/account", {"cache-control": "public, max-age=600", "age": "120"})[0] is S.FAIL
    assert judge_page_cache("/login", {"cache-control": "public, max-age=600", "set-cookie": "s=1"})[0] is S.FAIL
    assert judge_page_cache("/account", {})[0] is S.WARN


PAGE = """<!doctype html><html><head>
<base href="https://example.test/app/">
<link rel="stylesheet" href="http://cdn.example.test/a.css">
<link rel="canonical" href="https://www.example.test/">
<meta property="og:url" content="https://example.test/">
<meta http-equiv="refresh" content="5; url=http://example.test/next">
<style>@import "http://fonts.example.test/f.css"; body{background:url(http://img.example.test/bg.png)}</style>
<title>Admin dashboard</title></head><body>
<img src="http://img.example.test/a.png" srcset="http://img.example.test/a2.png 2x, /b.png 3x">
<video poster="http://img.example.test/p.jpg"></video>
<iframe src="http://widget.example.test/"></iframe><form action="http://example.test/login"></form>
<div style="background: url('http://img.example.test/c.png')"></div>
<script src="//cdn.example.test/protocol-relative.js"></script><script src="rel.js"></script>
<a href="http://example.test/old">old</a><img src="data:image/png;base64,AAAA">
<p>\xff\xfe broken bytes decoded with replacement \ufffd</p><h1>Admin</h1>
"""


def test_html_references_classified() -> None:
    page = parse_page(PAGE, "https://example.test/")
    by_kind: dict[str, set[str]] = {}
    for ref in page.refs:
        by_kind.setdefault(ref.kind, set()).add(ref.url)
    assert {"http://cdn.example.test/a.css", "http://fonts.example.test/f.css", "http://widget.example.test/",
            "http://example.test/login", "http://example.test/next", "http://img.example.test/bg.png"} \
        <= by_kind["blockable"]
    assert {"http://img.example.test/a.png", "http://img.example.test/a2.png", "http://img.example.test/p.jpg",
            "http://img.example.test/c.png", "https://example.test/b.png"} <= by_kind["upgradable"]
    assert "https://example.test/app/rel.js" in by_kind["blockable"]  # resolved against <base>
    assert "https://cdn.example.test/protocol-relative.js" in by_kind["blockable"]
    assert by_kind["navigation"] == {"http://example.test/old"}
    assert page.canonical == "https://www.example.test/" and page.og_url == "https://example.test/"
    assert page.title == "Admin dashboard"
    findings, row = judge_page(page, "")
    assert {s for s, _ in findings} == {S.FAIL, S.WARN}
    assert row["counts"]["http_links"] == 1
    upgraded, _ = judge_page(page, "upgrade-insecure-requests")
    assert {s for s, _ in upgraded} == {S.WARN}


def test_broken_markup_never_raises() -> None:
    for html in ("<scr<ipt src=http://x>", "<!-- unterminated", "<a href='http://x", "\x00\x01<img src=", "<" * 5000):
        parse_page(html, "https://example.test/")


def test_urls_normalised_for_loops() -> None:
    assert normalise("HTTPS://Example.TEST:443/a?b=1#frag") == "https://example.test/a?b=1"
    assert normalise("http://example.test:80") == "http://example.test/"
    assert normalise("https://example.test:8443/") == "https://example.test:8443/"
    assert origin("https://WWW.example.test/x") == "https://www.example.test"


def test_takeover_platforms_and_providers() -> None:
    assert platform_of("flawed-shop.herokuapp.com").name == "Heroku"
    assert platform_of("user.github.io.").name == "GitHub Pages"
    assert platform_of("example.com") is None and platform_of("notgithub.io") is None
    assert provider_from_headers({"CF-RAY": "1-AMS", "server": "cloudflare"}) == "cloudflare"
    assert provider_from_headers({"x-vercel-id": "fra1::abc"}) == "vercel"
    assert provider_from_headers({"via": "1.1 heroku-router"}) == "heroku"
    assert provider_from_headers({"server": "nginx/1.22.1"}) == "nginx"
    assert provider_from_headers({}) is None


def test_tally_precedence() -> None:
    t = Tally()
    t.add(S.ERROR, "b timed out")
    assert t.status is S.ERROR and t.summary("ok").startswith("could not check")
    t.add(S.WARN, "w")
    assert t.status is S.WARN and "could not check: b timed out" in t.summary("ok")
    t.add(S.FAIL, "f")
    assert t.status is S.FAIL and t.summary("ok").startswith("f")
    assert Tally().summary("all good") == "all good"


def test_dns_record_meanings() -> None:
    assert "Cloudflare" in describe("NS", "ada.ns.cloudflare.com.", "a.test", "a.test")
    assert "Vercel" in describe("CNAME", "cname.vercel-dns.com.", "www.a.test", "a.test")
    assert "Google Workspace" in describe("MX", "1 aspmx.l.google.com.", "a.test", "a.test")
    assert describe("TXT", '"v=spf1 " "-all"', "a.test", "a.test").startswith("SPF")
    assert "reject" in describe("TXT", '"v=DMARC1; p=reject"', "_dmarc.a.test", "a.test")
    assert "only letsencrypt.org" in describe("CAA", '0 issue "letsencrypt.org"', "a.test", "a.test")
    assert "Vercel" in describe("A", "76.76.21.21", "a.test", "a.test")


def test_dns_map_markdown() -> None:
    m = DnsMap("a.test", ["127.0.0.1:53"], [HostEntry("a.test", "the apex", [
        DnsRecord("TXT", '"v=spf1 a|b -all"', 300, describe("TXT", '"v=spf1 a|b -all"', "a.test", "a.test"))],
        ["AAAA could not be read: timeout"])], ["shop.a.test is an alias of x.herokuapp.com, which does not exist"],
        "2026-01-01 00:00 UTC")
    text = render_dns_map_markdown(m)
    assert text.startswith("# DNS map — a.test")
    assert "## Needs attention" in text and "herokuapp" in text
    assert "| TXT | `\"v=spf1 a\\|b -all\"` | 300 | SPF" in text
    assert "AAAA could not be read" in text
