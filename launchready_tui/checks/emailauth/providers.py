"""The email provider table (``assets/email_providers.yaml``) and provider inference from DNS.

Providers are recognised from SPF includes, MX hosts and DKIM CNAME targets, so selector discovery can probe
the right selectors even when the founder did not list their senders (checks-email.md §5 step 2).
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Provider:
    id: str
    name: str
    spf_include: str | None = None
    spf_aliases: tuple[str, ...] = ()
    spf_required: bool = False
    spf_on: str | None = None
    spf_subdomain: str | None = None
    dkim_selectors: tuple[str, ...] = ()
    dkim_subdomains: tuple[str, ...] = ()
    dkim_guessable: bool = True
    dkim_why_unguessable: str | None = None
    dkim_targets: tuple[str, ...] = ()
    mx_suffixes: tuple[str, ...] = ()
    mx_records: tuple[str, ...] = ()
    alignment: str = ""
    dkim_setup: str = ""
    sources: tuple[str, ...] = field(default=())

    @property
    def spf_names(self) -> tuple[str, ...]:
        """Every include target that means this provider."""
        return tuple(x for x in (self.spf_include, *self.spf_aliases) if x)

    def setup_text(self, domain: str) -> str:
        return self.dkim_setup.replace("{domain}", domain)

    def mx_for(self, domain: str) -> list[str]:
        dashes = domain.replace(".", "-")
        return [r.replace("{domain_dashes}", dashes) for r in self.mx_records]


@dataclass(frozen=True, slots=True)
class ProviderTable:
    providers: dict[str, Provider]
    generic_selectors: tuple[str, ...]

    def get(self, provider_id: str) -> Provider | None:
        return self.providers.get(provider_id)

    def suggest(self, provider_id: str) -> str | None:
        close = difflib.get_close_matches(provider_id.lower(), list(self.providers), n=1, cutoff=0.6)
        return close[0] if close else None

    def from_spf_include(self, target: str) -> Provider | None:
        t = target.lower().rstrip(".")
        for p in self.providers.values():
            if any(t == n or t.endswith("." + n) for n in p.spf_names):
                return p
        return None

    def from_mx(self, host: str) -> Provider | None:
        h = host.lower().rstrip(".")
        for p in self.providers.values():
            if any(h == s or h.endswith("." + s) for s in p.mx_suffixes):
                return p
        return None

    def from_dkim_target(self, target: str) -> Provider | None:
        t = target.lower().rstrip(".")
        for p in self.providers.values():
            if any(t == s or t.endswith("." + s) for s in p.dkim_targets):
                return p
        return None


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value or []))


@functools.cache
def table() -> ProviderTable:
    path = resources.files("launchready_tui").joinpath("assets", "email_providers.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    providers: dict[str, Provider] = {}
    for pid, raw in (data.get("providers") or {}).items():
        providers[pid] = Provider(
            id=pid, name=str(raw["name"]), spf_include=raw.get("spf_include"),
            spf_aliases=_tuple(raw.get("spf_aliases")), spf_required=bool(raw.get("spf_required", False)),
            spf_on=raw.get("spf_on"), spf_subdomain=raw.get("spf_subdomain"),
            dkim_selectors=_tuple(raw.get("dkim_selectors")), dkim_subdomains=_tuple(raw.get("dkim_subdomains")),
            dkim_guessable=bool(raw.get("dkim_guessable", True)), dkim_why_unguessable=raw.get("dkim_why_unguessable"),
            dkim_targets=_tuple(raw.get("dkim_targets")), mx_suffixes=_tuple(raw.get("mx_suffixes")),
            mx_records=_tuple(raw.get("mx_records")), alignment=str(raw.get("alignment", "")),
            dkim_setup=str(raw.get("dkim_setup", "")), sources=_tuple(raw.get("sources")),
        )
    return ProviderTable(providers, _tuple(data.get("generic_selectors")))
