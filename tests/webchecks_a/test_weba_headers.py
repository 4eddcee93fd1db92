"""http.security_headers, http.hsts, http.cookies against the lab's good and flawed hosts."""

from __future__ import annotations

import json

import pytest

from launchready_tui.checks import headers
from launchready_tui.core.model import Impact, Status

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_security_headers_good_scores_a_plus(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        out = await headers.http_security_headers(ctx)
    assert out.status is Status.PASS, out.summary
    assert out.evidence["score"] >= 100 and out.evidence["grade"] == "A+"
    page = out.evidence["pages"][0]
    results = {m["test"]: m["result"] for m in page["modifiers"]}
    assert results["x-frame-options"] == "x-frame-options-implemented-via-csp"
    assert results["strict-transport-security"] == "hsts-implemented-max-age-at-least-six-months"
    assert results["referrer-policy"] == "referrer-policy-private"


async def test_security_headers_flawed_fails_with_points_lost_per_header(lab_ctx) -> None:
    async with lab_ctx("flawed.test") as ctx:
        out = await headers.http_security_headers(ctx)
    assert out.status is Status.FAIL and out.impact is Impact.SECURITY
    lost = {m["test"]: m["points"] for m in out.evidence["pages"][0]["modifiers"] if m["points"] < 0}
    assert lost == {"content-security-policy": -25, "strict-transport-security": -20, "x-frame-options": -20,
                    "x-content-type-options": -5}
    assert out.evidence["score"] == 30
    assert "(-25)" in out.summary
    # the nginx variant with the exact lines to add
    assert out.fix and 'add_header Content-Security-Policy "default-src' in out.fix and "always;" in out.fix


async def test_hsts_good_passes_with_redirect_hops_checked(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        out = await headers.http_hsts(ctx)
    assert out.status is Status.PASS, out.summary
    www = out.evidence["hosts"]["www.good.test"]["hops"]
    assert www[0]["status"] == 301 and www[0]["hsts"]["max_age"] == 63072000  # HSTS on the redirect too
    assert out.evidence["subdomains_without_https"] == []
    assert any("preload" in n for n in out.evidence["notes"])


async def test_hsts_flawed_fails_with_provider_fix(lab_ctx) -> None:
    async with lab_ctx("flawed.test") as ctx:
        out = await headers.http_hsts(ctx)
    assert out.status is Status.FAIL and out.impact is Impact.SECURITY
    assert out.fix and 'add_header Strict-Transport-Security "max-age=31536000" always;' in out.fix


async def test_hsts_include_subdomains_warns_when_a_subdomain_has_no_https(lab, lab_ctx) -> None:
    # origin.good.test:443 is routed to the lab's plain-HTTP port: no TLS there, so includeSubDomains locks it out
    net = lab.project_dict("good.test")["network"]
    net["connect_to"] = [f"origin.good.test:443:127.0.0.1:{lab.http_port}", *net["connect_to"]]
    async with lab_ctx("good.test", subdomains=["app", "origin", "nope"], network=net) as ctx:
        out = await headers.http_hsts(ctx)
    assert out.status is Status.WARN and out.impact is Impact.SECURITY
    assert out.evidence["subdomains_without_https"] == ["origin.good.test"]
    assert "includeSubDomains is set, but origin.good.test does not work over HTTPS" in out.summary
    assert out.fix and "includeSubDomains" not in out.fix.split("\n")[0]  # the suggested value drops it


async def test_cookies_good_pass_and_never_store_values(lab_ctx) -> None:
    async with lab_ctx("good.test") as ctx:
        out = await headers.http_cookies(ctx)
    assert out.status is Status.PASS, out.summary
    names = {c["name"] for c in out.evidence["cookies"]}
    assert {"session", "csrftoken"} <= names
    assert "https://api.good.test/v1/login" in out.evidence["login_requests"]
    blob = json.dumps(out.evidence)
    assert "token" not in blob.replace("csrftoken", "")  # no cookie or login-token value leaks into evidence


async def test_cookies_flawed_fail_as_broken_login_first(lab_ctx) -> None:
    async with lab_ctx("flawed.test") as ctx:
        out = await headers.http_cookies(ctx)
    assert out.status is Status.FAIL and out.impact is Impact.BROKEN_LOGIN
    assert out.summary.startswith("browsers drop some of your cookies")
    assert "prefs: SameSite=None without Secure" in out.summary
    texts = [p["text"] for p in out.evidence["problems"]]
    assert any("no HttpOnly" in t for t in texts) and any("no Secure" in t for t in texts)
    assert any(p["browser_rejects"] for p in out.evidence["problems"])
