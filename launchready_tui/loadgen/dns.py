"""Makes the generator's HTTP client honour the project's network settings, like every other check.

:class:`AddressSource` applies ``--connect-to`` (where the TCP connection really goes) and then asks the
project's own ``net.resolver.Resolver`` (the ``--nameserver`` servers, ``--resolve`` pins, literals), so the
load path and the checks see the same addresses. The URL host stays the TLS server name (SNI) and the
Host header (``http1.Target``). Answers are kept for ``CACHE_S`` and concurrent lookups of one name share
one query: a run's first second opens up to 100 connections at once. The SSL context is the project's
(public roots plus ``--ca-file``), built by ``net.http.build_ssl_context``.
"""

from __future__ import annotations

import asyncio
import ssl

from launchready_tui.loadgen.plan import Network
from launchready_tui.net.http import build_ssl_context
from launchready_tui.net.overrides import NetworkOverrides
from launchready_tui.net.resolver import Resolver

CACHE_S = 300.0  # as aiohttp's ttl_dns_cache was: a load run does not follow DNS changes mid-step


class AddressSource:
    """``await resolve(host, port)`` -> ``[(address, port), ...]`` to connect to; ``OSError`` with the reason."""

    def __init__(self, network: Network) -> None:
        self.overrides = NetworkOverrides.parse(network.resolve, network.connect_to)
        self.resolver = Resolver(network.nameservers or None, timeout=network.dns_timeout,
                                 overrides=self.overrides)
        self._cache: dict[tuple[str, int], tuple[float, asyncio.Task[list[tuple[str, int]]]]] = {}

    async def resolve(self, host: str, port: int) -> list[tuple[str, int]]:
        loop = asyncio.get_running_loop()
        key = (host, port)
        hit = self._cache.get(key)
        if hit is None or (hit[1].done() and loop.time() - hit[0] >= CACHE_S):
            # its own task: a request that times out or is cancelled stops waiting, not the shared lookup
            task = loop.create_task(self._lookup(host, port))
            task.add_done_callback(lambda t: self._forget_failure(key, t))
            hit = self._cache[key] = (loop.time(), task)
        return list(await asyncio.shield(hit[1]))

    def _forget_failure(self, key: tuple[str, int], task: asyncio.Task[list[tuple[str, int]]]) -> None:
        if task.cancelled() or task.exception() is not None:  # a failure is not cached: the next request asks
            if self._cache.get(key, (0.0, None))[1] is task:
                del self._cache[key]

    async def _lookup(self, host: str, port: int) -> list[tuple[str, int]]:
        to_host, to_port = self.overrides.route(host, port)
        lookup = await self.resolver.addresses(to_host, to_port)
        if not lookup.addresses:
            raise OSError(lookup.reason)
        return [(addr, to_port) for addr in lookup.addresses]


def ssl_context(network: Network) -> ssl.SSLContext:
    ctx = build_ssl_context(network.ca_file)
    ctx.set_alpn_protocols(["http/1.1"])  # said explicitly: the load client speaks HTTP/1.1 only
    return ctx
