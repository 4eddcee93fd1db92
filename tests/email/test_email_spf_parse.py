"""SPF grammar and macro expansion, as pure functions (RFC 7208 §4.6, §5, §7 and the §7.4 examples)."""

from __future__ import annotations

import ipaddress

import pytest

from launchready_tui.checks.emailauth.errors import SpfParseError
from launchready_tui.checks.emailauth.spf_macros import MacroError, MacroValues, expand, static_expand, truncate_domain
from launchready_tui.checks.emailauth.spf_syntax import is_spf_record, parse_spf, spf_records


def test_a_typical_record_parses_into_terms() -> None:
    rec = parse_spf("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.acme.example/28//64 "
                    "include:_spf.google.com ~all exp=why.acme.example")
    kinds = [m.kind for m in rec.mechanisms]
    assert kinds == ["ip4", "ip6", "a", "mx", "include", "all"]
    mx = rec.mechanisms[3]
    assert (mx.domain_spec, mx.cidr4, mx.cidr6) == ("mail.acme.example", 28, 64)
    assert str(rec.mechanisms[0].network) == "192.0.2.0/24"
    assert rec.all_mechanism is not None and rec.all_mechanism.result == "softfail"
    assert rec.exp is not None and rec.exp.value == "why.acme.example"
    assert [m.counts_lookup for m in rec.mechanisms] == [False, False, True, True, True, False]


@pytest.mark.parametrize("text", ["v=spf1", "v=SpF1 -all", "V=SPF1 a  -all ", "v=spf1 -ALL"])
def test_version_and_names_are_case_insensitive(text: str) -> None:
    assert is_spf_record(text)
    parse_spf(text)


@pytest.mark.parametrize("text", ["v=spf10", "v=spf1-all", "spf1 -all", "", "v=spf2.0/pra -all"])
def test_not_an_spf_record(text: str) -> None:
    assert not is_spf_record(text)
    with pytest.raises(SpfParseError) as err:
        parse_spf(text)
    assert err.value.code == "spf.not_spf"


def test_every_problem_is_reported_with_its_position() -> None:
    text = "v=spf1 ip4:1.2.3.4/33 include: -all moo"
    with pytest.raises(SpfParseError) as err:
        parse_spf(text)
    problems = err.value.problems
    assert [p.term for p in problems] == ["ip4:1.2.3.4/33", "include:", "moo"]
    assert [p.position for p in problems] == [7, 22, 36]
    assert text[36:39] == "moo"
    assert "2 more" in str(err.value)


@pytest.mark.parametrize("term", [
    "a:foo-bar", "a:abc.123", "a:museum", "a:museum.", "a:example.-com", "a:example.com:8080", "a/33", "a//129",
    "a/24/64", "mx:", "ptr/0", "ptr:", "exists:mail.example.com/24", "exists", "include", "include:ip5.example.com/24",
    "ip4", "ip4:1.2.3", "ip4:1.2.3.4//32", "ip4:1.2.3.4/032", "ip4:01.2.3.4", "ip6", "ip6::CAFE::BABE",
    "ip6:fe80::1%eth0", "-all.", "-all:foo", "-all/8", "redirect:x.example.com", "redirect=", "exp=",
    "exp=%{r}.example.com", "a:%{a}.example.com", "exists:%(ir).sbl.example.com", "exists:foo%.example.com",
    "1up=foo", "=all", "foo=%abc", "moo.cow/far_out=man:dog/cat", "a:foo.example.com\x00", "a:ex\u00e4mple.com",
    "ip4:192.0.2.5\n", "a:%{d0}.example.com",
])
def test_invalid_terms(term: str) -> None:
    with pytest.raises(SpfParseError):
        parse_spf(f"v=spf1 {term} -all")


