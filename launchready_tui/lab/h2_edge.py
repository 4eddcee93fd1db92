"""An HTTP/2 TLS edge in front of the lab's origin: the passing example of ``edge.http2``.

aiohttp serves HTTP/1.1 only. Like a CDN, this listener terminates TLS, offers ``h2`` and
``http/1.1`` by ALPN, advertises HTTP/3 in ``alt-svc`` (as Cloudflare does) and forwards every
request over HTTP/1.1 to the origin (the lab's main HTTPS listener), keeping the Host, the body
and every response header (compression, cookies, caching) as they are. The HTTP/2 side is
hypercorn (a maintained ASGI server built on the ``h2`` package); the proxy is a small ASGI app
over aiohttp's client, streaming both ways so /huge and /stall behave as on the origin.

Used by routing a host's port 443 here, e.g. ``lab.edge.connect_to(["good.test"])`` placed before
the lab's own ``connect_to`` entries (the first match wins).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from hypercorn.asyncio import serve
from hypercorn.config import Config, Sockets

from launchready_tui.lab.ca import Leaf
from launchready_tui.lab.hosts import BY_NAME, Cert

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
              "proxy-authenticate", "proxy-authorization", "host", "content-length"}
ALT_SVC = 'h3=":443"; ma=86400'
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class _OriginResolver(AbstractResolver):
    """Every host name goes to the origin listener (the Host header and SNI keep the name)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        return [ResolveResult(hostname=host, host=self.host, port=self.port, family=socket.AF_INET, proto=0,
                              flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        pass


def edge_context(leaves: dict[Cert, Leaf]) -> ssl.SSLContext:
    """Server context offering h2 and http/1.1, picking the leaf by SNI like the origin does."""

    def make(leaf: Leaf) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # RFC 9113 §9.2: HTTP/2 needs TLS 1.2+
        ctx.options |= ssl.OP_NO_COMPRESSION
        ctx.load_cert_chain(leaf.cert_file, leaf.key_file)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        return ctx

    contexts = {cert: make(leaf) for cert, leaf in leaves.items()}
    main = make(leaves["good"])

    def pick(sslobj: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        host = BY_NAME.get((server_name or "").lower())
        if host is not None and host.cert in contexts:
            sslobj.context = contexts[host.cert]

    main.sni_callback = pick
    return main


class _EdgeConfig(Config):
    """Hypercorn config serving on our pre-bound socket with our SNI context."""

    def __init__(self, context: ssl.SSLContext, sock: socket.socket) -> None:
        super().__init__()
        self._context, self._sock = context, sock
        self.certfile = self.keyfile = "unused"  # marks TLS as enabled; create_ssl_context supplies it
        self.errorlog = None
        self.accesslog = None
        self.graceful_timeout = 0.5
        self.keep_alive_timeout = 30

    def create_ssl_context(self) -> ssl.SSLContext:
        return self._context

    def create_sockets(self) -> Sockets:
        return Sockets([self._sock], [], [])


class H2Edge:
    """``await edge.start()`` / ``await edge.stop()``; ``edge.port`` once started."""

    def __init__(self, leaves: dict[Cert, Leaf], origin_port: int, ca_file: str, host: str = "127.0.0.1") -> None:
        self.leaves, self.origin_port, self.ca_file, self.host = leaves, origin_port, ca_file, host
        self.port = 0
        self.requests = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def connect_to(self, hosts: list[str]) -> list[str]:
        """curl-style entries sending ``hosts``' port 443 to this edge."""
        return [f"{h}:443:{self.host}:{self.port}" for h in hosts]

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        sock.listen(256)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        origin_tls = ssl.create_default_context(cafile=self.ca_file)
        connector = aiohttp.TCPConnector(resolver=_OriginResolver(self.host, self.origin_port), ssl=origin_tls,
                                         limit=0, use_dns_cache=False)
        self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                              timeout=aiohttp.ClientTimeout(total=None))
        config = _EdgeConfig(edge_context(self.leaves), sock)
        self._task = asyncio.create_task(serve(self._app, config, shutdown_trigger=self._stop.wait))  # type: ignore[arg-type]
        await asyncio.sleep(0)  # let hypercorn start listening on the socket

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, 5)
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        self.requests += 1
        await self._proxy(scope, receive, send)

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._session is not None
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        host = next((v for k, v in headers if k.lower() == "host"), "").split(":")[0]
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"https://{host}{scope['raw_path'].decode('latin-1') if scope.get('raw_path') else scope['path']}"
        if query and "?" not in url:
            url += "?" + query
        forward = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        forward.append(("Via", f"{scope.get('http_version', '1.1')} lab-edge"))

        body = bytearray()
        while True:  # lab requests are small (the origin caps them at 2 MiB): read, then forward
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        started = False
        try:
            async with self._session.request(
                scope["method"], url, headers=forward, data=bytes(body) if body else None, allow_redirects=False,
                skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"),
            ) as upstream:
                out = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in upstream.headers.items()
                       if k.lower() not in HOP_BY_HOP]
                out.append((b"alt-svc", ALT_SVC.encode()))
                await send({"type": "http.response.start", "status": upstream.status, "headers": out})
                started = True
                await _until_disconnect(_pump(upstream, send), receive)
        except (aiohttp.ClientError, OSError) as exc:
            if started:
                return  # headers are out: the client sees a cut-off body, as behind a real edge
            await send({"type": "http.response.start", "status": 502,
                        "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": f"lab edge: origin failed: {exc}\n".encode()})


async def _pump(upstream: aiohttp.ClientResponse, send: Send) -> None:
    async for chunk in upstream.content.iter_chunked(65536):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _until_disconnect(work: Awaitable[None], receive: Receive) -> None:
    """Run ``work`` but stop it when the client goes away (an h2 stream reset mid-body)."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = {asyncio.ensure_future(work), asyncio.ensure_future(disconnected())}
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
