"""The stage 2 deliverable: a DNS map — every record of the product's names, explained in plain words.

Pure: the model (``DnsMap``), the plain-words meaning of a record, and the Markdown export. The
records are gathered by ``checks.dns_map.collect_dns_map`` (network I/O lives there, not here).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

# Suffixes of well-known targets, for "who serves this" (facts from each provider's DNS docs).
_TARGETS: tuple[tuple[str, str], ...] = (
    ("vercel-dns.com", "Vercel"), ("vercel.app", "Vercel"), ("netlify.app", "Netlify"), ("netlify.com", "Netlify"),
    ("herokudns.com", "Heroku"), ("herokuapp.com", "Heroku"), ("github.io", "GitHub Pages"),
    ("cloudfront.net", "AWS CloudFront"), ("amazonaws.com", "AWS"), ("elb.amazonaws.com", "AWS load balancer"),
    ("fly.dev", "Fly.io"), ("onrender.com", "Render"), ("up.railway.app", "Railway"),
    ("ghs.googlehosted.com", "Google"), ("web.app", "Firebase Hosting"), ("firebaseapp.com", "Firebase Hosting"),
    ("azurewebsites.net", "Azure App Service"), ("azurefd.net", "Azure Front Door"), ("fastly.net", "Fastly"),
    ("edgekey.net", "Akamai"), ("edgesuite.net", "Akamai"), ("pages.dev", "Cloudflare Pages"),
    ("cdn.cloudflare.net", "Cloudflare"), ("statuspage.io", "Atlassian Statuspage"),
)
_NAMESERVERS: tuple[tuple[str, str], ...] = (
    ("ns.cloudflare.com", "Cloudflare"), ("awsdns", "AWS Route 53"), ("vercel-dns.com", "Vercel"),
    ("nsone.net", "NS1"), ("netlify", "Netlify"), ("googledomains.com", "Google"), ("google.com", "Google Cloud DNS"),
    ("domaincontrol.com", "GoDaddy"), ("registrar-servers.com", "Namecheap"), ("digitalocean.com", "DigitalOcean"),
    ("azure-dns", "Azure DNS"), ("gandi.net", "Gandi"), ("ovh.net", "OVH"), ("hetzner", "Hetzner"),
)
_MAIL: tuple[tuple[str, str], ...] = (
    ("google.com", "Google Workspace"), ("googlemail.com", "Google Workspace"),
    ("outlook.com", "Microsoft 365"), ("protection.outlook.com", "Microsoft 365"), ("zoho", "Zoho Mail"),
    ("messagingengine.com", "Fastmail"), ("mailgun.org", "Mailgun"), ("sendgrid.net", "SendGrid"),
    ("amazonses.com", "Amazon SES"), ("protonmail.ch", "Proton Mail"),
)
_KNOWN_IPS = {"76.76.21.21": "Vercel", "75.2.60.5": "Netlify"}
_GITHUB_PAGES_IPS = {f"185.199.{n}.153" for n in range(108, 112)}


@dataclass(slots=True)
class DnsRecord:
    type: str
    value: str
    ttl: int | None = None
    meaning: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value, "ttl": self.ttl, "meaning": self.meaning}


@dataclass(slots=True)
class HostEntry:
    host: str
    role: str  # "the apex", "www", "subdomain", "email policy", …
    records: list[DnsRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"host": self.host, "role": self.role, "records": [r.to_json() for r in self.records],
                "notes": self.notes}


@dataclass(slots=True)
class DnsMap:
    domain: str
    nameservers: list[str] = field(default_factory=list)  # who we asked
    hosts: list[HostEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    generated_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "nameservers": self.nameservers, "generated_at": self.generated_at,
                "hosts": [h.to_json() for h in self.hosts], "problems": self.problems}


def _suffix_match(name: str, table: tuple[tuple[str, str], ...]) -> str | None:
    name = name.lower().rstrip(".")
    return next((label for suffix, label in table if suffix in name), None)


def _txt_text(value: str) -> str:
    """dnspython's TXT text form ("part" "part") as one string."""
    if value.startswith('"'):
        parts = []
        for chunk in value.split('" "'):
            parts.append(chunk.strip('"'))
        return "".join(parts)
    return value


