"""Request handlers of the lab app: one dispatcher per host role, each route in a good and a flawed flavour.

The flavour comes from the host (see hosts.py), never from the path, so the same URL path on
``good.test`` and ``flawed.test`` shows the passing and the failing example of a check.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from launchready_tui.lab import ai_bot
from launchready_tui.lab.ai_stream import chat_stream
from launchready_tui.lab.hosts import FLAWED, GOOD, Host
from launchready_tui.lab.site_content import HEALTH_GOOD, STACK_TRACE, SiteContent
from launchready_tui.lab.standins import standin_response
from launchready_tui.lab.state import STATE, LabState

HUGE_BYTES = 20 * 1024 * 1024
FLAWED_LOGIN_DELAY_S = 0.6  # over the 500 ms core-endpoint target
FLAWED_LOGIN_MAX_INFLIGHT = 40  # beyond this the flawed login sheds load with 503s
FLAWED_AI_DELAY_S = 1.2
GOOD_CHAT_LIMIT_PER_MIN = 300
CHAIN_HOPS = ("/", "/hop2", "/hop3")  # https entry + 2 more hops, then off to the apex: 4 from http://

Handler = Callable[[web.Request, Host], Awaitable[web.StreamResponse]]


def _state(request: web.Request) -> LabState:
    return request.app[STATE]


def _json(data: Any, status: int = 200, **headers: str) -> web.Response:
    return web.Response(text=json.dumps(data), status=status, content_type="application/json", headers=headers)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def _not_found() -> web.Response:
    return web.Response(text="not found\n", status=404)


async def _body_json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _session_cookies(resp: web.StreamResponse, good: bool) -> None:
    token = secrets.token_urlsafe(16)
    if good:
        resp.headers.add("Set-Cookie", f"session={token}; Path=/; Secure; HttpOnly; SameSite=Lax")
        resp.headers.add("Set-Cookie", f"csrftoken={secrets.token_hex(8)}; Path=/; Secure; SameSite=Lax")
    else:
        resp.headers.add("Set-Cookie", f"session={token}; Path=/")  # no Secure, no HttpOnly
        resp.headers.add("Set-Cookie", "prefs=dark; Path=/; SameSite=None")  # SameSite=None without Secure


# -- the app (role "site") ---------------------------------------------------------------------


async def home(request: web.Request, host: Host) -> web.StreamResponse:
    return _html(_state(request).content.home(host.good, host.name))


async def login_page(request: web.Request, host: Host) -> web.StreamResponse:
    resp = _html(SiteContent.login_page())
    resp.headers["Cache-Control"] = "no-store" if host.good else "public, max-age=600"
    _session_cookies(resp, host.good)
    return resp


async def account(request: web.Request, host: Host) -> web.StreamResponse:
    resp = _html(SiteContent.account_page("demo@" + (GOOD if host.good else FLAWED)))
    if host.good:
        resp.headers["Cache-Control"] = "private, no-store"
    else:  # a signed-in page served from a shared cache
        resp.headers.update({"Cache-Control": "public, max-age=600", "Age": "120", "X-Cache": "HIT"})
    return resp


async def api_me(request: web.Request, host: Host) -> web.StreamResponse:
    data = {"id": 42, "email": "demo@" + (GOOD if host.good else FLAWED), "plan": "pro"}
    if host.good:
        return _json(data, **{"Cache-Control": "private, no-store", "Vary": "Cookie, Authorization"})
    return _json(data, **{"Cache-Control": "public, max-age=300", "Age": "42", "X-Cache": "HIT"})


async def v1_login(request: web.Request, host: Host) -> web.StreamResponse:
    if request.method != "POST":
        return web.Response(status=405, headers={"Allow": "POST"})
    state = _state(request)
    await request.read()
    if host.good:
        resp = _json({"ok": True, "token": secrets.token_urlsafe(16)}, **{"Cache-Control": "no-store"})
        _session_cookies(resp, True)
        return resp
    if state.login_inflight >= FLAWED_LOGIN_MAX_INFLIGHT:
        return _json({"error": "overloaded"}, status=503)
    state.login_inflight += 1
    try:
        await asyncio.sleep(FLAWED_LOGIN_DELAY_S)
    finally:
        state.login_inflight -= 1
    resp = _json({"ok": True, "token": secrets.token_urlsafe(16)})
    _session_cookies(resp, False)
    return resp


async def v1_generate(request: web.Request, host: Host) -> web.StreamResponse:
    if request.method != "POST":
        return web.Response(status=405, headers={"Allow": "POST"})
    await request.read()
    if host.good:
        await asyncio.sleep(0.02)
        return _json({"output": "A short generated draft."})
    async with _state(request).ai_gate:  # queues like a provider concurrency cap
        await asyncio.sleep(FLAWED_AI_DELAY_S)
    return _json({"output": "A generated draft, eventually."})


async def v1_chat(request: web.Request, host: Host) -> web.StreamResponse:
    if request.method != "POST":
        return web.Response(status=405, headers={"Allow": "POST"})
    state = _state(request)
    message = str((await _body_json(request)).get("message", ""))
    if not host.good:
        prompt = ai_bot.SYSTEM_PROMPT.format(
            product="Flawed Co", canary=state.fakes.canary_flawed, customer=state.fakes.customer_canary
        )
        reply = ai_bot.vulnerable_reply(message, prompt, state.fakes.customer_canary)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        return _json({"reply": reply.text, **({"tool_calls": list(reply.tool_calls)} if reply.tool_calls else {})})
    # hardened: per-client rate limit, input cap, refusals
    now = time.monotonic()
    log = state.chat_log.setdefault(request.remote or "?", deque())
    while log and now - log[0] > 60:
        log.popleft()
    limit_headers = {"X-RateLimit-Limit": str(GOOD_CHAT_LIMIT_PER_MIN)}
    if len(log) >= GOOD_CHAT_LIMIT_PER_MIN:
        return _json({"error": "rate limited"}, status=429, **{"Retry-After": "10"}, **limit_headers)
    log.append(now)
    reply = ai_bot.hardened_reply(message)
    limit_headers["X-RateLimit-Remaining"] = str(GOOD_CHAT_LIMIT_PER_MIN - len(log))
    return _json({"reply": reply.text}, status=reply.status, **limit_headers)


async def health(request: web.Request, host: Host) -> web.StreamResponse:
    if host.good:
        return web.Response(
            text=json.dumps(HEALTH_GOOD), content_type="application/health+json",
            headers={"Cache-Control": "no-store"},
        )
    return web.Response(text="ok")  # static: says ok whatever the database does


async def health_shape(request: web.Request, host: Host) -> web.StreamResponse:
    """Extra health shapes of monitoring.md §8 (every host): fail-in-200, slow, auth, cached, stack trace."""
    shape = request.path.rsplit("/", 1)[-1]
    if shape == "fail":
        return web.Response(text=json.dumps({"status": "fail"}), content_type="application/health+json")
    if shape == "slow":
        await asyncio.sleep(1.5)
        return web.Response(text="ok")
    if shape == "auth":
        return web.Response(status=401, headers={"WWW-Authenticate": 'Bearer realm="lab"'})
    if shape == "cached":
        return web.Response(text="ok", headers={"Cache-Control": "public, max-age=300", "Age": "30"})
    if shape == "trace":
        return web.Response(text=STACK_TRACE)
    return _not_found()


async def static(request: web.Request, host: Host) -> web.StreamResponse:
    asset = _state(request).content.static(host.good, request.path.removeprefix("/static/"))
    if asset is None:
        return _not_found()
    cache = "public, max-age=31536000, immutable" if host.good else "no-store"
    return web.Response(body=asset.body, content_type=asset.content_type, headers={"Cache-Control": cache})


async def dotenv(request: web.Request, host: Host) -> web.StreamResponse:
    if host.good:
        return _not_found()
    return web.Response(text=_state(request).content.env_file())  # a .env in the web root


async def bimi(request: web.Request, host: Host) -> web.StreamResponse:
    if not host.good:
        return _not_found()
    return web.Response(text=SiteContent.bimi_svg(), content_type="image/svg+xml")


async def status_path(request: web.Request, host: Host) -> web.StreamResponse:
    return _html(SiteContent.status_page()) if host.good else _not_found()


# -- fault routes on every host -----------------------------------------------------------------


async def huge(request: web.Request, host: Host) -> web.StreamResponse:
    """20 MiB streamed in 64 KiB chunks (body-cap tests): never held in memory."""
    resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    resp.content_length = HUGE_BYTES
    await resp.prepare(request)
    chunk = b"\0" * 65536
    for _ in range(HUGE_BYTES // len(chunk)):
        await resp.write(chunk)
    await resp.write_eof()
    return resp


async def slow(request: web.Request, host: Host) -> web.StreamResponse:
    ms = min(int(request.query.get("ms", "3000") or 0), 60_000)
    await asyncio.sleep(ms / 1000)
    return web.Response(text=f"slept {ms} ms\n")


async def stall(request: web.Request, host: Host) -> web.StreamResponse:
    """Headers and a few bytes, then nothing until the lab stops (read-timeout tests)."""
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    resp.content_length = 1_000_000
    await resp.prepare(request)
    await resp.write(b"partial")
    await _state(request).stopping.wait()
    return resp


async def hold(request: web.Request, host: Host) -> web.StreamResponse:
    """Wait until the test opens ``state.release``: proves N requests are in flight at once, with no timing."""
    await _state(request).release.wait()
    return web.Response(text="released\n")


SITE_ROUTES: dict[str, Handler] = {
    "/": home, "/login": login_page, "/account": account, "/api/me": api_me,
    "/v1/login": v1_login, "/v1/generate": v1_generate, "/v1/chat": v1_chat, "/v1/chat/stream": chat_stream,
    "/health": health, "/static/": static, "/.env": dotenv, "/bimi/logo.svg": bimi, "/status": status_path,
}
ANY_HOST_ROUTES: dict[str, Handler] = {
    "/huge": huge, "/slow": slow, "/stall": stall, "/hold": hold, "/health/": health_shape,
}


def _match(routes: dict[str, Handler], path: str) -> Handler | None:
    if path in routes:
        return routes[path]
    for prefix, handler in routes.items():
        if prefix.endswith("/") and prefix != "/" and path.startswith(prefix):
            return handler
    return None


# -- other roles --------------------------------------------------------------------------------


def redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


async def role_response(request: web.Request, host: Host) -> web.StreamResponse:
    """Dispatch one HTTPS (or flawed-HTTP) request by the host's role."""
    path = request.path
    handler = _match(ANY_HOST_ROUTES, path)
    if handler:
        return await handler(request, host)
    if host.role == "site":
        handler = _match(SITE_ROUTES, path)
        return await handler(request, host) if handler else _not_found()
    if host.role == "to_apex":
        return redirect(f"https://{GOOD}{request.path_qs}", 301)
    if host.role == "chain":
        if path in CHAIN_HOPS[:-1]:
            return redirect(CHAIN_HOPS[CHAIN_HOPS.index(path) + 1])
        return redirect(f"https://{FLAWED}/") if path == CHAIN_HOPS[-1] else _not_found()
    if host.role == "loop":
        nxt = {"/": "/a", "/a": "/b", "/b": "/"}.get(path)
        return redirect(nxt) if nxt else _not_found()
    if host.role == "mta_sts":
        if path == "/.well-known/mta-sts.txt" and host.good:
            return web.Response(text=SiteContent.mta_sts_policy(), content_type="text/plain")
        return _not_found()
    if host.role == "status":
        return _html(SiteContent.status_page()) if path in ("/", "/status") else _not_found()
    if host.role == "standins":
        return await standin_response(request, host)
    return _not_found()

