"""The provider table (``assets/providers.yaml``) loaded once, and pure matchers over it.

Each matcher turns one observation (a response's headers, a nameserver name, a CNAME target, an
address, a registrar name) into ``Signal``s: which provider, through which layer, and why. No I/O
here: ``checks/providers.py`` gathers the observations.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Provider:
    id: str
    name: str
    roles: frozenset[str]
    headers: tuple[tuple[str, re.Pattern[str] | None], ...] = ()
    strong: frozenset[str] = frozenset()
    cookies: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    ns: tuple[re.Pattern[str], ...] = ()
    soa: tuple[re.Pattern[str], ...] = ()
    cname: tuple[re.Pattern[str], ...] = ()
    ranges: tuple[Network, ...] = ()
    edge: str | None = None  # the vendor whose edge this platform always sits behind

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class Signal:
    provider: str
    layer: str  # "dns" (NS/SOA), "cname", "ip", "http", "cookie", "body", "rdap"
    detail: str  # plain words: "header cf-ray on good.test"
    host: str = ""
    strong: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "layer": self.layer, "detail": self.detail, "host": self.host}


@dataclass(frozen=True, slots=True)
class ProviderTable:
    providers: dict[str, Provider]
    registrars: tuple[tuple[re.Pattern[str], str], ...]
    disclosure_headers: tuple[str, ...]
    ranges_snapshot: str = ""
    _by_role: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, provider_id: str | None) -> Provider | None:
        return self.providers.get(provider_id or "")

    def name(self, provider_id: str | None) -> str:
        p = self.get(provider_id)
        return p.name if p else (provider_id or "unknown")


def _patterns(values: Iterable[str] | None) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(v, re.IGNORECASE) for v in (values or ()))


def _provider(pid: str, raw: Mapping[str, Any]) -> Provider:
    headers = tuple(
        (str(k).lower(), re.compile(str(v), re.IGNORECASE) if v else None)
        for k, v in (raw.get("headers") or {}).items()
    )
    return Provider(
        id=pid,
        name=str(raw.get("name", pid)),
        roles=frozenset(raw.get("roles") or ()),
        headers=headers,
        strong=frozenset(str(s).lower() for s in raw.get("strong") or ()),
        cookies=tuple(str(c) for c in raw.get("cookies") or ()),
        body=tuple(str(b) for b in raw.get("body") or ()),
        ns=_patterns(raw.get("ns")),
        soa=_patterns(raw.get("soa")),
        cname=_patterns(raw.get("cname")),
        ranges=tuple(ipaddress.ip_network(r, strict=False) for r in raw.get("ranges") or ()),
        edge=raw.get("edge"),
    )


@functools.cache
def load_table() -> ProviderTable:
    text = resources.files("launchready_tui").joinpath("assets", "providers.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    providers = {pid: _provider(pid, raw or {}) for pid, raw in (data.get("providers") or {}).items()}
    registrars = tuple(
        (re.compile(str(r["match"]), re.IGNORECASE), str(r["id"])) for r in data.get("registrars") or ()
    )
    return ProviderTable(providers, registrars, tuple(data.get("disclosure_headers") or ()),
                         str(data.get("ranges_snapshot", "")))


# -- matchers ---------------------------------------------------------------------------------------


def match_headers(headers: Mapping[str, str] | Any, host: str, table: ProviderTable | None = None) -> list[Signal]:
    """Signals from one response's headers (``httpx.Headers`` or a plain mapping, names any case)."""
    table = table or load_table()
    lowered: dict[str, list[str]] = {}
    items = headers.multi_items() if hasattr(headers, "multi_items") else headers.items()
    for k, v in items:
        lowered.setdefault(str(k).lower(), []).append(str(v))
    out: list[Signal] = []
    for p in table.providers.values():
        for name, pattern in p.headers:
            values = lowered.get(name)
            if not values:
                continue
            hit = next((v for v in values if pattern is None or pattern.search(v)), None)
            if hit is None:
                continue
            shown = name if pattern is None else f"{name}: {hit[:60]}"
            out.append(Signal(p.id, "http", f"header {shown} on {host}", host, strong=name in p.strong))
    return out


def match_cookies(names: Iterable[str], host: str, table: ProviderTable | None = None) -> list[Signal]:
    table = table or load_table()
    out: list[Signal] = []
    for cookie in names:
        for p in table.providers.values():
            for pattern in p.cookies:
                hit = cookie.startswith(pattern[:-1]) if pattern.endswith("*") else cookie == pattern
                if hit:
                    out.append(Signal(p.id, "cookie", f"cookie {cookie} on {host}", host))
    return out


def match_body(text: str, host: str, table: ProviderTable | None = None) -> list[Signal]:
    table = table or load_table()
    head = text[:65536]
    return [Signal(p.id, "body", f"page text {marker!r} on {host}", host)
            for p in table.providers.values() for marker in p.body if marker in head]


def _match_names(names: Iterable[str], attr: str, layer: str, what: str, host: str,
                 table: ProviderTable) -> list[Signal]:
    out: list[Signal] = []
    for raw in names:
        name = raw.lower().rstrip(".")
        for p in table.providers.values():
            if any(pattern.search(name) for pattern in getattr(p, attr)):
                out.append(Signal(p.id, layer, f"{what} {name}", host))
    return out


def match_nameservers(names: Iterable[str], domain: str, table: ProviderTable | None = None) -> list[Signal]:
    return _match_names(names, "ns", "dns", "nameserver", domain, table or load_table())


def match_soa(primary: str, domain: str, table: ProviderTable | None = None) -> list[Signal]:
    return _match_names([primary], "soa", "dns", "SOA primary", domain, table or load_table())


def match_cnames(targets: Iterable[str], host: str, table: ProviderTable | None = None) -> list[Signal]:
    return _match_names(targets, "cname", "cname", f"{host} is a CNAME to", host, table or load_table())


def provider_of_address(address: str, table: ProviderTable | None = None) -> str | None:
    """The provider whose published ranges hold ``address``, or None (also for bad input)."""
    table = table or load_table()
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    for p in table.providers.values():
        if any(ip.version == net.version and ip in net for net in p.ranges):
            return p.id
    return None


def match_addresses(addresses: Iterable[str], host: str, table: ProviderTable | None = None) -> list[Signal]:
    table = table or load_table()
    out: list[Signal] = []
    for address in addresses:
        pid = provider_of_address(address, table)
        if pid is not None:
            out.append(Signal(pid, "ip", f"{host} resolves to {address}, in {table.name(pid)}'s published ranges",
                              host))
    return out


def registrar_id(name: str | None, table: ProviderTable | None = None) -> str | None:
    if not name:
        return None
    table = table or load_table()
    return next((pid for pattern, pid in table.registrars if pattern.search(name)), None)


_VERSION = re.compile(r"\d+\.\d+")


def disclosures(headers: Mapping[str, str] | Any, table: ProviderTable | None = None) -> list[str]:
    """Headers that reveal software and versions (``server: nginx/1.18.0 (Ubuntu)``, ``x-powered-by``)."""
    table = table or load_table()
    out: list[str] = []
    for name in table.disclosure_headers:
        value = headers.get(name)
        if not value:
            continue
        if name == "server" and not _VERSION.search(value):
            continue  # "server: cloudflare" names the vendor but reveals nothing exploitable
        out.append(f"{name}: {value[:80]}")
    return out