def describe(rtype: str, value: str, host: str, domain: str) -> str:
    """What this record does, in words a founder understands."""
    rtype = rtype.upper()
    if rtype == "A" or rtype == "AAAA":
        family = "IPv4" if rtype == "A" else "IPv6"
        who = _KNOWN_IPS.get(value) or ("GitHub Pages" if value in _GITHUB_PAGES_IPS else None)
        try:
            private = ipaddress.ip_address(value).is_private or ipaddress.ip_address(value).is_loopback
        except ValueError:
            private = False
        text = f"the {family} address browsers connect to for {host}"
        if who:
            text += f" ({who})"
        if private:
            text += " — a private/loopback address, reachable only inside your network"
        return text
    if rtype == "CNAME":
        who = _suffix_match(value, _TARGETS)
        return f"alias: {host} is served by {value.rstrip('.')}" + (f" ({who})" if who else "") + \
            "; its addresses come from there"
    if rtype == "NS":
        who = _suffix_match(value, _NAMESERVERS)
        return "nameserver: " + (f"{who} " if who else "this server ") + \
            "answers for your domain — record changes are made in its dashboard"
    if rtype == "SOA":
        parts = value.split()
        serial = parts[2] if len(parts) > 2 else "?"
        return f"zone settings: primary nameserver {parts[0].rstrip('.') if parts else '?'}, serial {serial} " \
               "(increases with every change)"
    if rtype == "MX":
        prio, _, target = value.partition(" ")
        who = _suffix_match(target, _MAIL)
        return f"email for @{domain} is delivered to {target.rstrip('.')}" + (f" ({who})" if who else "") + \
            f", priority {prio} (lower is tried first)"
    if rtype == "CAA":
        bits = value.split(" ", 2)
        tag, arg = (bits[1], bits[2].strip('"')) if len(bits) == 3 else ("", value)
        if tag == "issue":
            return f"only {arg} may issue certificates for {domain}" if arg != ";" else "no CA may issue certificates"
        if tag == "issuewild":
            return "no CA may issue wildcard certificates" if arg == ";" else f"{arg} may issue wildcard certificates"
        if tag == "iodef":
            return f"certificate authorities report suspicious requests to {arg}"
        return "certificate authority rule"
    if rtype == "TXT":
        text = _txt_text(value)
        low = text.lower()
        if low.startswith("v=spf1"):
            return f"SPF: the servers allowed to send email as @{host}; others are treated as forgeries"
        if low.startswith("v=dmarc1"):
            policy = next((p.split("=", 1)[1] for p in low.replace(" ", "").split(";") if p.startswith("p=")), "?")
            action = {"reject": "reject", "quarantine": "send to spam"}.get(policy, "only report")
            return f"DMARC: receivers {action} mail that fails SPF/DKIM, and send you reports"
        if low.startswith("v=dkim1"):
            return "DKIM public key: receivers check your mail's signature with it (public by design)"
        if low.startswith("v=stsv1"):
            return "MTA-STS: tells mail servers to deliver to you over TLS only (policy at https://mta-sts.…)"
        if low.startswith("v=tlsrptv1"):
            return "TLS-RPT: where mail servers send reports about TLS delivery problems"
        if low.startswith("v=bimi1"):
            return "BIMI: the logo shown next to your email in supporting inboxes"
        if "verification" in low or "verify" in low:
            return "ownership proof for a service (safe to keep while you use that service)"
        return "text record (often a verification token for a service)"
    return f"{rtype} record"


def _cell(text: str, limit: int = 120) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_dns_map_markdown(dns_map: DnsMap) -> str:
    """The DNS map as a Markdown document (diffable, readable without the tool)."""
    lines = [f"# DNS map — {dns_map.domain}", ""]
    asked = ", ".join(dns_map.nameservers) or "the system resolver"
    when = f" on {dns_map.generated_at}" if dns_map.generated_at else ""
    lines += [f"Records as answered by {asked}{when}. Each row says what the record does; change records at "
              "the DNS provider named by the NS records.", ""]
    if dns_map.problems:
        lines += ["## Needs attention", ""]
        lines += [f"- {p}" for p in dns_map.problems]
        lines.append("")
    for entry in dns_map.hosts:
        lines += [f"## {entry.host} ({entry.role})", ""]
        if entry.records:
            lines += ["| Type | Value | TTL | What it does |", "|---|---|---|---|"]
            for r in entry.records:
                ttl = "" if r.ttl is None else str(r.ttl)
                lines.append(f"| {r.type} | `{_cell(r.value, 80)}` | {ttl} | {_cell(r.meaning, 200)} |")
            lines.append("")
        for note in entry.notes:
            lines.append(f"- {note}")
        if entry.notes:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
