"""``domain.registration``: registrar, expiry and registry status over RDAP (RFC 9082/9083, bootstrap RFC 9224).

Our own small client on the shared HTTP client, not a library: ``whodap`` now pulls the ``httpx2``
fork and ``asyncwhois`` pulls ``tldextract`` (runtime PSL download) and requests (checks-web.md §4).

Bootstrap: IANA's ``dns.json`` maps TLDs to registry RDAP base URLs. A copy ships in
``assets/rdap/dns.json``; when it is older than a day we try to refresh it from IANA once and cache the
answer in the user cache dir (24 h). Overrides, for projects and tests (the lab serves a stand-in RDAP
at https://rdap.lab.test/), under the project file's top-level ``rdap:`` key or ``CheckOptions.extra["rdap"]``
(the latter wins)::

    rdap:
      bootstrap: https://rdap.lab.test/bootstrap/dns.json   # a URL or a file path in dns.json shape
      servers: {test: "https://rdap.lab.test/"}             # TLD -> base URL, checked first
      refresh: false                                         # never contact IANA

With ``bootstrap`` or ``refresh: false`` set, IANA is never contacted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.core.model import Impact, Outcome, Status
from launchready_tui.net.http import FetchError

IANA_BOOTSTRAP_URL = "https://data.iana.org/rdap/dns.json"
CACHE_TTL_S = 24 * 3600
RDAP_TIMEOUT_S = 8.0
WARN_DAYS = 60
FAIL_DAYS = 14
RDAP_ACCEPT = "application/rdap+json, application/json;q=0.9"
# Registry statuses (RFC 8056 mapping of EPP) that mean the domain is being taken away or is off the air.
STATUS_DOWN = {"client hold": "your registrar has put the domain on hold: it does not resolve",
               "server hold": "the registry has put the domain on hold: it does not resolve",
               "pending delete": "the domain is about to be deleted",
               "redemption period": "the domain has expired and is in its redemption period"}
STATUS_AUTO_RENEW = "auto renew period"


class RdapError(Exception):
    def __init__(self, message: str, *, unmeasured: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.unmeasured = unmeasured


@dataclass(slots=True)
class Bootstrap:
    servers: dict[str, list[str]]  # tld (lower-case, ASCII) -> base URLs
    source: str
    publication: str = ""

    def base_urls(self, domain: str) -> tuple[str, list[str]] | None:
        """Longest-suffix match (RFC 9224 §4): ``co.uk`` entries win over ``uk``."""
        labels = domain.lower().rstrip(".").split(".")
        for i in range(1, len(labels)):
            suffix = ".".join(labels[i:])
            if suffix in self.servers:
                return suffix, self.servers[suffix]
        return None


@dataclass(slots=True)
class Registration:
    domain: str
    url: str
    registrar: str | None = None
    registrar_iana_id: str | None = None
    registered: dt.datetime | None = None
    expires: dt.datetime | None = None
    last_changed: dt.datetime | None = None
    statuses: list[str] = field(default_factory=list)
    delegation_signed: bool | None = None
    nameservers: list[str] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)  # registrar RDAP followed for a thin registry
    bootstrap_source: str = ""

    def days_left(self, now: dt.datetime | None = None) -> float | None:
        if self.expires is None:
            return None
        return (self.expires - (now or dt.datetime.now(dt.UTC))).total_seconds() / 86400

    def to_evidence(self) -> dict[str, Any]:
        days = self.days_left()
        return {
            "domain": self.domain, "rdap_url": self.url, "registrar": self.registrar,
            "registrar_iana_id": self.registrar_iana_id,
            "registered": self.registered.isoformat() if self.registered else None,
            "expires": self.expires.isoformat() if self.expires else None,
            "days_left": round(days, 1) if days is not None else None,
            "last_changed": self.last_changed.isoformat() if self.last_changed else None,
            "statuses": self.statuses, "dnssec_delegation_signed": self.delegation_signed,
            "nameservers": self.nameservers, "followed": self.followed, "bootstrap": self.bootstrap_source,
        }


# -- settings and bootstrap ---------------------------------------------------------------------------


def rdap_settings(ctx: CheckContext) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for source in (ctx.project.extra.get("rdap"), ctx.options.extra.get("rdap")):
        if isinstance(source, dict):
            merged.update(source)
    return merged


def parse_bootstrap(data: Any, source: str) -> Bootstrap:
    """IANA's shape: ``{"services": [[[tld, ...], [url, ...]], ...]}``; https URLs first."""
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        raise RdapError(f"the RDAP bootstrap from {source} is not in IANA's dns.json shape")
    servers: dict[str, list[str]] = {}
    for entry in data["services"]:
        if not (isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[0], list)
                and isinstance(entry[1], list)):
            continue
        urls = sorted((str(u) for u in entry[1] if isinstance(u, str)),
                      key=lambda u: not u.lower().startswith("https://"))
        for tld in entry[0]:
            if isinstance(tld, str) and urls:
                servers[tld.lower().rstrip(".")] = urls
    return Bootstrap(servers, source, str(data.get("publication", "")))


