"""MX (RFC 5321/7505) over a real DNS server, and the MTA-STS, TLS-RPT and BIMI parsers."""

from __future__ import annotations

from typing import Any

import pytest
from emailtest_support import email_dns, serve_zones

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.email_mx import mx_outcome, tls_rpt_outcome
from launchready_tui.checks.emailauth.context_records import (
    looks_like_svg_tiny_ps,
    mx_matches,
    parse_bimi,
    parse_sts_policy,
    parse_sts_record,
    parse_tlsrpt,
    sts_policy_text,
)
from launchready_tui.checks.emailauth.errors import ContextRecordError
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project

ZONES = {
    "good.example": "@ MX 10 mx1.good.example.\n@ MX 20 mx2.good.example.\nmx1 A 192.0.2.10\nmx2 AAAA 2001:db8::10",
    "null.example": "@ MX 0 .\n@ A 192.0.2.1",
    "nullplus.example": "@ MX 0 .\n@ MX 10 mx.good.example.",
    "nomx.example": "@ A 192.0.2.1",
    "cname.example": "@ MX 10 mail.cname.example.\nmail CNAME mx1.good.example.",
    "broken.example": "@ MX 10 gone.broken.example.\n@ MX 20 noaddr.broken.example.\nnoaddr TXT \"x\"",
    "dupe.example": "@ MX 10 mx1.good.example.\n@ MX 20 mx1.good.example.",
    "literal.example": "@ MX 10 192.0.2.1.",
    "tls.example": '_smtp._tls TXT "v=TLSRPTv1; rua=mailto:tls@tls.example,https://r.example/tls"',
    "badtls.example": '_smtp._tls TXT "v=TLSRPTv1; rua=tls@badtls.example"',
}


def _ctx(server: Any, domain: str, **email: Any) -> CheckContext:
    project = Project(domain=domain)
    for key, value in email.items():
        setattr(project.email, key, value)
    return CheckContext(project=project, resolver=email_dns(server).resolver, http=None,  # type: ignore[arg-type]
                        options=CheckOptions())


@pytest.mark.parametrize(("domain", "status", "code", "email"), [
    ("good.example", Status.PASS, None, {}),
    ("null.example", Status.PASS, "mx.null_sending", {}),
    ("null.example", Status.PASS, None, {"sends_mail": False}),
    ("nullplus.example", Status.FAIL, "mx.null_with_others", {}),
    ("nomx.example", Status.WARN, "mx.implicit", {}),
    ("cname.example", Status.WARN, "mx.cname", {}),
    ("broken.example", Status.FAIL, "mx.host_missing", {}),
    ("broken.example", Status.FAIL, "mx.no_address", {}),
    ("dupe.example", Status.PASS, "mx.duplicate", {}),
    ("literal.example", Status.FAIL, "mx.ip_literal", {}),
])
async def test_mx_cases(domain: str, status: Status, code: str | None, email: dict[str, Any]) -> None:
    async with serve_zones(ZONES) as server:
        out = await mx_outcome(_ctx(server, domain, **email), email_dns(server))
    assert out.status is status, out.summary
    codes = [f["code"] for f in out.evidence["findings"]]
    if code is None:
        assert codes == []
    else:
        assert code in codes


async def test_mx_fix_points_at_the_mailbox_provider() -> None:
    async with serve_zones(ZONES) as server:
        out = await mx_outcome(_ctx(server, "broken.example", senders=["google-workspace"]), email_dns(server))
        parked = await mx_outcome(_ctx(server, "nomx.example", sends_mail=False), email_dns(server))
    assert out.fix is not None and "broken.example.  MX  1 smtp.google.com." in out.fix
    assert parked.fix is not None and "nomx.example.  MX  0 ." in parked.fix


async def test_mx_timeout_is_error() -> None:
    async with serve_zones(ZONES) as server:
        server.set_fault("good.example", mode="timeout")
        out = await mx_outcome(_ctx(server, "good.example"), email_dns(server, timeout=0.3))
    assert out.status is Status.ERROR and out.summary.startswith("could not check MX")


async def test_tls_rpt_over_dns() -> None:
    async with serve_zones(ZONES) as server:
        ok = await tls_rpt_outcome(_ctx(server, "tls.example"), email_dns(server))
        bad = await tls_rpt_outcome(_ctx(server, "badtls.example"), email_dns(server))
        absent = await tls_rpt_outcome(_ctx(server, "good.example"), email_dns(server))
    assert ok.status is Status.PASS and ok.evidence["rua"] == ["mailto:tls@tls.example", "https://r.example/tls"]
    assert bad.status is Status.WARN and bad.fix is not None
    assert "v=TLSRPTv1; rua=mailto:tls-reports@badtls.example" in bad.fix
    assert absent.status is Status.PASS and "not set up" in absent.summary


# ---------------------------------------------------------------------------------------------- parsers


def test_sts_record_and_policy() -> None:
    assert parse_sts_record("v=STSv1; id=20260101T000000;").id == "20260101T000000"
    for bad in ("v=STSv1;", "v=STSv1; id=way-too-long-and-dashed", "id=1; v=STSv1", "v=STSv2; id=1"):
        with pytest.raises(ContextRecordError):
            parse_sts_record(bad)
    policy = parse_sts_policy("version: STSv1\r\nmode: enforce\r\nmx: *.mail.example\r\nmx: mx.example\r\n"
                              "max_age: 3600\r\n")
    assert policy.mode == "enforce" and policy.covers("a.mail.example") and not policy.covers("a.b.mail.example")
    assert policy.covers("MX.example.") and policy.warnings
    for bad in ("mode: enforce\nmx: a.example\nmax_age: 1", "version: STSv1\nmode: on\nmax_age: 1",
                "version: STSv1\nmode: enforce\nmax_age: 1", "version: STSv1\nmode: testing\nmx: a.example\n"
                "max_age: 99999999999", "version: STSv1\nmode: none\nmax_age: x", "version STSv1"):
        with pytest.raises(ContextRecordError):
            parse_sts_policy(bad)
    text = sts_policy_text(["mx1.example.", "mx2.example"])
    assert parse_sts_policy(text).mx == ("mx1.example", "mx2.example")
    assert mx_matches("*.example.com", "mx.example.com") and not mx_matches("*.example.com", "example.com")


def test_tlsrpt_and_bimi_records() -> None:
    assert parse_tlsrpt("v=TLSRPTv1;rua=mailto:a@b.example").rua == ("mailto:a@b.example",)
    for bad in ("v=TLSRPTv1", "v=TLSRPTv1; rua=a@b.example", "v=TLSRPTv1; rua=ftp://x.example", "rua=mailto:a@b.c"):
        with pytest.raises(ContextRecordError):
            parse_tlsrpt(bad)
    good = parse_bimi("v=BIMI1; l=https://acme.example/logo.svg; a=https://acme.example/vmc.pem")
    assert good.problems == () and good.logo == "https://acme.example/logo.svg"
    flawed = parse_bimi("v=BIMI1; l=http://flawed.test/logo.png;")
    assert len(flawed.problems) == 2
    assert parse_bimi("v=BIMI1; l=;").logo is None  # a declination record
    assert looks_like_svg_tiny_ps(b'<svg version="1.2" baseProfile="tiny-ps"></svg>') is None
    assert looks_like_svg_tiny_ps(b"\x89PNG....") == "the logo is not an SVG document"
    assert "tiny-ps" in (looks_like_svg_tiny_ps(b"<svg></svg>") or "")
