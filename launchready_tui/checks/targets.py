"""Which hosts and URLs the checks look at, derived from the project file in one place."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from launchready_tui.core.project import Endpoint, Project

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext


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


def web_hosts(project: Project) -> list[str]:
    """Every host the product serves on: apex, www, app/api/health/endpoint hosts, subdomains."""
    hosts = front_hosts(project)
    for url in [project.app_url, project.api_url, project.health_url, *(e.url for e in project.endpoints)]:
        if (h := host_of(url)) is not None:
            hosts.append(h)
    for sub in project.subdomains:
        hosts.append(f"{sub.strip('.').lower()}.{project.domain.lower().rstrip('.')}")
    return list(dict.fromkeys(hosts))


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