@functools.cache
def bundled_bootstrap() -> Bootstrap:
    text = resources.files("launchready_tui").joinpath("assets", "rdap", "dns.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return parse_bootstrap(data, f"bundled IANA copy of {data.get('publication', '?')[:10]}")


def _cache_file() -> Path:
    import platformdirs  # light, but only needed here

    return Path(platformdirs.user_cache_dir("launchready")) / "rdap-dns.json"


def _read_cache(max_age: float | None) -> Bootstrap | None:
    path = _cache_file()
    try:
        if max_age is not None and time.time() - path.stat().st_mtime > max_age:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        return parse_bootstrap(data, f"IANA copy cached {when:%Y-%m-%d}")
    except (OSError, ValueError, RdapError):
        return None


def _write_cache(body: bytes) -> None:
    path = _cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rdap-")
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache dir only costs a refresh next time


async def _fetch_json(ctx: CheckContext, url: str, what: str) -> tuple[Any, bytes]:
    try:
        response = await ctx.http.fetch(url, headers={"accept": RDAP_ACCEPT}, timeout=RDAP_TIMEOUT_S,
                                        body_cap=2 * 1024 * 1024)
    except FetchError as exc:
        raise RdapError(f"could not reach {what}: {exc.message}") from None
    if response.status == 404:
        raise RdapError(f"{what} has no record of it (HTTP 404)", unmeasured=True)
    if response.status == 429:
        raise RdapError(f"{what} is rate-limiting us (HTTP 429); try again in a few minutes")
    if response.status >= 400:
        raise RdapError(f"{what} answered HTTP {response.status}")
    if response.truncated:
        raise RdapError(f"{what} sent more than 2 MiB, which is not an RDAP answer")
    try:
        return json.loads(response.body.decode("utf-8")), response.body
    except (UnicodeDecodeError, ValueError):
        raise RdapError(f"{what} did not answer with RDAP JSON") from None


async def load_bootstrap(ctx: CheckContext) -> Bootstrap:
    settings = rdap_settings(ctx)
    source = settings.get("bootstrap")
    if source:
        source = str(source)
        if source.startswith(("https://", "http://")):
            data, _ = await _fetch_json(ctx, source, f"the RDAP bootstrap at {source}")
            boot = parse_bootstrap(data, source)
        else:
            path = ctx.resolve_path(source)
            try:
                text = await asyncio.to_thread(Path(str(path)).read_text, encoding="utf-8")
                boot = parse_bootstrap(json.loads(text), str(path))
            except (OSError, ValueError) as exc:
                raise RdapError(f"could not read the RDAP bootstrap file {path}: {exc}") from None
    elif settings.get("refresh", True) is False:
        boot = _read_cache(None) or bundled_bootstrap()
    else:
        boot = _read_cache(CACHE_TTL_S) or await _refresh_from_iana(ctx)
    extra = settings.get("servers") or {}
    if isinstance(extra, dict) and extra:
        servers = dict(boot.servers)
        servers.update({str(k).lower().strip("."): [str(v)] for k, v in extra.items()})
        boot = Bootstrap(servers, f"{boot.source} + project rdap.servers", boot.publication)
    return boot


async def _refresh_from_iana(ctx: CheckContext) -> Bootstrap:
    try:
        data, body = await _fetch_json(ctx, IANA_BOOTSTRAP_URL, "IANA")
        boot = parse_bootstrap(data, f"IANA, fetched {dt.datetime.now(dt.UTC):%Y-%m-%d}")
    except RdapError:
        return _read_cache(None) or bundled_bootstrap()  # offline: a stale copy beats none
    _write_cache(body)
    return boot


# -- registrable domain and parsing -------------------------------------------------------------------


@functools.cache
def _icann_psl() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)


