"""Does a server accept one exact TLS version? Three answers: yes, no, or could not tell.

A plain True/False probe would make a timeout or a refused TCP connection look like
"version disabled". Here the TCP connection is opened first (through the same resolver and
``--connect-to`` / ``--resolve`` overrides as every other request) and TLS is started on it
afterwards, so a failure to connect is kept apart from a server that rejects the version (a TLS
alert, or the connection dropped during the handshake, which asyncio reports as a reset).
If this machine's OpenSSL cannot offer a version (SSLv3 always, TLS 1.0/1.1 on some builds), the
answer is "unknown", never "no" (design checks-web.md §7).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import warnings
from dataclasses import dataclass
from typing import Literal

from launchready_tui.net.overrides import NetworkOverrides
from launchready_tui.net.resolver import Resolver

VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
_HAS = {"TLSv1": "HAS_TLSv1", "TLSv1.1": "HAS_TLSv1_1", "TLSv1.2": "HAS_TLSv1_2", "TLSv1.3": "HAS_TLSv1_3"}


@dataclass(frozen=True, slots=True)
class VersionResult:
    version: str
    answer: Literal["yes", "no", "unknown"]
    reason: str = ""

    def to_json(self) -> str:
        return self.answer if self.answer != "unknown" else f"unknown: {self.reason}"


@functools.cache
def pinned_context(version: str) -> ssl.SSLContext | None:
    """A non-verifying client context offering exactly ``version``; None if OpenSSL here cannot.

    Cached and built without the trust store (nothing is verified): creating a default context per
    handshake cost ~45 ms each and froze the wizard during stage 2.
    """
    if version not in VERSIONS or not getattr(ssl, _HAS[version], False):
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():  # ssl warns that TLS 1.0/1.1 are deprecated: testing for them is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        if version in ("TLSv1", "TLSv1.1"):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses old versions at the default level
        try:
            ctx.minimum_version = ctx.maximum_version = VERSIONS[version]
        except (ValueError, ssl.SSLError):
            return None
    return ctx


async def offers_version(
    host: str, port: int, version: str, resolver: Resolver, overrides: NetworkOverrides | None = None,
    timeout: float = 5.0,
) -> VersionResult:
    ctx = pinned_context(version)
    if ctx is None:
        return VersionResult(version, "unknown", "this machine's OpenSSL cannot offer it")
    to_host, to_port = (overrides or resolver.overrides).route(host, port)
    lookup = await resolver.addresses(to_host, to_port)
    if not lookup.addresses:
        return VersionResult(version, "unknown", lookup.reason)
    try:
        async with asyncio.timeout(timeout):
            _reader, writer = await asyncio.open_connection(lookup.addresses[0], to_port)
    except (TimeoutError, OSError) as exc:
        return VersionResult(version, "unknown", f"could not connect to {host}:{port}: "
                             f"{exc or type(exc).__name__}")
    try:
        async with asyncio.timeout(timeout):
            await writer.start_tls(ctx, server_hostname=host, ssl_handshake_timeout=timeout)
    except TimeoutError:
        return VersionResult(version, "unknown", f"{host}:{port} did not finish the handshake in {timeout:g} s")
    except (ssl.SSLError, ConnectionError, EOFError) as exc:
        return VersionResult(version, "no", str(getattr(exc, "reason", None) or type(exc).__name__))
    except OSError as exc:
        return VersionResult(version, "unknown", str(exc) or type(exc).__name__)
    finally:
        writer.close()
    return VersionResult(version, "yes")
