"""Which hosts and URLs the checks look at, derived from the project file in one place.

The host sets, from narrow to wide:

* ``front_hosts``: apex and www, the names a visitor types.
* ``entry_hosts``: those plus the app's host, the names visitors type or are sent to.
* ``product_hosts``: those plus the API, health and endpoint hosts, the names the product is served on.
* ``subdomain_names``: the founder's ``subdomains:`` as full names; ``subdomain_hosts`` adds the app and
  API hosts that are not apex or www (what ``routing.subdomains`` and the DNS map look at).
* ``web_hosts``: all of the above (every certificate the product shows).
* ``home_pages``: the HTTPS pages whose headers and HTML are judged (apex home, the app URL).

``classify_hosts`` splits a set by what DNS says, keeping "could not ask" apart from "absent".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from launchready_tui.core.project import Endpoint, Project

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext

MAX_PRODUCT_HOSTS = 8  # the hosts provider detection and the DNS checks look at: a product, not an estate


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else f"https://{url}").hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def front_hosts(project: Project) -> list[str]:
    """The names a visitor types: the apex and www (www dropped when the domain already is www.)."""
    domain = project.domain.lower().rstrip(".")
    if domain.startswith("www."):
        return [domain, domain[4:]]
    return [domain, f"www.{domain}"]


def entry_hosts(project: Project) -> list[str]:
    """Names a visitor types or the product sends them to: apex, www, and the app's host."""
    hosts = front_hosts(project)
    if (app := host_of(project.app_url)) and app not in hosts:
        hosts.append(app)
    return hosts


def product_hosts(project: Project, limit: int | None = None) -> list[str]:
    """The names the product is served on (apex, www, app, api, health, endpoint hosts), not every subdomain."""
    hosts = front_hosts(project)
    for url in [project.app_url, project.api_url, project.health_url, *(e.url for e in project.endpoints)]:
        if (h := host_of(url)) is not None:
            hosts.append(h)
    return list(dict.fromkeys(hosts))[:limit]


def subdomain_names(project: Project) -> list[str]:
    """The founder's ``subdomains:`` list as full host names (``app`` -> ``app.example.com``)."""
    domain = project.domain.lower().rstrip(".")
    return list(dict.fromkeys(f"{s.strip('.').lower()}.{domain}" for s in project.subdomains if s.strip(".")))


def subdomain_hosts(project: Project) -> list[str]:
    """The listed subdomains plus the app's and API's hosts when they are neither apex nor www."""
    domain = project.domain.lower().rstrip(".")
    hosts = subdomain_names(project)
    for url in (project.app_url, project.api_url):
        host = host_of(url)
        if host and host != domain and host != f"www.{domain}":
            hosts.append(host)
    return list(dict.fromkeys(hosts))


def web_hosts(project: Project) -> list[str]:
    """Every host the product serves on: apex, www, app/api/health/endpoint hosts, subdomains."""
    return list(dict.fromkeys(product_hosts(project) + subdomain_names(project)))


def home_pages(project: Project) -> list[str]:
    """The HTTPS pages judged for headers and content: the apex home page, and the app URL (over https) when
    the app lives on another host."""
    apex = front_hosts(project)[0]
    pages = [f"https://{apex}/"]
    app = host_of(project.app_url)
    if project.app_url and app and app != apex:
        parts = urlsplit(project.app_url)
        pages.append(parts._replace(scheme="https").geturl() if parts.scheme == "http" else project.app_url)
    return pages


def in_domain(host_or_url: str, domain: str) -> bool:
    """Whether a host (or a URL's host) is the domain itself or one of its subdomains."""
    host = host_of(host_or_url) or ""
    domain = domain.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def core_endpoints(project: Project) -> list[Endpoint]:
    """The endpoints to time; the home page when the founder listed none."""
    if project.endpoints:
        return list(project.endpoints)
    return [Endpoint(name="home", url=f"https://{project.domain}/", method="GET")]


@dataclass(slots=True)
class HostSet:
    live: list[str] = field(default_factory=list)  # has an address
    absent: list[str] = field(default_factory=list)  # DNS says it does not exist / has no address
    unresolved: dict[str, str] = field(default_factory=dict)  # DNS could not be asked: host -> reason


async def classify_hosts(ctx: CheckContext, hosts: list[str], port: int = 443) -> HostSet:
    """Split hosts by what DNS says; a timeout or SERVFAIL is "unresolved", never "absent"."""
    lookups = await asyncio.gather(*(ctx.resolver.addresses(h, port) for h in hosts))
    out = HostSet()
    for host, lookup in zip(hosts, lookups, strict=True):
        if lookup.addresses:
            out.live.append(host)
        elif any(not a.outcome.measured for a in lookup.answers):
            out.unresolved[host] = lookup.reason
        else:
            out.absent.append(host)
    return out
