"""Sends one prompt to the founder's AI endpoint and turns whatever comes back into an ``Exchange``.

The cost rules of ai-probes.md §7 live here, because every send passes through: a hard cap on requests per
run (never unlimited), a stop after 3 consecutive 5xx / 429 / timeouts, one retry on 429 honouring
``Retry-After`` up to 10 s, no other retries. Every failure becomes an endpoint-specific message (garak #1195
shows how opaque "it failed" is): HTML instead of JSON, invalid JSON, a response path that does not resolve,
401/403, 429, 5xx, a timeout, a stream that never ends (bounded by the timeout and a byte cap).

Streaming (``stream: sse`` or ``chunked``) reads through the shared client's raw httpx client so the time to
the first event can be measured apart from the total.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from launchready_tui.checks.ai_template import (
    AiTarget,
    PathError,
    as_text,
    extract,
    fill_headers,
    render_body,
    tool_call_names,
)
from launchready_tui.checks.base import CheckContext
from launchready_tui.net.http import FetchError

MAX_BODY_BYTES = 2 * 1024 * 1024  # a reply larger than this is itself the finding (probe 21)
MAX_RETRY_AFTER_S = 10.0
STOP_AFTER_CONSECUTIVE = 3
EXCERPT_CHARS = 300


@dataclass(slots=True)
class Exchange:
    """One prompt and what the endpoint did with it. ``error`` set means the reply could not be judged fully."""

    phase: str  # "connect", "latency", "probe"
    prompt: str
    probe_id: str | None = None
    repeat: int = 0
    status: int | None = None
    text: str = ""
    tool_calls: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    ttfb_ms: float | None = None  # first byte (or first event when streaming)
    error: str | None = None
    error_kind: str | None = None  # timeout, auth, rate_limit, server, http, html, not_json, path, transport,
    #                               stream, cancelled, not_sent
    retried: bool = False  # a 429 was retried once
    usage: dict[str, int] = field(default_factory=dict)
    body_chars: int = 0
    truncated: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def sent(self) -> bool:
        return self.error_kind not in ("not_sent", "cancelled")

    def brief(self) -> dict[str, Any]:
        """Evidence-safe summary (no reply text: callers add redacted excerpts themselves)."""
        return {"phase": self.phase, "probe": self.probe_id, "status": self.status,
                "duration_ms": round(self.duration_ms, 1),
                "ttfb_ms": None if self.ttfb_ms is None else round(self.ttfb_ms, 1),
                "error": self.error, "reply_chars": len(self.text)}


class Budget:
    """The hard cap and the stop rule shared by every send of one run."""

    def __init__(self, cap: int) -> None:
        self.cap = max(1, cap)
        self.sent = 0
        self.consecutive_failures = 0
        self.stopped: str | None = None

    def take(self) -> str | None:
        """None when a request may go out (and counts it), else the reason it may not."""
        if self.stopped:
            return self.stopped
        if self.sent >= self.cap:
            return f"not sent: the hard cap of {self.cap} requests per run was reached (ai_endpoint.max_requests)"
        self.sent += 1
        return None

    def record(self, exchange: Exchange) -> None:
        if exchange.error_kind in ("server", "rate_limit", "timeout", "stream"):
            self.consecutive_failures += 1
            if self.consecutive_failures >= STOP_AFTER_CONSECUTIVE and not self.stopped:
                self.stopped = (f"not sent: stopped after {STOP_AFTER_CONSECUTIVE} consecutive failures "
                                f"(last: {exchange.error}) to avoid hammering a failing endpoint")
        elif exchange.sent:
            self.consecutive_failures = 0


def retry_after_s(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _looks_html(ctype: str, body: str) -> bool:
    head = body.lstrip()[:200].lower()
    return "html" in ctype or head.startswith(("<!doctype html", "<html", "<head", "<body"))


def _usage(data: Any) -> dict[str, int]:
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return {}
    out: dict[str, int] = {}
    for ours, keys in (("input_tokens", ("prompt_tokens", "input_tokens")),
                       ("output_tokens", ("completion_tokens", "output_tokens"))):
        for key in keys:
            if isinstance(usage.get(key), int):
                out[ours] = usage[key]
                break
    return out


class AiClient:
    """Sends prompts through the run's shared HTTP client; one instance per run (it holds the budget)."""

    def __init__(self, ctx: CheckContext, target: AiTarget, secrets: dict[str, str], budget: Budget) -> None:
        self.ctx = ctx
        self.target = target
        self.secrets = secrets
        self.budget = budget

    def _headers(self, second_user: bool) -> dict[str, str]:
        raw = self.target.second_user_headers if second_user else self.target.headers
        headers = fill_headers({**self.target.headers, **raw} if second_user else raw, self.secrets)
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        if self.target.stream == "sse" and not any(k.lower() == "accept" for k in headers):
            headers["Accept"] = "text/event-stream"
        return headers

    async def send(self, prompt: str, phase: str, probe_id: str | None = None, repeat: int = 0,
                   second_user: bool = False) -> Exchange:
        ex = Exchange(phase=phase, prompt=prompt, probe_id=probe_id, repeat=repeat)
        refused = self.budget.take()
        if refused:
            ex.error, ex.error_kind = refused, "not_sent"
            return ex
        await self._once(ex, second_user)
        if ex.status == 429:
            wait = retry_after_s(ex.headers.get("retry-after"))
            if wait is not None and wait <= MAX_RETRY_AFTER_S and self.budget.take() is None:
                await asyncio.sleep(wait)
                ex.retried = True
                await self._once(ex, second_user)
        self.budget.record(ex)
        return ex

    async def _once(self, ex: Exchange, second_user: bool) -> None:
        ex.error = ex.error_kind = None
        ex.text, ex.tool_calls, ex.status, ex.ttfb_ms = "", [], None, None
        body = render_body(self.target.body_template, ex.prompt)
        started = time.perf_counter()
        try:
            if self.target.stream == "none":
                await self._plain(ex, body, second_user)
            else:
                await self._streamed(ex, body, second_user, started)
        except FetchError as exc:
            kind = "timeout" if exc.kind == "timeout" else "transport"
            ex.error, ex.error_kind = f"the AI endpoint could not be reached: {exc.message}", kind
        except TimeoutError:
            ex.error = f"the AI endpoint did not answer within {self.target.timeout_s:g} s (ai_endpoint.timeout_s)"
            ex.error_kind = "timeout"
        except (httpx.HTTPError, OSError) as exc:  # streaming goes through the raw client: classify here
            if isinstance(exc, httpx.TimeoutException):
                ex.error = f"the AI endpoint did not answer within {self.target.timeout_s:g} s (ai_endpoint.timeout_s)"
                ex.error_kind = "timeout"
            else:
                ex.error = f"the AI endpoint could not be reached: {exc or type(exc).__name__}"
                ex.error_kind = "transport"
        finally:
            ex.duration_ms = (time.perf_counter() - started) * 1000

    async def _plain(self, ex: Exchange, body: str, second_user: bool) -> None:
        t = self.target
        async with asyncio.timeout(t.timeout_s + 1.0):  # the whole exchange, trickling bodies included
            resp = await self.ctx.http.fetch(t.url, method=t.method, headers=self._headers(second_user),
                                             content=body.encode("utf-8"), timeout=t.timeout_s,
                                             body_cap=MAX_BODY_BYTES)
        ex.status = resp.status
        ex.ttfb_ms = resp.timings.ttfb_ms or None
        ex.headers = {k.lower(): v for k, v in resp.headers.items()}
        ex.truncated = resp.truncated
        text = resp.text
        ex.body_chars = len(text)
        if self._status_error(ex, text):
            return
        self._parse(ex, text, resp.headers.get("content-type", ""))

    def _status_error(self, ex: Exchange, text: str) -> bool:
        status = ex.status or 0
        snippet = " ".join(text.split())[:120]
        if status in (401, 403):
            ex.error, ex.error_kind = (f"the AI endpoint refused our credentials (HTTP {status}): check the "
                                       "ai_endpoint headers and the {secret:…} values in the vault"), "auth"
        elif status == 429:
            after = ex.headers.get("retry-after")
            ex.error, ex.error_kind = ("the AI endpoint rate-limited us (HTTP 429"
                                       + (f", Retry-After {after}" if after else "") + ")"), "rate_limit"
        elif status >= 500:
            ex.error, ex.error_kind = f"the AI endpoint failed with HTTP {status}: {snippet}", "server"
        elif status >= 400:
            ex.error, ex.error_kind = f"the AI endpoint answered HTTP {status}: {snippet}", "http"
        else:
            return False
        return True

    def _parse(self, ex: Exchange, text: str, ctype: str) -> None:
        t = self.target
        if _looks_html(ctype.lower(), text):
            ex.error, ex.error_kind = ("the AI endpoint answered with an HTML page, not JSON: is ai_endpoint.url the "
                                       "API route (not the web page or a login redirect)?"), "html"
            return
        if not t.response_path and "json" not in ctype.lower():
            ex.text = text
            return
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            ex.error = (f"the AI endpoint's answer is not valid JSON ({exc.msg} at line {exc.lineno}, column "
                        f"{exc.colno}); it starts with {' '.join(text.split())[:60]!r}")
            ex.error_kind = "not_json"
            return
        ex.usage = _usage(data)
        try:
            ex.text = as_text(extract(data, t.response_path), t.response_path)
        except PathError as exc:
            ex.error, ex.error_kind = str(exc), "path"
            return
        if t.tool_calls_path:
            try:
                ex.tool_calls = tool_call_names(extract(data, t.tool_calls_path))
            except PathError:
                ex.tool_calls = []  # no tool call in this answer: the usual case

    async def _streamed(self, ex: Exchange, body: str, second_user: bool, started: float) -> None:
        t = self.target
        client = self.ctx.http.client(True)
        request = client.build_request(t.method, t.url, headers=self._headers(second_user),
                                       content=body.encode("utf-8"), timeout=httpx.Timeout(t.timeout_s))
        parts: list[str] = []  # chunked: raw text pieces
        sse = _SseReader()
        size = 0
        ctype = ""
        try:
            async with asyncio.timeout(t.timeout_s):
                response = await client.send(request, stream=True)
                try:
                    ex.status = response.status_code
                    ex.headers = {k.lower(): v for k, v in response.headers.items()}
                    if ex.status >= 400:
                        raw = await response.aread()
                        self._status_error(ex, raw[:2000].decode("utf-8", "replace"))
                        return
                    ctype = response.headers.get("content-type", "")
                    async for chunk in response.aiter_text():
                        size += len(chunk)
                        if size > MAX_BODY_BYTES:
                            ex.truncated = True
                            break
                        if chunk and t.stream == "chunked" and ex.ttfb_ms is None:
                            ex.ttfb_ms = (time.perf_counter() - started) * 1000
                        if t.stream == "chunked":
                            parts.append(chunk)
                            continue
                        sse.feed(chunk)
                        if sse.events and ex.ttfb_ms is None:
                            ex.ttfb_ms = (time.perf_counter() - started) * 1000
                        if sse.done:
                            break
                finally:
                    await response.aclose()
        except TimeoutError:
            ex.text = "".join(parts) if t.stream == "chunked" else self._sse_text(sse.data, lenient=True)
            ex.error = (f"the AI endpoint's stream did not finish within {t.timeout_s:g} s (ai_endpoint.timeout_s; "
                        f"{len(sse.data) if t.stream == 'sse' else len(parts)} events, {size} characters so far): "
                        "the stream was cut off")
            ex.error_kind = "stream"
            return
        ex.body_chars = size
        if t.stream == "chunked":
            self._parse(ex, "".join(parts), ctype)
            return
        if _looks_html(ctype.lower(), sse.head):
            ex.error, ex.error_kind = "the AI endpoint answered with an HTML page, not an event stream", "html"
            return
        if not sse.data:
            ex.error, ex.error_kind = ("the AI endpoint's stream carried no 'data:' events (is ai_endpoint.stream "
                                       "right? this one may not be Server-Sent Events)"), "not_json"
            return
        try:
            ex.text = self._sse_text(sse.data)
        except PathError as exc:
            ex.error, ex.error_kind = str(exc), "path"

    def _sse_text(self, data_lines: list[str], lenient: bool = False) -> str:
        out: list[str] = []
        path = self.target.response_path
        for data in data_lines:
            if not data or data == "[DONE]":
                continue
            try:
                value = json.loads(data)
            except json.JSONDecodeError:
                out.append(data)  # plain-text events
                continue
            if not path:
                out.append(value if isinstance(value, str) else "")
                continue
            try:
                piece = extract(value, path)
            except PathError:
                head = path.split(".")[0]
                if lenient or (isinstance(value, dict) and not value.get(head)):
                    continue  # role-only or keep-alive events carry no text
                raise
            out.append(piece if isinstance(piece, str) else "")
        return "".join(out)


class _SseReader:
    """Incremental Server-Sent Events parser: keeps complete ``data:`` payloads, the unfinished line, the start."""

    def __init__(self) -> None:
        self.data: list[str] = []
        self.partial = ""
        self.head = ""  # the first characters, to recognise an HTML page
        self.done = False

    @property
    def events(self) -> int:
        return len(self.data)

    def feed(self, chunk: str) -> None:
        if len(self.head) < 200:
            self.head += chunk[: 200 - len(self.head)]
        lines = (self.partial + chunk).split("\n")
        self.partial = lines.pop()
        for line in lines:
            if line.startswith("data:"):
                payload = line[5:].strip()
                if payload == "[DONE]":
                    self.done = True
                self.data.append(payload)
