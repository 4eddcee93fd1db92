"""``dns.dnssec_caa``: is DNSSEC intact (never bogus), and will the CAA records let the certificate renew?

DNSSEC (internet.nl-style: unsigned is a note, bogus is a failure):
* DS at the parent (registry) and DNSKEY at the zone; a DS that matches no DNSKEY, or a DS with no
  DNSKEY at all, is "bogus": validating resolvers (1.1.1.1, 8.8.8.8, most ISPs) then refuse to answer,
  so the domain vanishes for most users. Typical cause: moving DNS providers without removing the DS.
* A SERVFAIL on a DNSSEC query that succeeds again with Checking Disabled (CD) is bogus too
  (expired or broken signatures), as seen by a validating resolver.
* The AD flag from the resolver says a validating resolver checked the chain.

CAA (RFC 8659): the relevant record set for each product host (climbing to the apex); an unknown
critical property stops every CA; when the CA that issued the live certificate is not allowed, the
next renewal fails and the site goes down when the current certificate expires.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import dns.dnssec
import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.web_requests import tls_probe
from launchready_tui.core.model import Impact, Outcome, Status
from launchready_tui.net.resolver import DnsAnswer, DnsOutcome
from launchready_tui.net.tls import TlsInfo

# Certificate issuer (organisation or CN words, lower-case) -> the CAA identifiers that CA honours.
# From each CA's CPS / CAA documentation.
ISSUER_CAA: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("let's encrypt", ("letsencrypt.org",)),
    ("google trust services", ("pki.goog",)),
    ("amazon", ("amazon.com", "amazontrust.com", "awstrust.com", "amazonaws.com")),
    ("zerossl", ("sectigo.com",)),
    ("sectigo", ("sectigo.com", "comodoca.com", "comodo.com", "usertrust.com", "trust-provider.com")),
    ("digicert", ("digicert.com", "symantec.com", "thawte.com", "geotrust.com", "rapidssl.com")),
    ("cloudflare", ("digicert.com",)),  # legacy "Cloudflare Inc ECC CA-3" was issued under DigiCert
    ("globalsign", ("globalsign.com",)),
    ("ssl.com", ("ssl.com",)),
    ("buypass", ("buypass.com", "buypass.no")),
    ("entrust", ("entrust.net", "affirmtrust.com")),
    ("godaddy", ("godaddy.com", "starfieldtech.com")),
    ("starfield", ("godaddy.com", "starfieldtech.com")),
    ("microsoft", ("microsoft.com",)),
)


def caa_names_for_issuer(issuer: str) -> tuple[str, ...]:
    low = issuer.lower()
    return next((names for key, names in ISSUER_CAA if key in low), ())


@dataclass(slots=True)
class CaaRecord:
    flags: int
    tag: str
    value: str

    @property
    def issuer_domain(self) -> str:
        """``letsencrypt.org`` from ``"letsencrypt.org; validationmethods=dns-01"``; empty means "nobody"."""
        return self.value.split(";", 1)[0].strip().lower()


def parse_caa(records: list[str]) -> list[CaaRecord]:
    out: list[CaaRecord] = []
    for text in records:
        parts = text.split(None, 2)
        if len(parts) != 3 or not parts[0].isdigit():
            continue
        out.append(CaaRecord(int(parts[0]), parts[1].lower(), parts[2].strip().strip('"')))
    return out


@dataclass(slots=True)
class CaaView:
    host: str
    found_at: str | None  # the name whose CAA set applies (RFC 8659 tree climbing), None = no CAA
    records: list[CaaRecord] = field(default_factory=list)
    unmeasured: str | None = None

    def allowed(self, wildcard: bool) -> set[str] | None:
        """Issuer domains allowed, or None when no issue property restricts issuance."""
        tags = [r for r in self.records if r.tag == "issuewild"] if wildcard else []
        if not tags:
            tags = [r for r in self.records if r.tag == "issue"]
        if not tags:
            return None
        return {r.issuer_domain for r in tags if r.issuer_domain}

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "found_at": self.found_at,
                "records": [f"{r.flags} {r.tag} \"{r.value}\"" for r in self.records],
                **({"unmeasured": self.unmeasured} if self.unmeasured else {})}


async def relevant_caa(ctx: CheckContext, host: str, apex: str) -> CaaView:
    name = host.lower().rstrip(".")
    while True:
        answer = await ctx.resolver.query(name, "CAA")
        if not answer.outcome.measured:
            return CaaView(host, None, unmeasured=answer.reason)
        if answer.ok and answer.records:
            return CaaView(host, name, parse_caa(answer.records))
        if name == apex or "." not in name or not name.endswith("." + apex):
            return CaaView(host, None)
        name = name.split(".", 1)[1]


def _rdata(rdtype: str, text: str) -> dns.rdata.Rdata | None:
    try:
        return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text)
    except (dns.exception.DNSException, ValueError):
        return None


def ds_matches(zone: str, ds_records: list[str], dnskey_records: list[str]) -> bool:
    """True when at least one DS digest is the digest of one of the zone's DNSKEYs."""
    name = dns.name.from_text(zone)
    keys = [k for k in (_rdata("DNSKEY", t) for t in dnskey_records) if k is not None]
    for text in ds_records:
        ds = _rdata("DS", text)
        if ds is None:
            continue
        for key in keys:
            try:
                if dns.dnssec.make_ds(name, key, ds.digest_type) == ds:  # type: ignore[attr-defined]
                    return True
            except (dns.dnssec.UnsupportedAlgorithm, ValueError, TypeError):
                continue
    return False


