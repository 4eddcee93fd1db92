"""The lab's streaming chat route, ``POST /v1/chat/stream`` (Server-Sent Events), for ``ai.latency``'s
time-to-first-event measurement and for the "stream that never ends" bad-input case.

Each event is ``data: {"delta": "<piece of the reply>"}``, the stream ends with ``data: [DONE]`` (the shape
OpenAI-style APIs use). The reply comes from the same bots as ``/v1/chat`` (vulnerable on flawed hosts,
hardened on good ones). Query knobs: ``ttfb_ms=N`` waits before the first event; ``forever=1`` keeps sending
keep-alive events after the reply and never ends the stream (until the lab stops), so a client must bound it.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from launchready_tui.lab import ai_bot
from launchready_tui.lab.hosts import Host
from launchready_tui.lab.state import STATE

CHUNK_CHARS = 12
EVENT_GAP_S = 0.005  # a little spacing so first-event time and total time differ measurably
KEEPALIVE_GAP_S = 0.2


def _event(data: str) -> bytes:
    return f"data: {data}\n\n".encode()


async def chat_stream(request: web.Request, host: Host) -> web.StreamResponse:
    if request.method != "POST":
        return web.Response(status=405, headers={"Allow": "POST"})
    state = request.app[STATE]
    try:
        payload = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        payload = {}
    message = str(payload.get("message", "")) if isinstance(payload, dict) else ""
    if host.good:
        reply = ai_bot.hardened_reply(message)
    else:
        prompt = ai_bot.SYSTEM_PROMPT.format(
            product="Flawed Co", canary=state.fakes.canary_flawed, customer=state.fakes.customer_canary
        )
        reply = ai_bot.vulnerable_reply(message, prompt, state.fakes.customer_canary)
    if reply.status != 200:
        return web.json_response({"error": reply.text}, status=reply.status)
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await resp.prepare(request)
    ttfb_ms = min(int(request.query.get("ttfb_ms", "0") or 0), 30_000)
    await asyncio.sleep(ttfb_ms / 1000 + reply.delay_s)
    for i in range(0, len(reply.text), CHUNK_CHARS):
        await resp.write(_event(json.dumps({"delta": reply.text[i:i + CHUNK_CHARS]})))
        await asyncio.sleep(EVENT_GAP_S)
    if request.query.get("forever"):
        try:
            while not state.stopping.is_set():  # a stream that never ends: the client must give up on its own
                await resp.write(_event(json.dumps({"delta": ""})))
                await asyncio.sleep(KEEPALIVE_GAP_S)
        except ConnectionError:  # the client gave up, as it should
            pass
        return resp
    await resp.write(_event("[DONE]"))
    await resp.write_eof()
    return resp