@pytest.mark.parametrize("term", [
    "a:foo:bar/baz.example.com", "a:foo.example.xn--zckzah", "mx:foo.example.com/24", "a//0", "a/0//0",
    "ip6:::1.1.1.1/0", "ip6:::FFFF:1.2.3.4", "exists:%{ir}.%{l1r+-}._spf.%{d}", "a:%{H}.bar",
    "moo.cow-far_out=man:dog/cat", "default=pass", "a:macro%%percent%_%_space%-url-space.example.com",
    "include:_spfh.%{d2}", "a:example.com.", "?include:x.example.org",
])
def test_valid_terms(term: str) -> None:
    parse_spf(f"v=spf1 {term} -all")


def test_redirect_and_exp_at_most_once() -> None:
    with pytest.raises(SpfParseError) as err:
        parse_spf("v=spf1 redirect=a.example.com -all redirect=a.example.com")
    assert err.value.code == "spf.duplicate_modifier"


def test_record_selection_takes_only_version_one_records() -> None:
    assert spf_records(["v=spf10", "v=spf1 mx", "google-site-verification=x", "v=spf1"]) == ["v=spf1 mx", "v=spf1"]


# ------------------------------------------------------------------------------------------ macros


def _values(ip: str = "192.0.2.3", domain: str = "email.example.com") -> MacroValues:
    return MacroValues(sender="strong-bad@email.example.com", local="strong-bad", sender_domain="email.example.com",
                       domain=domain, ip=ipaddress.ip_address(ip), helo="mx.example.org")


@pytest.mark.parametrize(("spec", "expected"), [
    # RFC 7208 §7.4 examples
    ("%{s}", "strong-bad@email.example.com"),
    ("%{o}", "email.example.com"),
    ("%{d}", "email.example.com"),
    ("%{d4}", "email.example.com"),
    ("%{d3}", "email.example.com"),
    ("%{d2}", "example.com"),
    ("%{d1}", "com"),
    ("%{dr}", "com.example.email"),
    ("%{d2r}", "example.email"),
    ("%{l}", "strong-bad"),
    ("%{l-}", "strong.bad"),
    ("%{lr}", "strong-bad"),
    ("%{lr-}", "bad.strong"),
    ("%{l1r-}", "strong"),
    ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
    ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
    ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
    ("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
    ("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"),
])
def test_rfc_7208_macro_examples(spec: str, expected: str) -> None:
    assert expand(spec, _values()) == expected


def test_rfc_7208_ipv6_example() -> None:
    got = expand("%{ir}.%{v}._spf.%{d2}", _values("2001:db8::cb01"))
    # The RFC prints the nibbles in lower case; DNS names are case-insensitive.
    assert got.lower() == "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"


def test_uppercase_macros_are_url_escaped_and_specials_expand() -> None:
    values = MacroValues(sender="~jack&jill=up-a_b3.c@x.example", local="~jack&jill=up-a_b3.c",
                         sender_domain="x.example", domain="x.example", ip=ipaddress.ip_address("192.0.2.1"),
                         helo="h.example")
    assert expand("%{L}", values) == "~jack%26jill%3Dup-a_b3.c"
    assert expand("a%%b%_c%-d.%{d}", values) == "a%b c%20d.x.example"


def test_explanation_only_letters_and_spaces() -> None:
    v = _values()
    assert expand("from %{c} at %{r}", v, explanation=True) == "from 192.0.2.3 at unknown"
    with pytest.raises(MacroError):
        expand("%{c}.example.com", v)  # c is only allowed in explanations
    with pytest.raises(MacroError):
        expand("The %{x}-files.", v, explanation=True)


def test_long_names_lose_labels_from_the_left() -> None:
    name = ".".join(["a" * 60] * 5) + ".example.com"
    cut = truncate_domain(name)
    assert len(cut) <= 253 and cut.endswith(".example.com") and name.endswith(cut)


def test_static_expansion_knows_only_the_domain() -> None:
    assert static_expand("_spfh.%{d2}", "mail.acme.example") == "_spfh.acme.example"
    assert static_expand("%{i}._spf.%{d}", "acme.example") is None