@dataclass(slots=True)
class DnssecView:
    state: str  # "unsigned", "signed-not-delegated", "signed", "bogus", "unknown"
    reason: str
    ds: DnsAnswer | None = None
    dnskey: DnsAnswer | None = None
    validated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "reason": self.reason, "validated_by_resolver": self.validated,
                "ds": self.ds.records if self.ds else [],
                "dnskey_count": len(self.dnskey.records) if self.dnskey else 0}


async def dnssec_view(ctx: CheckContext, zone: str) -> DnssecView:
    ds, dnskey, soa = await asyncio.gather(
        ctx.resolver.query(zone, "DS"), ctx.resolver.query(zone, "DNSKEY", dnssec=True),
        ctx.resolver.query(zone, "SOA", dnssec=True))
    if soa.outcome is DnsOutcome.SERVFAIL:
        again = await ctx.resolver.query(zone, "SOA", dnssec=True, cd=True)
        if again.outcome.measured:
            return DnssecView("bogus", f"the resolver refuses {zone} because its DNSSEC signatures do not "
                              "validate (it answers with checking disabled)", ds, dnskey)
    if not ds.outcome.measured:
        return DnssecView("unknown", f"could not ask for the DS record: {ds.reason}", ds, dnskey)
    has_ds, has_key = ds.ok and bool(ds.records), dnskey.ok and bool(dnskey.records)
    if has_ds and not dnskey.outcome.measured:
        return DnssecView("unknown", f"could not read the zone's DNSKEY: {dnskey.reason}", ds, dnskey)
    if has_ds and not has_key:
        return DnssecView("bogus", f"the registry publishes a DS record for {zone}, but the zone has no DNSKEY "
                          "(left over from a previous DNS provider?)", ds, dnskey)
    if has_ds and not ds_matches(zone, ds.records, dnskey.records):
        return DnssecView("bogus", f"the DS record at the registry matches none of {zone}'s DNSKEYs", ds, dnskey)
    if has_ds:
        return DnssecView("signed", "signed, and the registry's DS matches the zone's key", ds, dnskey,
                          validated=soa.authenticated)
    if has_key:
        return DnssecView("signed-not-delegated", "the zone is signed but no DS is published at the registry, "
                          "so DNSSEC is not in effect", ds, dnskey)
    return DnssecView("unsigned", "DNSSEC is not enabled (optional; it protects against forged DNS answers)", ds,
                      dnskey)


async def tls_issuer(ctx: CheckContext, host: str) -> TlsInfo | None:
    """The certificate ``host`` shows (the run's shared probe), or None when there is none to read."""
    probe = await tls_probe(ctx, host)
    return probe if isinstance(probe, TlsInfo) else None


async def check_dnssec_caa(ctx: CheckContext, hosts: list[str], apex: str, provider: str | None) -> Outcome:
    ctx.say("dns.dnssec_caa", f"reading DS/DNSKEY and CAA for {apex}")
    dnssec, caas, cert = await asyncio.gather(
        dnssec_view(ctx, apex), asyncio.gather(*(relevant_caa(ctx, h, apex) for h in hosts)),
        tls_issuer(ctx, hosts[0]))
    evidence: dict[str, Any] = {"dnssec": dnssec.to_json(), "caa": [c.to_json() for c in caas],
                                "certificate_issuer": cert.issuer if cert else None}
    notes: list[str] = []
    if dnssec.state == "bogus":
        return Outcome(Status.FAIL, f"DNSSEC is broken for {apex}: {dnssec.reason}; resolvers that check DNSSEC "
                       "(Google, Cloudflare, most ISPs) cannot find your site or mail servers", evidence,
                       blocker=True, impact=Impact.DOWNTIME, target=apex,
                       fix=fix_for("dns.dnssec_caa", provider, domain=apex, problem="dnssec"))
    notes.append(dnssec.reason if dnssec.state != "signed" else
                 dnssec.reason + (" (validated by your resolver)" if dnssec.validated else ""))
    warnings: list[str] = []
    for view in caas:
        critical = [r for r in view.records if r.flags & 128 and r.tag not in ("issue", "issuewild", "iodef")]
        if critical:
            warnings.append(f"the CAA record at {view.found_at} has an unknown critical property "
                            f"'{critical[0].tag}', so no CA may issue certificates for {view.host}")
    apex_caa = caas[0] if caas else CaaView(apex, None)
    if apex_caa.unmeasured and dnssec.state == "unknown":
        return Outcome(Status.ERROR, f"could not read {apex}'s DNS security records: {apex_caa.unmeasured}",
                       evidence, target=apex)
    if not any(v.records for v in caas) and not apex_caa.unmeasured:
        notes.append("no CAA records: any CA may issue certificates for your domain (optional hardening)")
    if cert is not None:
        names = caa_names_for_issuer(cert.issuer)
        wildcard = any(s.startswith("*.") for s in cert.sans)
        allowed = apex_caa.allowed(wildcard)
        evidence["issuer_caa_names"] = list(names)
        if allowed is not None and names and not allowed & set(names):
            who = ", ".join(sorted(allowed)) or "no CA at all"
            warnings.append(f"your certificate comes from {cert.issuer}, but CAA allows only {who}: the next "
                            "renewal will be refused and the site goes down when the certificate expires")
        elif allowed is not None and not names:
            notes.append(f"could not tell which CAA name {cert.issuer} uses; check it is in your CAA records")
        elif allowed is not None:
            notes.append(f"CAA allows {', '.join(sorted(allowed))}, which covers your current CA")
    evidence["notes"] = notes
    if warnings:
        return Outcome(Status.WARN, "; ".join(warnings), evidence, impact=Impact.DOWNTIME, target=apex,
                       fix=fix_for("dns.dnssec_caa", provider, domain=apex, problem="caa",
                                   caa=" ".join(sorted(caa_names_for_issuer(cert.issuer))) if cert else ""))
    return Outcome(Status.PASS, "; ".join(notes), evidence, target=apex)
