"""Who runs the site: ``stack.providers``, ``dns.cloudflare_proxy``, ``edge.cdn``, ``edge.waf``.

Layered detection (checks-web.md §3): the DNS layer (NS/SOA → DNS provider, CNAME → platform), the
address layer (published ranges), the HTTP layer (headers, cookies, challenge pages, one home-page
walk per host, shared with the header checks) and RDAP (registrar). A provider is "high confidence"
only when two independent layers agree. The "providers stack" caveat is applied: a ``cf-ray`` seen
on a Render or Supabase app is that platform's Cloudflare, and Fastly headers on GitHub Pages are
GitHub's Fastly; fixes then go to the platform, not to an account the founder does not have.

The result (``stack.providers`` evidence) exposes ``hosting``, ``cdn``, ``dns_provider``,
``registrar`` and ``waf`` as provider ids (the fix-guide keys), plus ``fix_providers`` by role; every
check picks its fix variant through ``checks.provider_pick.fix_provider``, which reads this detection.
Detection runs once per run: ``web_stack`` (DNS and HTTP layers) and ``detect_stack`` (plus RDAP).
Passive only: the optional WAF probe (``CheckOptions.extra["waf_probe"] = True``) sends one request
with an obvious XSS marker to the founder's own home page, and only when asked.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.provider_pick import fix_provider
from launchready_tui.checks.provider_table import (
    ProviderTable,
    Signal,
    disclosures,
    load_table,
    match_addresses,
    match_body,
    match_cnames,
    match_cookies,
    match_headers,
    match_nameservers,
    match_soa,
    provider_of_address,
    registrar_id,
)
from launchready_tui.checks.rdap import RdapError, Registration, registrable_domain, registration
from launchready_tui.checks.targets import MAX_PRODUCT_HOSTS, product_hosts, subdomain_names
from launchready_tui.checks.web_requests import walk as walk_page
from launchready_tui.core.model import Impact, Outcome, Status
from launchready_tui.net.http import RedirectWalk
from launchready_tui.net.resolver import AddressLookup, DnsAnswer

# Names that, when DNS-only in a Cloudflare zone, usually point straight at the origin server.
ORIGIN_LIKE = ("origin", "direct", "direct-connect", "backend", "server", "web", "www2")
LAYER_FAMILY = {"http": "http", "cookie": "http", "body": "http", "dns": "dns", "cname": "cname", "ip": "ip",
                "rdap": "rdap"}
WAF_PROBE_PATH = "/?lr_waf_probe=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
BLOCK_STATUSES = {403, 406, 409, 429, 501, 503}


@dataclass(slots=True)
class HostView:
    host: str
    lookup: AddressLookup | None = None
    walk: RedirectWalk | None = None
    signals: list[Signal] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return self.lookup.addresses if self.lookup else []

    @property
    def cnames(self) -> list[str]:
        out: list[str] = []
        for answer in (self.lookup.answers if self.lookup else []):
            out += [c for c in answer.cnames if c not in out]
        return out

    def providers(self, layers: set[str] | None = None) -> set[str]:
        return {s.provider for s in self.signals if layers is None or s.layer in layers}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"addresses": self.addresses, "cnames": self.cnames}
        if self.lookup is not None and not self.addresses:
            out["dns_error"] = self.lookup.reason
        if self.walk is not None:
            if self.walk.final is not None:
                out.update(final_url=self.walk.final.url, status=self.walk.final.status)
            if self.walk.problem:
                out["http_error"] = self.walk.problem
        out["providers"] = sorted(self.providers())
        return out


@dataclass(slots=True)
class Detection:
    domain: str
    hosts: dict[str, HostView]
    nameservers: DnsAnswer
    soa: DnsAnswer
    signals: list[Signal]
    hosting: str | None = None
    cdn: str | None = None
    dns_provider: str | None = None
    registrar: str | None = None
    registrar_name: str | None = None
    waf: str | None = None
    operated_by: dict[str, str] = field(default_factory=dict)  # edge vendor -> platform operating it
    caveats: list[str] = field(default_factory=list)
    disclosure: list[str] = field(default_factory=list)
    registrar_error: str | None = None

    def layers(self, provider: str) -> set[str]:
        return {LAYER_FAMILY[s.layer] for s in self.signals if s.provider == provider}

    def confidence(self, provider: str) -> str:
        if len(self.layers(provider)) >= 2:
            return "high"
        if any(s.strong for s in self.signals if s.provider == provider):
            return "medium"
        return "low"

    def fix_providers(self) -> dict[str, str | None]:
        own_edge = self.cdn if self.cdn and self.cdn not in self.operated_by else None
        web = self.hosting or own_edge or self.dns_provider
        return {"web": web, "edge": own_edge or self.hosting or self.dns_provider,
                "hosting": self.hosting, "cdn": self.cdn, "dns": self.dns_provider, "registrar": self.registrar}

    def stack(self, table: ProviderTable) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for role, pid in (("dns", self.dns_provider), ("edge", self.cdn), ("waf", self.waf),
                          ("platform", self.hosting), ("registrar", self.registrar)):
            if not pid or pid == "self-hosted":
                continue
            rows.append({
                "role": role, "provider": pid, "name": table.name(pid), "confidence": self.confidence(pid),
                "layers": sorted(self.layers(pid)), "operated_by": self.operated_by.get(pid),
                "signals": [s.detail for s in self.signals if s.provider == pid][:8],
            })
        return rows

    def to_evidence(self, table: ProviderTable) -> dict[str, Any]:
        return {
            "hosting": self.hosting, "cdn": self.cdn, "dns_provider": self.dns_provider,
            "registrar": self.registrar, "registrar_name": self.registrar_name, "waf": self.waf,
            "fix_providers": self.fix_providers(), "stack": self.stack(table),
            "operated_by": self.operated_by, "caveats": self.caveats, "disclosure": self.disclosure,
            "nameservers": self.nameservers.records, "soa": self.soa.records[:1],
            "hosts": {h: v.to_json() for h, v in self.hosts.items()},
            "ranges_snapshot": table.ranges_snapshot,
            **({"registrar_error": self.registrar_error} if self.registrar_error else {}),
        }


def _set_cookie_names(walk: RedirectWalk) -> list[str]:
    names: list[str] = []
    for hop in walk.hops:
        for raw in hop.headers.get_list("set-cookie"):
            name = raw.split("=", 1)[0].strip()
            if name and name not in names:
                names.append(name)
    return names


def _http_signals(view: HostView, table: ProviderTable) -> list[Signal]:
    walk = view.walk
    if walk is None:
        return []
    out: list[Signal] = []
    for hop in walk.hops:
        out += match_headers(hop.headers, view.host, table)
    out += match_cookies(_set_cookie_names(walk), view.host, table)
    if walk.final is not None and "html" in walk.final.headers.get("content-type", ""):
        out += match_body(walk.final.text, view.host, table)
    return out


def _pick(detection: Detection, table: ProviderTable, role: str, layers: set[str]) -> str | None:
    """The provider with ``role`` seen through ``layers`` with the most signals (apex first on ties)."""
    counts: dict[str, int] = {}
    for s in detection.signals:
        p = table.get(s.provider)
        if p is not None and p.has(role) and s.layer in layers:
            counts[s.provider] = counts.get(s.provider, 0) + (3 if s.strong else 1)
    if not counts:
        return None
    return max(counts, key=lambda pid: (counts[pid], pid == detection.cdn))


async def _detect_web(ctx: CheckContext) -> Detection:
    table = load_table()
    domain = registrable_domain(ctx.project.domain)
    hosts = product_hosts(ctx.project, MAX_PRODUCT_HOSTS)
    ctx.say("stack.providers", f"looking up {len(hosts)} hosts and the nameservers of {domain}")
    ns, soa, *lookups = await asyncio.gather(
        ctx.resolver.query(domain, "NS"), ctx.resolver.query(domain, "SOA"),
        *(ctx.resolver.addresses(h) for h in hosts),
    )
    views = {h: HostView(h, lk) for h, lk in zip(hosts, lookups, strict=True)}
    live = [h for h, v in views.items() if v.addresses or v.lookup and v.lookup.source != "dns"]
    if not live and hosts:
        live = [hosts[0]]  # still try the apex: --connect-to may route it without DNS
    ctx.say("stack.providers", f"reading the home page of {', '.join(live)}")
    walks = await asyncio.gather(*(walk_page(ctx, f"https://{h}/") for h in live))
    for h, w in zip(live, walks, strict=True):
        views[h].walk = w
    det = Detection(domain, views, ns, soa, [])
    signals: list[Signal] = []
    ns_names = [r.rstrip(".") for r in ns.records]
    signals += match_nameservers(ns_names, domain, table)
    if soa.records:
        signals += match_soa(soa.records[0].split()[0], domain, table)
    for view in views.values():
        view.signals = match_cnames(view.cnames, view.host, table) + match_addresses(view.addresses, view.host, table)
        view.signals += _http_signals(view, table)
        signals += view.signals
        if view.walk is not None and view.walk.final is not None:
            for item in disclosures(view.walk.final.headers, table):
                if item not in det.disclosure:
                    det.disclosure.append(item)
    det.signals = signals
    # DNS provider: the nameservers' operator; nameservers inside the domain itself are self-hosted.
    ns_ids = [s.provider for s in signals if s.layer == "dns" and s.detail.startswith("nameserver")]
    if ns_ids:
        det.dns_provider = max(set(ns_ids), key=ns_ids.count)
    elif ns_names and all(n.lower().endswith("." + domain) for n in ns_names):
        det.dns_provider = "self-hosted"
    edge_layers = {"http", "cookie", "body", "ip", "cname"}
    det.cdn = _pick(det, table, "cdn", edge_layers)
    # The platform running the app; failing that, the web server program answering (nginx, Apache, …).
    det.hosting = (_pick(det, table, "hosting", {"http", "cookie", "cname", "ip"})
                   or _pick(det, table, "origin", {"http"}))
    # Providers stack: an edge that a detected platform always sits behind is the platform's, not the founder's.
    for view_pid in {s.provider for s in signals}:
        platform = table.get(view_pid)
        if platform is None or not platform.edge:
            continue
        edge = platform.edge
        edge_layers_seen = {s.layer for s in signals if s.provider == edge}
        if edge_layers_seen and not edge_layers_seen & {"dns", "cname"}:
            det.operated_by[edge] = view_pid
            det.caveats.append(
                f"{table.name(edge)} signals come from {platform.name}'s own {table.name(edge)} edge, not from a "
                f"{table.name(edge)} account of yours: change settings in {platform.name}")
            if det.hosting in (None, edge):
                det.hosting = view_pid
    if det.cdn and det.cdn in det.operated_by and det.hosting == det.cdn:
        det.hosting = det.operated_by[det.cdn]
    det.waf = _pick(det, table, "waf", edge_layers)
    foreign_cf = det.cdn == "cloudflare" and "cloudflare" not in det.operated_by
    if det.dns_provider and det.dns_provider != "cloudflare" and foreign_cf:
        det.caveats.append("Cloudflare headers without Cloudflare nameservers: a platform or a CNAME setup "
                           "puts Cloudflare in front; check which account owns it before changing settings")
    return det


async def _with_registrar(ctx: CheckContext) -> Detection:
    """The web layers plus the registrar from RDAP (its own copy: the web-only detection stays as it was)."""
    async def lookup() -> Registration | RdapError:
        try:
            return await registration(ctx)
        except RdapError as exc:
            return exc

    web, reg = await asyncio.gather(web_stack(ctx), lookup())  # the registry is asked alongside the web layers
    det = dataclasses.replace(web, signals=list(web.signals))
    if isinstance(reg, RdapError):
        det.registrar_error = reg.message
        return det
    det.registrar_name = reg.registrar
    det.registrar = registrar_id(reg.registrar, load_table())
    if det.registrar:
        det.signals.append(Signal(det.registrar, "rdap", f"registrar {reg.registrar}", det.domain))
    return det


async def web_stack(ctx: CheckContext) -> Detection:
    """Detection from the DNS, address and HTTP layers (no registry lookup), once per run."""
    return await ctx.shared.once(("providers", "web", ctx.project.domain), lambda: _detect_web(ctx))


async def detect_stack(ctx: CheckContext) -> Detection:
    """Full provider detection including the registrar, run once per run and shared by every check."""
    return await ctx.shared.once(("providers", "all", ctx.project.domain), lambda: _with_registrar(ctx))


# -- stack.providers ---------------------------------------------------------------------------------------


def _describe_stack(det: Detection, table: ProviderTable) -> str:
    parts: list[str] = []
    if det.cdn:
        who = f" (run by {table.name(det.operated_by[det.cdn])})" if det.cdn in det.operated_by else ""
        parts.append(f"edge {table.name(det.cdn)}{who}")
    if det.hosting and det.hosting != det.cdn:
        parts.append(f"hosting {table.name(det.hosting)}")
    elif det.hosting == det.cdn and det.hosting:
        parts[-1] = f"edge + hosting {table.name(det.hosting)}"
    if det.dns_provider:
        parts.append("DNS self-hosted" if det.dns_provider == "self-hosted" else f"DNS {table.name(det.dns_provider)}")
    if det.registrar or det.registrar_name:
        parts.append(f"registrar {table.name(det.registrar) if det.registrar else det.registrar_name}")
    return ", ".join(parts)


async def stack_providers(ctx: CheckContext) -> Outcome:
    table = load_table()
    det = await detect_stack(ctx)
    evidence = det.to_evidence(table)
    target = det.domain
    reached = [v for v in det.hosts.values() if v.walk is not None and v.walk.hops]
    if not reached and not det.nameservers.outcome.measured:
        return Outcome(Status.ERROR, f"could not identify providers: DNS failed ({det.nameservers.reason}) and no "
                       "host answered over HTTPS", evidence, target=target)
    main = det.hosting or det.cdn
    described = _describe_stack(det, table)
    extra = f"; the site reveals software versions ({'; '.join(det.disclosure[:2])})" if det.disclosure else ""
    if main is None:
        why = "no host answered over HTTPS" if not reached else "no known platform or CDN signature"
        known = f"; {described}" if described else ""
        return Outcome(Status.WARN, f"could not tell where the site is hosted ({why}){known}{extra}: fixes will "
                       "be generic", evidence, impact=Impact.OPS,
                       fix=fix_for("stack.providers", None, domain=target), target=target)
    strong = [pid for pid in {det.hosting, det.cdn} if pid and det.confidence(pid) == "high"]
    if strong:
        return Outcome(Status.PASS, f"{described} (confirmed by {len(det.layers(strong[0]))} independent signals)"
                       f"{extra}", evidence, target=target)
    if not det.nameservers.outcome.measured:  # the missing layer is our failure to ask, not a finding
        return Outcome(Status.ERROR, f"{described} from HTTP only: could not read the nameservers to confirm it "
                       f"({det.nameservers.reason})", evidence, target=target)
    return Outcome(Status.WARN, f"{described}: a single-signal guess, so fixes may name the wrong dashboard"
                   f"{extra}", evidence, impact=Impact.OPS,
                   fix=fix_for("stack.providers", main, domain=target), target=target)


# -- dns.cloudflare_proxy ----------------------------------------------------------------------------------


async def dns_cloudflare_proxy(ctx: CheckContext) -> Outcome:
    table = load_table()
    det = await detect_stack(ctx)
    target = det.domain
    if not det.nameservers.outcome.measured:
        return Outcome(Status.ERROR, f"could not read the nameservers of {target}: {det.nameservers.reason}",
                       {"nameservers": []}, target=target)
    if det.dns_provider != "cloudflare":
        where = ("self-hosted nameservers" if det.dns_provider == "self-hosted"
                 else table.name(det.dns_provider) if det.dns_provider
                 else ", ".join(det.nameservers.records) or "none")
        return Outcome(Status.PASS, f"{target}'s DNS is not on Cloudflare ({where}): no proxy setting to check",
                       {"nameservers": det.nameservers.records, "dns_provider": det.dns_provider}, target=target)
    extra = [h for h in subdomain_names(ctx.project) if h not in det.hosts]
    lookups = await asyncio.gather(*(ctx.resolver.addresses(h) for h in extra))
    views = dict(det.hosts)
    resolved_extra = [HostView(h, lk) for h, lk in zip(extra, lookups, strict=True) if lk.addresses]
    walks = await asyncio.gather(*(walk_page(ctx, f"https://{v.host}/") for v in resolved_extra))
    for view, walk in zip(resolved_extra, walks, strict=True):
        view.walk = walk
        view.signals = match_cnames(view.cnames, view.host, table) + _http_signals(view, table)
        views[view.host] = view
    product = set(det.hosts)
    rows: dict[str, dict[str, Any]] = {}
    exposed: list[str] = []
    notes: list[str] = []
    for host, view in views.items():
        if not view.addresses:
            continue
        cf_ip = any(provider_of_address(a, table) == "cloudflare" for a in view.addresses)
        cf_http = "cloudflare" in view.providers({"http", "cookie", "body"})
        platform = next((s.provider for s in view.signals if s.layer == "cname" and s.provider != "cloudflare"), None)
        if cf_ip or cf_http:
            state = "proxied"
        elif platform:
            state = f"dns-only, points at {table.name(platform)}"
        else:
            state = "dns-only"
        rows[host] = {"state": state, "addresses": view.addresses, "cnames": view.cnames,
                      "evidence": "Cloudflare address" if cf_ip else "Cloudflare headers" if cf_http else None}
        label = host.split(".")[0]
        if state == "dns-only" and (host in product or label in ORIGIN_LIKE):
            exposed.append(host)
        elif state == "dns-only":
            notes.append(f"{host} is DNS-only (grey cloud): fine if it is not your web server")
    evidence = {"nameservers": det.nameservers.records, "hosts": rows, "exposed": exposed, "notes": notes}
    if exposed:
        addrs = sorted({a for h in exposed for a in rows[h]["addresses"]})
        verb = "is" if len(exposed) == 1 else "are"
        return Outcome(Status.WARN, f"{', '.join(exposed)} {verb} DNS-only in Cloudflare (grey cloud): the server "
                       f"address {', '.join(addrs[:3])} is public, so attackers can skip Cloudflare's protection "
                       "and caching", evidence, impact=Impact.SECURITY,
                       fix=fix_for("dns.cloudflare_proxy", "cloudflare", domain=target, host=exposed[0]),
                       target=target)
    proxied = [h for h, r in rows.items() if r["state"] == "proxied"]
    if not proxied and not rows:
        return Outcome(Status.ERROR, f"none of {target}'s hosts resolved, so their proxy status is unknown",
                       evidence, target=target)
    return Outcome(Status.PASS, f"DNS on Cloudflare; {', '.join(proxied) or 'no web host'} proxied through its edge",
                   evidence, target=target)


# -- edge.cdn ------------------------------------------------------------------------------------------------


async def edge_cdn(ctx: CheckContext) -> Outcome:
    table = load_table()
    det = await detect_stack(ctx)
    target = ctx.project.domain
    rows = {h: sorted(p for p in v.providers({"http", "cookie", "body", "ip", "cname"})
                      if (pp := table.get(p)) is not None and pp.has("cdn"))
            for h, v in det.hosts.items() if v.walk is not None and v.walk.hops}
    evidence: dict[str, Any] = {"cdn": det.cdn, "operated_by": det.operated_by.get(det.cdn or ""), "hosts": rows}
    if not rows:
        problems = [v.walk.problem for v in det.hosts.values() if v.walk is not None and v.walk.problem]
        return Outcome(Status.ERROR, f"could not reach the site to see what is in front of it: "
                       f"{problems[0] if problems else 'no host resolved'}", evidence, target=target)
    if det.cdn:
        bare = [h for h, cdns in rows.items() if not cdns]
        who = f" (run by {table.name(det.operated_by[det.cdn])})" if det.cdn in det.operated_by else ""
        summary = f"{table.name(det.cdn)}{who} edge in front of {', '.join(h for h, c in rows.items() if c)}"
        if bare:
            evidence["without_edge"] = bare
            summary += f"; {', '.join(bare)} answer{'s' if len(bare) == 1 else ''} without an edge"
        return Outcome(Status.PASS, summary, evidence, target=target)
    origin = det.hosting or "your server"
    addrs = sorted({a for v in det.hosts.values() for a in v.addresses})[:3]
    provider = await fix_provider(ctx, "edge")
    return Outcome(Status.WARN, f"no CDN in front of the site: every visitor is served from "
                   f"{table.name(origin) if det.hosting else origin} directly, far-away users wait longer and the "
                   + (f"server address {', '.join(addrs)} is public" if addrs else "server's address is public"),
                   evidence, impact=Impact.SLOW_DEMO,
                   fix=fix_for("edge.cdn", provider, domain=target), target=target)


# -- edge.waf ------------------------------------------------------------------------------------------------


async def _waf_probe(ctx: CheckContext, host: str) -> dict[str, Any]:
    from launchready_tui.net.http import FetchError

    url = f"https://{host}{WAF_PROBE_PATH}"
    try:
        response = await ctx.http.fetch(url, body_cap=64 * 1024)
    except FetchError as exc:
        return {"url": url, "result": "error", "detail": exc.message}
    table = load_table()
    marker = match_body(response.text, host, table) if response.status in BLOCK_STATUSES else []
    blocked = response.status in BLOCK_STATUSES
    return {"url": url, "status": response.status, "result": "blocked" if blocked else "not blocked",
            "challenge": [s.provider for s in marker]}


async def edge_waf(ctx: CheckContext) -> Outcome:
    table = load_table()
    det = await detect_stack(ctx)
    target = ctx.project.domain
    reached = [v for v in det.hosts.values() if v.walk is not None and v.walk.hops]
    evidence: dict[str, Any] = {"waf": det.waf, "operated_by": det.operated_by.get(det.waf or ""),
                                "signals": [s.detail for s in det.signals if s.provider == det.waf][:6],
                                "probe": None}
    if not reached:
        return Outcome(Status.ERROR, "could not reach the site, so what protects it is unknown", evidence,
                       target=target)
    if ctx.options.extra.get("waf_probe"):
        ctx.say("edge.waf", "opt-in probe: one request with an obvious XSS marker")
        evidence["probe"] = await _waf_probe(ctx, reached[0].host)
    probe = evidence["probe"] or {}
    provider = await fix_provider(ctx, "edge")
    if det.waf:
        name = table.name(det.waf)
        who = f" (run by {table.name(det.operated_by[det.waf])})" if det.waf in det.operated_by else ""
        if probe.get("result") == "not blocked":
            return Outcome(Status.WARN, f"{name}{who} sits in front, but it let an obvious attack request through "
                           f"(HTTP {probe.get('status')}): its managed rules look off", evidence,
                           impact=Impact.SECURITY, fix=fix_for("edge.waf", provider, domain=target), target=target)
        return Outcome(Status.PASS, f"a WAF-capable edge is in front: {name}{who} (whether its rules are on is "
                       "only visible in its dashboard)", evidence, target=target)
    if probe.get("result") == "blocked":
        return Outcome(Status.PASS, f"an unidentified filter blocked the probe request (HTTP {probe.get('status')})",
                       evidence, target=target)
    return Outcome(Status.WARN, "no WAF or DDoS protection detected in front of the site: bots and floods reach "
                   "your server directly", evidence, impact=Impact.SECURITY,
                   fix=fix_for("edge.waf", provider, domain=target), target=target)
