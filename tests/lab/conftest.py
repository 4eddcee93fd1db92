"""Fixtures for the lab tests: one lab per module, an aiohttp client that routes lab names to it."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.abc import AbstractResolver, ResolveResult

from launchready_tui.lab.server import Lab


class LabResolver(AbstractResolver):
    """Maps every name to 127.0.0.1 and ports 443/80 to the lab's listeners (what --connect-to does)."""

    def __init__(self, lab: Lab) -> None:
        self.map: dict[tuple[str, int], int] = {}
        for entry in lab.connect_to:
            host, port, _addr, real = entry.split(":")
            self.map[(host, int(port))] = int(real)

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        real = self.map.get((host, port))
        if real is None:
            raise OSError(f"not a lab host: {host}:{port}")
        return [ResolveResult(hostname=host, host="127.0.0.1", port=real, family=socket.AF_INET, proto=0,
                              flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        pass


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def lab() -> AsyncIterator[Lab]:
    async with Lab() as running:
        yield running


def client_ssl(lab: Lab) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(lab.ca_file))


def make_session(lab: Lab, **kwargs: Any) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(resolver=LabResolver(lab), ssl=client_ssl(lab), limit=0,
                                     use_dns_cache=False)
    return aiohttp.ClientSession(connector=connector, auto_decompress=True, **kwargs)


@pytest_asyncio.fixture(loop_scope="package")
async def http(lab: Lab) -> AsyncIterator[aiohttp.ClientSession]:
    async with make_session(lab) as session:
        yield session


@pytest.fixture
def session_factory() -> Callable[..., aiohttp.ClientSession]:
    """make_session, for tests that need their own client (fixtures avoid importing conftest)."""
    return make_session
