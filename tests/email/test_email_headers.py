""""Did it land?": Authentication-Results and DKIM-Signature explained in plain words (pure functions)."""

from __future__ import annotations

import pytest

from launchready_tui.checks.emailauth.dkim_signature import parse_dkim_signature
from launchready_tui.checks.emailauth.errors import HeaderParseError
from launchready_tui.checks.emailauth.headers import (
    alignment,
    explain_authentication_results,
    parse_authentication_results,
    selectors_from_headers,
    split_headers,
)

GMAIL = """Delivered-To: founder@gmail.com
Received: by 2002:a05:6a10:1234 with SMTP id abc;
        Tue, 1 Dec 2026 10:00:00 -0800 (PST)
Authentication-Results: mx.google.com;
       dkim=pass header.i=@acme.example header.s=google header.b=AbCdEf12;
       spf=pass (google.com: domain of bounce@em123.acme.example designates 192.0.2.7 as permitted sender)
 smtp.mailfrom=bounce@em123.acme.example;
       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=acme.example
Authentication-Results: attacker.example; dkim=pass header.d=acme.example
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=acme.example; s=google;
        h=from:to:subject:date; bh=abc=; b=def=
From: "Acme" <hello@acme.example>
To: founder@gmail.com
Subject: Welcome

Hello: this line is in the body and must not be read as a header.
"""

OUTLOOK_FAIL = """Authentication-Results: spf=pass (sender IP is 192.0.2.9)
 smtp.mailfrom=sendgrid.net; dkim=pass (signature was verified)
 header.d=sendgrid.net;dmarc=fail action=quarantine
 header.from=acme.example;compauth=fail reason=000
DKIM-Signature: v=1; a=rsa-sha256; d=sendgrid.net; s=smtpapi; h=from; bh=x=; b=y=
From: hello@acme.example
"""


def test_a_passing_gmail_message() -> None:
    e = explain_authentication_results(GMAIL)
    assert e.verdict == "authenticated" and e.receiver == "mx.google.com" and e.from_domain == "acme.example"
    assert e.spf is not None and (e.spf.result, e.spf.domain, e.spf.aligned) == ("pass", "em123.acme.example",
                                                                                 "relaxed")
    assert [(d.result, d.domain, d.aligned, d.selector) for d in e.dkim] == [("pass", "acme.example", "strict",
                                                                               "google")]
    assert e.dmarc is not None and e.dmarc.passed
    assert e.selectors == [("acme.example", "google")]
    assert any("selector is 'google'" in line for line in e.lines)
    assert any("attacker.example" in n and "not trusted" in n for n in e.notes)
    assert any("relaxed" in n for n in e.notes)
    assert "It landed authenticated" in e.headline


def test_provider_domains_do_not_align() -> None:
    e = explain_authentication_results(OUTLOOK_FAIL)
    assert e.receiver == ""  # Microsoft 365 omits the authserv-id
    assert e.verdict == "failing" and e.dmarc is not None and e.dmarc.result == "fail"
    assert e.spf is not None and e.spf.aligned == "no" and "custom return-path" in e.spf.words
    assert e.dkim[0].aligned == "no" and "domain authentication" in e.dkim[0].words
    assert "quarantine" in e.dmarc.words
    assert selectors_from_headers(OUTLOOK_FAIL, "acme.example") == []  # sendgrid's selector is not yours


def test_no_dmarc_policy_is_at_risk() -> None:
    raw = ("Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=acme.example; dkim=none; dmarc=none "
           "header.from=acme.example\nFrom: a@acme.example\n")
    e = explain_authentication_results(raw)
    assert e.verdict == "at-risk" and "no DMARC policy" in e.headline
    assert any("not signed" in line for line in e.lines)


def test_fallbacks_arc_and_received_spf() -> None:
    arc = ("ARC-Authentication-Results: i=1; mx.example.net; dkim=pass header.d=acme.example header.s=s1; "
           "dmarc=pass header.from=acme.example\nFrom: a@acme.example\n")
    e = explain_authentication_results(arc)
    assert e.found and e.verdict == "authenticated" and any("ARC" in n for n in e.notes)
    received = ("Received-SPF: softfail (example.net: domain of transitioning a@acme.example does not designate "
                "192.0.2.1) client-ip=192.0.2.1; envelope-from=a@acme.example;\nFrom: a@acme.example\n")
    e = explain_authentication_results(received)
    assert e.spf is not None and e.spf.result == "softfail" and e.spf.domain == "acme.example"


@pytest.mark.parametrize("text", ["", "hello world", "From: nobody\n\nbody", "Subject: x\nX-Auth: y"])
def test_no_headers_found(text: str) -> None:
    e = explain_authentication_results(text)
    assert not e.found and e.verdict == "unknown" and "paste the full headers" in e.headline


def test_parse_authentication_results_details() -> None:
    ar = parse_authentication_results('mx.example.net 1; spf=fail reason="not permitted (really)" '
                                      "smtp.mailfrom=x@y.example (comment); dkim=pass header.d=y.example")
    assert ar.authserv_id == "mx.example.net"
    spf = ar.first("spf")
    assert spf is not None and spf.reason == "not permitted (really)" and spf.prop("smtp.mailfrom") == "x@y.example"
    assert parse_authentication_results("mx.example.net; none").results == ()
    with pytest.raises(HeaderParseError):
        parse_authentication_results("mx.example.net; spf")
    with pytest.raises(HeaderParseError):
        parse_authentication_results("   (only a comment)   ")


def test_dkim_signature_fields() -> None:
    sig = parse_dkim_signature("v=1; a=rsa-sha256; d=Mail.Acme.Example; s=s1; l=120; t=1700000000; h=from : to")
    assert (sig.domain, sig.selector, sig.body_length, sig.timestamp, sig.signed_headers) == (
        "mail.acme.example", "s1", 120, 1700000000, ("from", "to"))
    assert sig.key_name == "s1._domainkey.mail.acme.example"
    with pytest.raises(HeaderParseError):
        parse_dkim_signature("v=1; a=rsa-sha256; s=s1")


def test_folding_and_alignment_helpers() -> None:
    fields = split_headers("A: 1\r\n  continued\r\nB:2\nnot a header\n\tstray\nC: 3\n")
    assert [(f.name, f.value) for f in fields] == [("A", "1 continued"), ("B", "2"), ("C", "3")]
    assert alignment("mail.acme.example", "acme.example") == "relaxed"
    assert alignment("acme.example", "ACME.example.") == "strict"
    assert alignment("sendgrid.net", "acme.example") == "no"
    assert alignment(None, "acme.example") is None
