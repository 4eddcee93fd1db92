"""Zone contents for the lab's DNS server: the good zone, the flawed zone and a few platform zones.

Every address is loopback. Names outside ``.test`` (google.com, herokuapp.com, github.io) are tiny
stand-ins so SPF includes, MX targets and dangling CNAMEs resolve the way they would on the internet,
but only through the lab's nameserver.
"""

from __future__ import annotations

import base64

import dns.zone
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from launchready_tui.lab.hosts import FLAWED, GOOD, STANDINS, zone_hosts

SOA = "{ns} hostmaster.{origin}. 2026010101 3600 600 604800 300"
SPF_INCLUDES = 11  # one more than RFC 7208's limit of 10 DNS lookups


def dkim_txt(bits: int) -> str:
    """A DKIM key record for a fresh RSA key of ``bits`` (the private half is thrown away)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def txt(value: str) -> str:
    """Zone-file TXT rdata, split in 255-byte strings as RFC 7208/6376 require."""
    parts = [value[i : i + 255] for i in range(0, len(value), 255)]
    return " ".join('"' + p.replace('"', '\\"') + '"' for p in parts)


def _host_lines(origin: str, skip: set[str]) -> list[str]:
    lines = []
    for h in zone_hosts(origin):
        label = "@" if h.name == origin else h.name[: -len(origin) - 1]
        if label in skip:
            continue
        lines.append(f"{label} A 127.0.0.1")
        if h.ipv6:
            lines.append(f"{label} AAAA ::1")
    return lines


def good_zone(dkim_2048: str) -> str:
    o = GOOD
    lines = [
        f"@ SOA {SOA.format(ns='ada.ns.cloudflare.com.', origin=o)}",
        "@ NS ada.ns.cloudflare.com.",  # provider detection: DNS at Cloudflare
        "@ NS bob.ns.cloudflare.com.",
        *_host_lines(o, skip={"docs"}),
        "docs CNAME good-docs.github.io.",  # a claimed platform host (resolves)
        "@ MX 1 aspmx.l.google.com.",
        f"@ TXT {txt('v=spf1 include:_spf.google.com -all')}",
        f"@ TXT {txt('google-site-verification=lab-fake-verification')}",
        f"google._domainkey TXT {txt(dkim_2048)}",
        f"_dmarc TXT {txt('v=DMARC1; p=reject; rua=mailto:dmarc-reports@good.test; adkim=s; aspf=s')}",
        f"_mta-sts TXT {txt('v=STSv1; id=20260101T000000;')}",
        f"_smtp._tls TXT {txt('v=TLSRPTv1; rua=mailto:tls-reports@good.test')}",
        f"default._bimi TXT {txt('v=BIMI1; l=https://good.test/bimi/logo.svg;')}",
        '@ CAA 0 issue "letsencrypt.org"',
        '@ CAA 0 issuewild ";"',
        '@ CAA 0 iodef "mailto:security@good.test"',
    ]
    return "\n".join(lines)


def flawed_zone(dkim_1024: str) -> str:
    o = FLAWED
    includes = " ".join(f"include:_spf{i}.{o}" for i in range(1, SPF_INCLUDES + 1))
    lines = [
        f"@ SOA {SOA.format(ns='ns1.flawed.test.', origin=o)}",
        "@ NS ns1.flawed.test.",
        "ns1 A 127.0.0.1",
        *_host_lines(o, skip=set()),
        "shop CNAME flawed-shop.herokuapp.com.",  # dangling: the Heroku app was deleted (takeover risk)
        "@ MX 10 mx-old.flawed.test.",  # MX target that does not exist
        f"@ TXT {txt(f'v=spf1 {includes} ~all')}",  # 11 lookups > 10: permerror
        f"mail TXT {txt('v=spf1 +all')}",  # +all: anyone may send as mail.flawed.test
        f"google._domainkey TXT {txt(dkim_1024)}",  # 1024-bit key
        # no _dmarc record at all
        f"_mta-sts TXT {txt('v=STSv1; id=1;')}",  # TXT published but the policy file is missing
        f"_smtp._tls TXT {txt('v=TLSRPTv1; rua=tls-reports@flawed.test')}",  # rua without mailto:
        f"default._bimi TXT {txt('v=BIMI1; l=http://flawed.test/logo.png;')}",  # not https, not SVG
        # no CAA, no AAAA anywhere
        "deep.empty A 127.0.0.1",  # makes empty.flawed.test an empty non-terminal (NODATA, not NXDOMAIN)
    ]
    lines += [f"_spf{i} TXT {txt(f'v=spf1 a ip4:127.0.0.{i} -all')}" for i in range(1, SPF_INCLUDES + 1)]
    return "\n".join(lines)


def standins_zone() -> str:
    return "\n".join([
        f"@ SOA {SOA.format(ns='ns1.lab.test.', origin=STANDINS)}",
        "@ NS ns1.lab.test.",
        "ns1 A 127.0.0.1",
        *_host_lines(STANDINS, skip=set()),
    ])


PLATFORM_ZONES: dict[str, list[str]] = {
    "google.com": [
        f"_spf TXT {txt('v=spf1 ip4:127.0.0.0/8 ~all')}",  # lab stand-in for Google's SPF
        "aspmx.l A 127.0.0.1",
    ],
    "herokuapp.com": [],  # flawed-shop.herokuapp.com is unclaimed: NXDOMAIN
    "github.io": ["good-docs A 127.0.0.1", "good-docs AAAA ::1"],
}


def platform_zone(origin: str) -> str:
    return "\n".join([
        f"@ SOA {SOA.format(ns='ns1.' + origin + '.', origin=origin)}",
        f"@ NS ns1.{origin}.",
        "ns1 A 127.0.0.1",
        *PLATFORM_ZONES[origin],
    ])


def build_zones() -> dict[str, dns.zone.Zone]:
    """Every lab zone, keyed by origin (no trailing dot)."""
    texts = {
        GOOD: good_zone(dkim_txt(2048)),
        FLAWED: flawed_zone(dkim_txt(1024)),
        STANDINS: standins_zone(),
        **{o: platform_zone(o) for o in PLATFORM_ZONES},
    }
    return {
        origin: dns.zone.from_text("$TTL 300\n" + text + "\n", origin=origin + ".", relativize=False)
        for origin, text in texts.items()
    }
