"""Property tests: every record parser returns a result or raises its typed parse error, never anything else.

Inputs are arbitrary text plus text built from each grammar's own alphabet (so the parsers get deep, not just
rejected at the version tag). The explainer never raises at all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from launchready_tui.checks.emailauth.context_records import (
    parse_bimi,
    parse_sts_policy,
    parse_sts_record,
    parse_tlsrpt,
)
from launchready_tui.checks.emailauth.dkim import judge_key, parse_dkim_key
from launchready_tui.checks.emailauth.dkim_signature import parse_dkim_signature
from launchready_tui.checks.emailauth.dmarc import lint_dmarc, parse_dmarc, progression
from launchready_tui.checks.emailauth.errors import ParseError
from launchready_tui.checks.emailauth.headers import explain_authentication_results, parse_authentication_results
from launchready_tui.checks.emailauth.spf_macros import MacroError, MacroValues, expand
from launchready_tui.checks.emailauth.spf_syntax import parse_spf

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SPF_PIECES = ["v=spf1", " ", "  ", "+", "-", "~", "?", "all", "a", "mx", "ptr", "ip4:", "ip6:", "include:", "exists:",
              "redirect=", "exp=", ":", "/", "//", "24", "0", "128", "33", "1.2.3.4", "::1", "example.com", ".",
              "%{d}", "%{ir}", "%{l1r-}", "%%", "%_", "%-", "%", "{", "}", "=", "\x00", "\r", "\u00e4", "xn--zckzah"]
DMARC_PIECES = ["v=DMARC1", "V=DMARC1", ";", " ", "p=", "sp=", "np=", "none", "quarantine", "reject", "rua=",
                "ruf=", "mailto:", "a@b.example", ",", "!10m", "adkim=", "aspf=", "r", "s", "pct=", "t=y", "fo=1:d",
                "=", "psd=y", "\u00e4"]
DKIM_PIECES = ["v=DKIM1", ";", " ", "k=", "rsa", "ed25519", "p=", "MIGfMA0GCSqGSIb3DQEBAQUAA4GN", "=", "h=sha256",
               "s=email", "t=y", ":", "AAAA", "\t"]
AR_PIECES = ["mx.example", ";", " ", "spf=pass", "dkim=fail", "dmarc=pass", "(", ")", "\"", "\\", "header.d=",
             "smtp.mailfrom=", "@", "x.example", "reason=", "none", "=", "\n "]


def pieces(alphabet: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(alphabet) | st.text(max_size=3), max_size=30).map("".join)


def _only_typed_errors(parser: Callable[[str], Any], text: str) -> None:
    try:
        parser(text)
    except ParseError:
        pass


@FAST
@given(st.text(max_size=300) | pieces(SPF_PIECES))
def test_spf_parser(text: str) -> None:
    _only_typed_errors(parse_spf, text)


@FAST
@given(st.text(max_size=300) | pieces(DMARC_PIECES))
def test_dmarc_parser_and_linter(text: str) -> None:
    try:
        record = parse_dmarc(text)
    except ParseError:
        return
    lint_dmarc(record, "acme.example")
    progression("acme.example", record, "dmarc@acme.example")


@FAST
@given(st.text(max_size=300) | pieces(DKIM_PIECES))
def test_dkim_key_parser(text: str) -> None:
    try:
        key = parse_dkim_key(text)
    except ParseError:
        return
    judge_key(key, "s._domainkey.acme.example")


@FAST
@given(st.text(max_size=300) | pieces(DKIM_PIECES + ["d=", "s=", "acme.example", "google", "a=rsa-sha256"]))
def test_dkim_signature_parser(text: str) -> None:
    _only_typed_errors(parse_dkim_signature, text)


@FAST
@given(st.text(max_size=300) | pieces(AR_PIECES))
def test_authentication_results_parser(text: str) -> None:
    _only_typed_errors(parse_authentication_results, text)


HEADER_LINES = ["Authentication-Results: ", "DKIM-Signature: ", "From: ", "ARC-Authentication-Results: i=1; ",
                "Received-SPF: ", "\n", "\r\n", " ", "\t"]


@FAST
@given(st.lists(st.sampled_from(HEADER_LINES) | pieces(AR_PIECES + DKIM_PIECES) | st.text(max_size=20),
                max_size=25).map("".join))
def test_explainer_never_raises(text: str) -> None:
    explanation = explain_authentication_results(text)
    assert explanation.headline
    explanation.text()
    explanation.to_json()


@FAST
@given(st.text(max_size=200) | pieces(["v=STSv1", "v=TLSRPTv1", "v=BIMI1", ";", " ", "id=", "rua=", "mailto:",
                                        "https://", "l=", "a=", "x.example", "@", ",", "=", "abc123"]))
def test_context_record_parsers(text: str) -> None:
    for parser in (parse_sts_record, parse_tlsrpt, parse_bimi, parse_sts_policy):
        _only_typed_errors(parser, text)


@FAST
@given(pieces(["version: STSv1", "mode: ", "enforce", "testing", "mx: ", "*.example.com", "max_age: ", "86400",
               "\n", "\r\n", ":", " "]))
def test_sts_policy_parser(text: str) -> None:
    _only_typed_errors(parse_sts_policy, text)


VALUES = MacroValues(sender="a-b@x.example", local="a-b", sender_domain="x.example", domain="x.example",
                     ip=ipaddress.ip_address("2001:db8::1"), helo="h.example")


@FAST
@given(st.text(max_size=100) | pieces(["%{", "}", "%", "d", "i", "l", "p", "c", "r", "t", "2", "r", "-", ".", "+",
                                       "%%", "%_", "%-", "x"]), st.booleans())
def test_macro_expansion(spec: str, explanation: bool) -> None:
    try:
        out = expand(spec, VALUES, explanation=explanation)
    except MacroError:
        return
    assert isinstance(out, str)
