"""Makes the generator's aiohttp client honour the project's network settings, like every other check.

aiohttp asks an ``AbstractResolver`` for the addresses of ``host:port``. Ours applies ``--connect-to``
(where the TCP connection really goes) and then asks the project's own ``net.resolver.Resolver`` (the
``--nameserver`` servers, ``--resolve`` pins, literals), so the load path and the checks see the same
addresses. The URL host stays the TLS server name (SNI) and the Host header: aiohttp takes both from the
request URL, not from the resolver's answer. The SSL context is the project's (public roots plus
``--ca-file``), built by ``net.http.build_ssl_context``.
"""

from __future__ import annotations

import socket
import ssl

from aiohttp.abc import AbstractResolver, ResolveResult

from launchready_tui.loadgen.plan import Network
from launchready_tui.net.http import build_ssl_context
from launchready_tui.net.overrides import NetworkOverrides
from launchready_tui.net.resolver import Resolver


class ProjectResolver(AbstractResolver):
    """aiohttp resolver over ``net.resolver.Resolver`` with ``--connect-to`` routes applied first."""

    def __init__(self, network: Network) -> None:
        self.overrides = NetworkOverrides.parse(network.resolve, network.connect_to)
        self.resolver = Resolver(network.nameservers or None, timeout=network.dns_timeout,
                                 overrides=self.overrides)

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        to_host, to_port = self.overrides.route(host, port)
        lookup = await self.resolver.addresses(to_host, to_port)
        if not lookup.addresses:
            raise OSError(lookup.reason)  # aiohttp turns this into ClientConnectorDNSError
        out: list[ResolveResult] = []
        for addr in lookup.addresses:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            if family not in (socket.AF_UNSPEC, fam) and family != 0:
                continue
            out.append(ResolveResult(hostname=host, host=addr, port=to_port, family=fam, proto=0,
                                     flags=socket.AI_NUMERICHOST))
        if not out:
            raise OSError(f"{to_host} has no address of the requested family")
        return out

    async def close(self) -> None:
        return None


def ssl_context(network: Network) -> ssl.SSLContext:
    return build_ssl_context(network.ca_file)
