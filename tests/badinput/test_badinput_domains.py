"""What people type as a domain: the message quotes what they typed, not an internal form."""

from __future__ import annotations

import pytest

from launchready_tui.core.project import ProjectError, normalize_domain


def test_a_single_international_name_is_quoted_as_typed() -> None:
    # Before: "'xn--mnchen-3ya' is a single name … like xn--mnchen-3ya.com" for `münchen`.
    with pytest.raises(ProjectError) as info:
        normalize_domain("münchen")
    assert "'münchen' is a single name" in str(info.value) and "xn--" not in str(info.value)


@pytest.mark.parametrize("typed, domain", [
    ("user@acme.example", "acme.example"), ("acme.example:8080", "acme.example"), ("ACME.Example.", "acme.example"),
    ("https://acme.example/login?x=1", "acme.example"), ("ａｃｍｅ.example", "acme.example"),
    ("bücher.example", "xn--bcher-kva.example"),
])
def test_pasted_forms_are_reduced_to_the_domain(typed: str, domain: str) -> None:
    assert normalize_domain(typed)[0] == domain


@pytest.mark.parametrize("typed", ["", "  ", "*.acme.example", "192.0.2.1", "[::1]", "localhost", "a..b",
                                   "a_b.example", "http://", "acme.example\x00"])
def test_what_cannot_be_a_domain_is_a_project_error(typed: str) -> None:
    with pytest.raises(ProjectError):
        normalize_domain(typed)
