"""Loopback stand-ins for third-party services that cannot exist offline (each says so in its answers).

``rdap.lab.test``   RDAP ``/domain/<name>``: good.test expires in 400 days, flawed.test in 20.
``uptime.lab.test`` UptimeRobot-shaped ``POST /v2/getMonitors``: full coverage for an api_key containing
                    "good", only the homepage at a 5-minute interval otherwise.
``hooks.lab.test``  Slack-webhook-shaped ``POST /services/<name>``: ``good`` -> 200 ok, ``archived`` -> 410
                    channel_is_archived, ``ratelimited`` -> 429 with Retry-After. Posts are recorded.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aiohttp import web

from launchready_tui.lab.hosts import FLAWED, GOOD, STANDINS, Host
from launchready_tui.lab.standins_monitoring import monitoring_standin
from launchready_tui.lab.state import STATE

NOTE = "launchready lab stand-in, not the real service"


def rdap_expiry(domain: str) -> dt.datetime:
    days = 400 if domain == GOOD else 20
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=days)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rdap(domain: str) -> web.Response:
    if domain not in (GOOD, FLAWED):
        return web.json_response({"errorCode": 404, "title": "not found", "notices": [NOTE]}, status=404)
    now = dt.datetime.now(dt.UTC)
    data: dict[str, Any] = {
        "objectClassName": "domain",
        "ldhName": domain,
        "status": ["client transfer prohibited"] if domain == GOOD else ["active"],
        "events": [
            {"eventAction": "registration", "eventDate": _iso(now - dt.timedelta(days=700))},
            {"eventAction": "expiration", "eventDate": _iso(rdap_expiry(domain))},
        ],
        "entities": [{
            "objectClassName": "entity", "roles": ["registrar"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Lab Registrar"]]],
        }],
        "nameservers": [{"objectClassName": "nameserver", "ldhName": n} for n in (
            ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"] if domain == GOOD else ["ns1.flawed.test"]
        )],
        "notices": [{"title": NOTE}],
    }
    return web.Response(text=json.dumps(data), content_type="application/rdap+json")


def _monitors(api_key: str) -> web.Response:
    def mon(i: int, name: str, url: str, interval: int) -> dict[str, Any]:
        return {"id": 700 + i, "friendly_name": name, "url": url, "interval": interval, "status": 2,
                "alert_contacts": [{"id": "1", "type": 11}] if "good" in api_key else []}

    if "good" in api_key:
        mons = [mon(1, "Home", f"https://{GOOD}/", 60), mon(2, "Login", f"https://api.{GOOD}/v1/login", 60),
                mon(3, "Health", f"https://api.{GOOD}/health", 30)]
    else:
        mons = [mon(1, "Home", f"https://{FLAWED}/", 300)]
    return web.json_response({"stat": "ok", "note": NOTE, "monitors": mons})


async def standin_response(request: web.Request, host: Host) -> web.StreamResponse:
    path = request.path
    extra = await monitoring_standin(request, host)  # Better Stack and vendor error cases (stage 5)
    if extra is not None:
        return extra
    if host.name == f"rdap.{STANDINS}" and path == "/bootstrap/dns.json":  # IANA dns.json shape, .test only
        return web.json_response({"description": NOTE, "publication": _iso(dt.datetime.now(dt.UTC)),
                                  "version": "1.0", "services": [[["test"], [f"https://rdap.{STANDINS}/"]]]})
    if host.name == f"rdap.{STANDINS}" and path.startswith("/domain/"):
        return _rdap(path.removeprefix("/domain/").lower().rstrip("."))
    if host.name == f"uptime.{STANDINS}" and path == "/v2/getMonitors" and request.method == "POST":
        form = await request.post()
        return _monitors(str(form.get("api_key", "")))
    if host.name == f"hooks.{STANDINS}" and path.startswith("/services/") and request.method == "POST":
        name = path.removeprefix("/services/").split("/")[0]
        request.app[STATE].hook_posts.append({"hook": name, "body": (await request.read()).decode("utf-8", "replace")})
        if name == "archived":
            return web.Response(status=410, text="channel_is_archived")
        if name == "ratelimited":
            return web.Response(status=429, text="rate_limited", headers={"Retry-After": "1"})
        return web.Response(text="ok")
    return web.Response(status=404, text="not found\n")
