"""Every host name the lab serves, and what each one is there to demonstrate.

One table drives the DNS zones, the certificates, the web virtual hosts and the curl-style
``connect_to`` list, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GOOD = "good.test"
FLAWED = "flawed.test"
STANDINS = "lab.test"  # loopback stand-ins for third-party APIs (RDAP, uptime, Slack webhooks)

Cert = Literal["good", "flawed", "expired", "wronghost", "standins"]
Role = Literal[
    "site",  # the app: HTML, API, AI, health (good or flawed flavour)
    "to_apex",  # www.good.test: one 301 to the canonical apex
    "chain",  # a 4-hop redirect chain
    "loop",  # a redirect loop
    "mta_sts",  # the MTA-STS policy host
    "status",  # a status page
    "standins",  # RDAP / uptime API / webhook stand-ins
]


@dataclass(frozen=True, slots=True)
class Host:
    name: str
    good: bool  # which flavour of every behaviour (headers, cookies, caching, AI, ...)
    role: Role = "site"
    cert: Cert = "good"
    ipv6: bool = False
    cdn: bool = False  # answers with Cloudflare-style headers (server: cloudflare, cf-ray, cf-cache-status)
    legacy_tls: bool = False  # served on the listener that still accepts TLS 1.0/1.1


HOSTS: tuple[Host, ...] = (
    # the good zone: everything right
    Host(GOOD, True, ipv6=True, cdn=True),
    Host(f"www.{GOOD}", True, role="to_apex", ipv6=True, cdn=True),
    Host(f"app.{GOOD}", True, ipv6=True, cdn=True),
    Host(f"api.{GOOD}", True, ipv6=True, cdn=True),
    Host(f"docs.{GOOD}", True, ipv6=True, cdn=True),
    Host(f"admin.{GOOD}", True, ipv6=True, cdn=True),
    Host(f"mta-sts.{GOOD}", True, role="mta_sts", ipv6=True),
    Host(f"status.{GOOD}", True, role="status", ipv6=True),
    Host(f"origin.{GOOD}", True),  # DNS-only (grey cloud): the origin is exposed, no CDN headers
    # the flawed zone: everything wrong
    Host(FLAWED, False, cert="flawed"),
    Host(f"www.{FLAWED}", False, cert="flawed"),  # serves the site too: no canonical host
    Host(f"app.{FLAWED}", False, cert="flawed"),
    Host(f"api.{FLAWED}", False, cert="flawed"),
    Host(f"docs.{FLAWED}", False, cert="flawed"),
    Host(f"admin.{FLAWED}", False, cert="flawed"),
    Host(f"mta-sts.{FLAWED}", False, role="mta_sts", cert="flawed"),  # policy file missing (404)
    Host(f"expired.{FLAWED}", False, cert="expired"),
    Host(f"wronghost.{FLAWED}", False, cert="wronghost"),
    Host(f"legacy.{FLAWED}", False, cert="flawed", legacy_tls=True),
    Host(f"chain.{FLAWED}", False, role="chain", cert="flawed"),
    Host(f"loop.{FLAWED}", False, role="loop", cert="flawed"),
    # stand-ins for services that cannot exist offline
    Host(f"rdap.{STANDINS}", True, role="standins", cert="standins"),
    Host(f"uptime.{STANDINS}", True, role="standins", cert="standins"),
    Host(f"hooks.{STANDINS}", True, role="standins", cert="standins"),
)

BY_NAME: dict[str, Host] = {h.name: h for h in HOSTS}


def names_with_cert(cert: Cert) -> list[str]:
    return [h.name for h in HOSTS if h.cert == cert]


def zone_hosts(origin: str) -> list[Host]:
    return [h for h in HOSTS if h.name == origin or h.name.endswith("." + origin)]