def registrable_domain(host: str) -> str:
    """The ICANN registrable domain: with private suffixes, ``myapp.vercel.app`` would stay whole."""
    host = host.lower().rstrip(".")
    try:
        return _icann_psl().privatesuffix(host) or host
    except Exception:  # the PSL library raises on odd input; the name itself is the best guess
        return host


def _date(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _vcard_fn(entity: dict[str, Any]) -> str | None:
    card = entity.get("vcardArray")
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        for prop in card[1]:
            if isinstance(prop, list) and len(prop) >= 4 and prop[0] == "fn" and isinstance(prop[3], str):
                return prop[3].strip() or None
    return None


def _registrar(data: dict[str, Any]) -> tuple[str | None, str | None]:
    for entity in data.get("entities") or []:
        if isinstance(entity, dict) and "registrar" in (entity.get("roles") or []):
            iana = next((str(p.get("identifier")) for p in entity.get("publicIds") or []
                         if isinstance(p, dict) and "IANA" in str(p.get("type", ""))), None)
            return _vcard_fn(entity) or entity.get("handle"), iana
    return None, None


def _related(data: dict[str, Any], current: str) -> str | None:
    for link in data.get("links") or []:
        if not isinstance(link, dict) or link.get("rel") != "related":
            continue
        href = str(link.get("href", ""))
        kind = str(link.get("type", "application/rdap+json"))
        if href.startswith("https://") and "rdap" in kind and href.rstrip("/") != current.rstrip("/"):
            return href
    return None


def apply_rdap(reg: Registration, data: dict[str, Any]) -> None:
    """Fill ``reg`` from one RDAP domain object; fields already known are kept (registry wins)."""
    if data.get("objectClassName") not in (None, "domain"):
        raise RdapError(f"the RDAP answer describes a {data.get('objectClassName')}, not a domain")
    name, iana = _registrar(data)
    reg.registrar = reg.registrar or name
    reg.registrar_iana_id = reg.registrar_iana_id or iana
    for event in data.get("events") or []:
        if not isinstance(event, dict):
            continue
        action, when = str(event.get("eventAction", "")).lower(), _date(event.get("eventDate"))
        if action == "expiration" and reg.expires is None:
            reg.expires = when
        elif action == "registration" and reg.registered is None:
            reg.registered = when
        elif action == "last changed" and reg.last_changed is None:
            reg.last_changed = when
    for status in data.get("status") or []:
        if isinstance(status, str) and status.lower() not in reg.statuses:
            reg.statuses.append(status.lower())
    secure = data.get("secureDNS")
    if isinstance(secure, dict) and isinstance(secure.get("delegationSigned"), bool) and reg.delegation_signed is None:
        reg.delegation_signed = secure["delegationSigned"]
    if not reg.nameservers:
        reg.nameservers = [str(ns.get("ldhName", "")).lower() for ns in data.get("nameservers") or []
                           if isinstance(ns, dict) and ns.get("ldhName")]


async def _lookup(ctx: CheckContext, domain: str) -> Registration:
    boot = await load_bootstrap(ctx)
    found = boot.base_urls(domain)
    if found is None:
        tld = domain.rsplit(".", 1)[-1]
        raise RdapError(f"the .{tld} registry publishes no RDAP service (bootstrap: {boot.source})",
                        unmeasured=False)
    _suffix, bases = found
    base = bases[0] if bases[0].endswith("/") else bases[0] + "/"
    url = f"{base}domain/{quote(domain)}"
    data, _ = await _fetch_json(ctx, url, f"the registry's RDAP server ({urlsplit(base).hostname})")
    if not isinstance(data, dict):
        raise RdapError("the registry's RDAP answer is not a JSON object")
    reg = Registration(domain, url, bootstrap_source=boot.source)
    apply_rdap(reg, data)
    related = _related(data, url)
    # Thin registries keep the details at the registrar: follow one related link, never more (loop-safe).
    if related and (reg.expires is None or reg.registrar is None):
        try:
            more, _ = await _fetch_json(ctx, related, f"the registrar's RDAP server ({urlsplit(related).hostname})")
            if isinstance(more, dict):
                apply_rdap(reg, more)
                reg.followed.append(related)
        except RdapError:
            pass  # the registry's answer stands on its own
    return reg


async def registration(ctx: CheckContext) -> Registration:
    """The registration of the project's registrable domain; one lookup per audit. Raises RdapError."""
    domain = registrable_domain(ctx.project.domain)
    return await ctx.shared.once(("rdap", domain), lambda: _lookup(ctx, domain))


# -- the check ------------------------------------------------------------------------------------------


async def domain_registration(ctx: CheckContext) -> Outcome:
    domain = registrable_domain(ctx.project.domain)
    ctx.say("domain.registration", f"asking the registry about {domain}")
    try:
        reg = await registration(ctx)
    except RdapError as exc:
        if not exc.unmeasured:
            return Outcome(Status.SKIPPED, f"{exc.message}; check the expiry date in your registrar's dashboard",
                           {"domain": domain}, target=domain)
        return Outcome(Status.ERROR, f"could not read the registration of {domain}: {exc.message}",
                       {"domain": domain}, target=domain)
    from launchready_tui.checks.provider_pick import fix_provider

    evidence = reg.to_evidence()
    provider = await fix_provider(ctx, "registrar")
    evidence["fix_provider"] = provider
    days = reg.days_left()
    registrar = reg.registrar or "your registrar"
    down = [why for status, why in STATUS_DOWN.items() if status in reg.statuses]

    def fix() -> str | None:
        return fix_for("domain.registration", provider, domain=domain, registrar=registrar,
                       expires=f"{reg.expires:%Y-%m-%d}" if reg.expires else "unknown")

    if down:
        return Outcome(Status.FAIL, f"{domain}: {down[0]} (registry status: {', '.join(reg.statuses)})", evidence,
                       blocker=True, impact=Impact.DOWNTIME, fix=fix(), target=domain)
    if days is None:
        return Outcome(Status.WARN, f"{domain} is registered with {registrar}, but the registry gives no expiry "
                       "date: check it in your registrar's dashboard", evidence, fix=fix(), target=domain)
    when = f"{reg.expires:%Y-%m-%d}"
    auto = STATUS_AUTO_RENEW in reg.statuses
    if days < 0:
        return Outcome(Status.FAIL, f"{domain} expired on {when}: the site and all e-mail stop when the "
                       "registry drops it", evidence, blocker=True, impact=Impact.DOWNTIME, fix=fix(), target=domain)
    if days <= FAIL_DAYS and not auto:
        return Outcome(Status.FAIL, f"{domain} expires in {days:.0f} days ({when}); if it lapses, the site and "
                       "all e-mail go dark", evidence, blocker=True, impact=Impact.DOWNTIME, fix=fix(), target=domain)
    if days <= WARN_DAYS and not auto:
        return Outcome(Status.WARN, f"{domain} expires in {days:.0f} days ({when}) at {registrar}: turn on "
                       "auto-renew and check the card on file", evidence, impact=Impact.DOWNTIME, fix=fix(),
                       target=domain)
    note = " (the registry shows it was just auto-renewed)" if auto else ""
    return Outcome(Status.PASS, f"{domain} is registered with {registrar} until {when} "
                   f"({days:.0f} days){note}", evidence, target=domain)
