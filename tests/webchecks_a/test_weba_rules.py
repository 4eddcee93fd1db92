"""Pure rules: provider table, header scoring, CSP/HSTS/cookie parsing, CAA and DS matching, RDAP parsing."""

from __future__ import annotations

from launchready_tui.checks.provider_table import load_table, match_headers, provider_of_address


def test_published_ranges_map_addresses_to_providers() -> None:
    assert provider_of_address("104.16.1.1") == "cloudflare"
    assert provider_of_address("2606:4700::6810:1") == "cloudflare"
    assert provider_of_address("151.101.1.69") == "fastly"
    assert provider_of_address("13.32.1.1") == "aws"
    assert provider_of_address("76.76.21.21") == "vercel"
    assert provider_of_address("185.199.110.153") == "github"
    assert provider_of_address("8.8.8.8") is None
    assert provider_of_address("not-an-ip") is None
    assert load_table().ranges_snapshot


def test_header_signatures_keep_every_match() -> None:
    # A Render app answers through Render's own Cloudflare: both are seen, the caveat is applied later.
    signals = match_headers({"x-render-origin-server": "Render", "CF-Ray": "8a1b-AMS", "server": "cloudflare"},
                            "app.example")
    found = {s.provider for s in signals}
    assert found == {"render", "cloudflare"}
    assert any(s.strong for s in signals if s.provider == "cloudflare")
    assert load_table().get("render").edge == "cloudflare"  # type: ignore[union-attr]
