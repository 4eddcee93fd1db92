"""curl-style --resolve / --connect-to / --nameserver parsing (pure, no network)."""

from __future__ import annotations

import pytest

from launchready_tui.net.overrides import NetworkOverrides, OverrideError, parse_nameserver


def test_connect_to_routes_only_the_matching_host_and_port() -> None:
    o = NetworkOverrides.parse(connect_to=["acme.test:443:127.0.0.1:8443", "::127.0.0.2:9000"])
    assert o.route("acme.test", 443) == ("127.0.0.1", 8443)
    assert o.route("ACME.test.", 443) == ("127.0.0.1", 8443)  # case and trailing dot do not matter
    assert o.route("acme.test", 80) == ("127.0.0.2", 9000)  # empty HOST1/PORT1 match anything, as in curl
    assert o.routes_all_to_loopback()


def test_resolve_pins_addresses_per_host_and_port() -> None:
    o = NetworkOverrides.parse(resolve=["acme.test:443:127.0.0.1,[::1]"])
    assert o.pinned("acme.test", 443) == ["127.0.0.1", "::1"]
    assert o.pinned("acme.test", 80) is None


@pytest.mark.parametrize(
    ("resolve", "connect_to", "message"),
    [
        (["acme.test:443"], [], "expected 3"),
        (["acme.test:https:127.0.0.1"], [], "not a number"),
        (["acme.test:443:not-an-ip"], [], "not an IP"),
        ([], ["a:443:b"], "expected 4"),
        ([], ["a:443:b:70000"], "out of range"),
        ([], ["a:443::8443"], "target host is empty"),
    ],
)
def test_malformed_values_name_the_option(resolve: list[str], connect_to: list[str], message: str) -> None:
    with pytest.raises(OverrideError, match=message):
        NetworkOverrides.parse(resolve, connect_to)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1", ("127.0.0.1", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:53", ("::1", 53)),
     ("::1", ("::1", 53))],
)
def test_nameserver_forms(text: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["", "ns1.example.com", "127.0.0.1:99999"])
def test_bad_nameserver(text: str) -> None:
    with pytest.raises(OverrideError):
        parse_nameserver(text)
