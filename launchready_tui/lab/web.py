"""The lab's web servers (aiohttp.web): one HTTPS listener choosing the certificate by SNI, one for
legacy TLS 1.0+, and one plain-HTTP listener; virtual hosts by Host header, all on 127.0.0.1.

Cross-cutting behaviour lives here (HTTP->HTTPS redirects, security and CDN headers, compression,
fault knobs); the routes themselves are in app_routes.py.
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from aiohttp import web
from aiohttp.web_response import ContentCoding

from launchready_tui.lab.app_routes import redirect, role_response
from launchready_tui.lab.ca import LabCA, Leaf
from launchready_tui.lab.hosts import BY_NAME, FLAWED, GOOD, HOSTS, Cert, Host, names_with_cert
from launchready_tui.lab.state import STATE, LabState

WebFaultMode = Literal["stall", "reset"]
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/health+json", "image/svg")


@dataclass(slots=True)
class WebFault:
    delay_ms: int = 0
    status: int | None = None  # answer every request with this status
    mode: WebFaultMode | None = None  # "stall": headers then nothing; "reset": drop the connection


Middleware = Callable[[web.Request, Callable[[web.Request], Awaitable[web.StreamResponse]]],
                      Awaitable[web.StreamResponse]]


def request_host(request: web.Request) -> str:
    host = (request.host or "").lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


class WebServers:
    """The three listeners and their shared app."""

    def __init__(self, ca: LabCA, state: LabState, host: str = "127.0.0.1") -> None:
        self.ca = ca
        self.state = state
        self.host = host
        self.faults: dict[str, WebFault] = {}
        self.https_port = self.http_port = self.legacy_https_port = 0
        self.leaves: dict[Cert, Leaf] = {}
        self._runner: web.AppRunner | None = None

    # -- fault knobs -------------------------------------------------------------------------

    def set_fault(
        self, host: str = "*", *, delay_ms: int = 0, status: int | None = None, mode: WebFaultMode | None = None
    ) -> None:
        """Slow down, fail, stall or reset every response of ``host`` (``"*"``: every host)."""
        key = host.lower()
        if not delay_ms and status is None and mode is None:
            self.faults.pop(key, None)
        else:
            self.faults[key] = WebFault(delay_ms, status, mode)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- certificates ----------------------------------------------------------------------------

    def _issue_leaves(self) -> None:
        ca = self.ca
        self.leaves = {
            "good": ca.issue("good", names_with_cert("good"), key_type="rsa", valid_days=75),
            "flawed": ca.issue("flawed", names_with_cert("flawed"), valid_days=5),  # expiring in 5 days
            "expired": ca.issue("expired", names_with_cert("expired"), expired=True),
            "wronghost": ca.issue("wronghost", ["someone-else.test"]),  # valid, but for another name
            "standins": ca.issue("standins", names_with_cert("standins"), valid_days=300),
        }

    def _tls_contexts(self) -> tuple[ssl.SSLContext, ssl.SSLContext]:
        contexts = {cert: leaf.server_context() for cert, leaf in self.leaves.items()}

        def pick(sslobj: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
            host = BY_NAME.get((server_name or "").lower())
            if host is not None:
                sslobj.context = contexts[host.cert]
            # unknown or missing SNI: keep the default (good) certificate, a name mismatch for the client

        main = self.leaves["good"].server_context()
        main.sni_callback = pick
        # TLS 1.0 needs SECLEVEL=0 on OpenSSL 3 (SHA-1 signatures); that is the point of this listener
        legacy = self.leaves["flawed"].server_context(ssl.TLSVersion.TLSv1, ciphers="DEFAULT:@SECLEVEL=0")
        legacy.maximum_version = ssl.TLSVersion.TLSv1_2  # no TLS 1.3 on the legacy host either
        return main, legacy

    # -- middleware ------------------------------------------------------------------------------

    @web.middleware
    async def _faults_mw(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        state = self.state
        state.inflight += 1
        state.peak_inflight = max(state.peak_inflight, state.inflight)
        try:
            return await self._with_fault(request, handler)
        finally:
            state.inflight -= 1

    async def _with_fault(self, request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        fault = self.faults.get(request_host(request)) or self.faults.get("*")
        if fault is None:
            return await handler(request)
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.mode == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp drops the request quietly
        if fault.mode == "stall":
            resp = web.StreamResponse()
            await resp.prepare(request)
            await self.state.stopping.wait()
            return resp
        if fault.status is not None:
            return web.Response(status=fault.status, text=f"lab fault: status {fault.status}\n")
        return await handler(request)

    @web.middleware
    async def _vhost_mw(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                        ) -> web.StreamResponse:
        host = BY_NAME.get(request_host(request))
        if host is None:
            return web.Response(status=421, text="unknown lab host; known: " + ", ".join(BY_NAME) + "\n")
        if not request.secure and self._redirects_to_https(host, request.path):
            target = GOOD if host.role == "to_apex" else host.name
            return redirect(f"https://{target}{request.path_qs}", 301)
        resp = await role_response(request, host)
        if isinstance(resp, web.Response) and not resp.prepared and host.good:
            ctype = resp.content_type or ""
            if ctype.startswith(COMPRESSIBLE) and resp.body is not None and len(resp.body) >= 256:  # type: ignore[arg-type]
                accept = request.headers.get("Accept-Encoding", "").lower()
                if "gzip" in accept or "deflate" in accept:  # gzip preferred; good hosts only
                    resp.enable_compression(ContentCoding.gzip if "gzip" in accept else ContentCoding.deflate)
        return resp

    @staticmethod
    def _redirects_to_https(host: Host, path: str) -> bool:
        if host.role in ("chain", "loop"):
            return True  # first hop of the chain / entry of the loop
        if path.startswith("/.well-known/acme-challenge/"):
            return False  # ACME HTTP-01 must stay on http
        return host.good and host.role != "standins"  # flawed hosts serve plain HTTP as is

    async def _decorate(self, request: web.Request, resp: web.StreamResponse) -> None:
        """Headers every response of a host gets (runs for streamed responses too)."""
        host = BY_NAME.get(request_host(request))
        if host is None:
            return
        h = resp.headers
        if host.cdn:
            h["Server"] = "cloudflare"
            h["CF-Ray"] = secrets.token_hex(8) + "-AMS"
            static = request.path.startswith("/static/") and resp.status == 200
            h["CF-Cache-Status"] = "HIT" if static else "DYNAMIC"
            if static:
                h.setdefault("Age", "3600")
        elif host.good:
            h["Server"] = "lab"
        else:
            h["Server"] = "nginx/1.18.0 (Ubuntu)"  # version disclosure
            h["X-Powered-By"] = "Express"
        if host.good and request.secure:
            for k, v in SECURITY_HEADERS.items():
                h.setdefault(k, v)

    # -- lifecycle -------------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._faults_mw, self._vhost_mw], client_max_size=1024**2 * 2)
        app[STATE] = self.state
        app.router.add_route("*", "/{tail:.*}", _unrouted)
        app.on_response_prepare.append(self._decorate)
        return app

    async def start(self, issue: bool = True) -> None:
        if issue or not self.leaves:
            self._issue_leaves()
        main_ctx, legacy_ctx = self._tls_contexts()
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sites = [
            web.TCPSite(self._runner, self.host, 0, ssl_context=main_ctx, backlog=1024),
            web.TCPSite(self._runner, self.host, 0, backlog=1024),
            web.TCPSite(self._runner, self.host, 0, ssl_context=legacy_ctx, backlog=128),
        ]
        ports = []
        for site in sites:
            await site.start()
            server = site._server  # aiohttp keeps the asyncio.Server private; the port is only there
            assert server is not None and server.sockets
            ports.append(server.sockets[0].getsockname()[1])
        self.https_port, self.http_port, self.legacy_https_port = ports

    async def stop(self) -> None:
        self.state.stopping.set()  # releases stalled responses
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def connect_to(self) -> list[str]:
        """curl-style HOST:PORT:ADDR:PORT for every lab host, HTTPS and HTTP."""
        out = []
        for h in HOSTS:
            tls_port = self.legacy_https_port if h.legacy_tls else self.https_port
            out.append(f"{h.name}:443:{self.host}:{tls_port}")
            out.append(f"{h.name}:80:{self.host}:{self.http_port}")
        return out


async def _unrouted(request: web.Request) -> web.StreamResponse:
    # every request goes through _vhost_mw, which never calls the router's handler
    return web.Response(status=404)


__all__ = ["FLAWED", "GOOD", "WebFault", "WebServers", "request_host"]
