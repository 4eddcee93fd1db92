"""Read-only clients for the uptime providers' APIs (monitoring.md §1, §5): list monitors, nothing else.

Both go through the run's shared HTTP client (``ctx.http``), so the resolver, ``--connect-to`` and the CA file
apply, and their base URLs can be pointed elsewhere (the lab's stand-ins in tests, a proxy, or UptimeRobot's v3
once this client is ported). Tokens are used only in the request and never appear in errors.

* Better Stack Uptime: ``GET {base}/api/v2/monitors?per_page=&page=`` with ``Authorization: Bearer``; JSON:API
  ``data[].attributes`` (``url``, ``pronounceable_name``, ``check_frequency`` s, ``email``/``sms``/``call``/``push``,
  ``policy_id``, ``paused_at``) and ``pagination.next``.
* UptimeRobot API v2: ``POST {base}/v2/getMonitors`` form-encoded ``api_key``, ``format=json``,
  ``alert_contacts=1``, ``offset``/``limit`` (≤ 50); ``stat: ok|fail``, ``monitors[]`` (``url``,
  ``friendly_name``, ``interval`` s, ``status`` 0 paused, ``alert_contacts``), ``pagination.total``.
  A read-only key can call every ``get*`` method. 429 comes with ``Retry-After``; we wait once if it is short.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from launchready_tui.checks.ai_client import retry_after_s
from launchready_tui.net.http import FetchError, HttpClient

BETTERSTACK_BASE = "https://uptime.betterstack.com"
UPTIMEROBOT_BASE = "https://api.uptimerobot.com"
MAX_PAGES = 20
UPTIMEROBOT_PAGE = 50
MAX_WAIT_S = 10.0
TIMEOUT_S = 15.0


class ProviderError(Exception):
    """The provider could not be asked (kind: auth, rate_limit, http, transport, format); plain message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(slots=True)
class Monitor:
    provider: str
    id: str
    name: str
    url: str
    interval_s: int | None
    paused: bool
    alert_channels: list[str] = field(default_factory=list)  # e-mail, sms, call, push, or contact ids

    def to_json(self) -> dict[str, Any]:
        return {"provider": self.provider, "id": self.id, "name": self.name, "url": self.url,
                "interval_s": self.interval_s, "paused": self.paused, "alerts": self.alert_channels}


async def _fetch_json(http: HttpClient, provider: str, url: str, method: str = "GET",
                      headers: dict[str, str] | None = None, content: str | None = None) -> tuple[int, Any]:
    waited = False
    while True:
        try:
            resp = await http.fetch(url, method=method, headers=headers, content=content, timeout=TIMEOUT_S,
                                    body_cap=4 * 1024 * 1024)
        except FetchError as exc:
            raise ProviderError("transport", f"{provider} could not be reached: {exc.message}") from None
        if resp.status == 429:
            wait = retry_after_s(resp.headers.get("retry-after"))
            if not waited and wait is not None and wait <= MAX_WAIT_S:
                waited = True
                await asyncio.sleep(wait)
                continue
            after = resp.headers.get("retry-after")
            raise ProviderError("rate_limit", f"{provider} rate-limited the request (HTTP 429"
                                + (f", retry after {after} s" if after else "") + ")")
        if resp.status in (401, 403):
            raise ProviderError("auth", f"{provider} refused the API token (HTTP {resp.status}): check the token "
                                "in the vault (a read-only token is enough)")
        if resp.status >= 400:
            raise ProviderError("http", f"{provider} answered HTTP {resp.status}")
        try:
            return resp.status, json.loads(resp.text)
        except json.JSONDecodeError:
            raise ProviderError("format", f"{provider} did not answer with JSON (HTTP {resp.status})") from None


def _same_origin(base: str, url: str) -> bool:
    a, b = urlsplit(base), urlsplit(url)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


async def betterstack_monitors(http: HttpClient, token: str, base: str = BETTERSTACK_BASE,
                               per_page: int = 250) -> list[Monitor]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    url: str | None = urljoin(base.rstrip("/") + "/", f"api/v2/monitors?{urlencode({'per_page': per_page})}")
    monitors: list[Monitor] = []
    for _ in range(MAX_PAGES):
        if url is None:
            break
        _status, data = await _fetch_json(http, "Better Stack", url, headers=headers)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ProviderError("format", "Better Stack's answer has no 'data' list of monitors")
        for item in data["data"]:
            attrs = item.get("attributes") if isinstance(item, dict) else None
            if not isinstance(attrs, dict):
                continue
            channels = [c for c in ("email", "sms", "call", "push") if attrs.get(c) is True]
            if attrs.get("policy_id"):
                channels.append("escalation policy")
            freq = attrs.get("check_frequency")
            monitors.append(Monitor(
                "betterstack", str(item.get("id", "")), str(attrs.get("pronounceable_name") or ""),
                str(attrs.get("url") or ""), int(freq) if isinstance(freq, int | float) else None,
                bool(attrs.get("paused_at")) or attrs.get("status") == "paused", channels))
        nxt = (data.get("pagination") or {}).get("next") if isinstance(data.get("pagination"), dict) else None
        # Follow "next" only on the same origin: the token must never travel to another host.
        url = nxt if isinstance(nxt, str) and nxt and _same_origin(base, nxt) else None
    return monitors


async def uptimerobot_monitors(http: HttpClient, api_key: str, base: str = UPTIMEROBOT_BASE) -> list[Monitor]:
    url = urljoin(base.rstrip("/") + "/", "v2/getMonitors")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-cache"}
    monitors: list[Monitor] = []
    offset = 0
    for _ in range(MAX_PAGES):
        form = urlencode({"api_key": api_key, "format": "json", "alert_contacts": 1, "offset": offset,
                          "limit": UPTIMEROBOT_PAGE})
        _status, data = await _fetch_json(http, "UptimeRobot", url, method="POST", headers=headers, content=form)
        if not isinstance(data, dict):
            raise ProviderError("format", "UptimeRobot's answer is not a JSON object")
        if data.get("stat") != "ok":
            err = data.get("error") if isinstance(data.get("error"), dict) else {}
            kind = str(err.get("type") or "error")
            auth = kind in ("not_authorized", "invalid_parameter") and "api_key" in json.dumps(err)
            raise ProviderError("auth" if auth or kind == "not_authorized" else "http",
                                f"UptimeRobot refused the request ({kind}"
                                + (f": {err['message']}" if isinstance(err.get("message"), str) else "") + ")")
        batch = data.get("monitors") or []
        for m in batch if isinstance(batch, list) else []:
            if not isinstance(m, dict):
                continue
            contacts = [str(c.get("id")) for c in m.get("alert_contacts") or [] if isinstance(c, dict)]
            interval = m.get("interval")
            monitors.append(Monitor(
                "uptimerobot", str(m.get("id", "")), str(m.get("friendly_name") or ""), str(m.get("url") or ""),
                int(interval) if isinstance(interval, int | float) else None, m.get("status") == 0, contacts))
        total = (data.get("pagination") or {}).get("total") if isinstance(data.get("pagination"), dict) else None
        offset += len(batch) if isinstance(batch, list) else 0
        if not isinstance(total, int) or offset >= total or not batch:
            break
    return monitors
