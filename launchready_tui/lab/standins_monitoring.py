"""More loopback stand-ins for the monitoring vendors (stage 5), next to those in standins.py.

These reproduce the documented request and answer shapes; they are NOT the vendors' services:

``uptime.lab.test``
    * Better Stack Uptime ``GET /api/v2/monitors`` (``Authorization: Bearer <token>``, JSON:API ``data`` +
      ``pagination`` with ``page``/``per_page``): a token containing "good" sees the home page, login and health
      monitored at 30-60 s with e-mail alerts; "ratelimited" gets 429 + Retry-After; "bad" or none gets 401;
      any other token sees only the home page at 180 s with every alert channel off.
    * UptimeRobot ``POST /v2/getMonitors`` extras: ``api_key`` "ratelimited" -> 429 with Retry-After and
      X-RateLimit-* headers; "invalid" -> ``stat: fail`` (``not_authorized``). Other keys fall through to
      standins.py.
``hooks.lab.test``
    * ``POST /services/missing`` -> 404 ``no_service`` (a deleted or mistyped Slack webhook). Recorded like
      every post in ``lab.state.hook_posts``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from launchready_tui.lab.hosts import FLAWED, GOOD, STANDINS, Host
from launchready_tui.lab.state import STATE

NOTE = "launchready lab stand-in, not the real service"
BETTERSTACK_MAX_PER_PAGE = 250  # Better Stack's documented maximum (default 50)


def _bs_monitor(i: int, name: str, url: str, frequency: int, alerts: bool) -> dict[str, Any]:
    return {
        "id": str(900 + i), "type": "monitor",
        "attributes": {
            "url": url, "pronounceable_name": name, "monitor_type": "status", "status": "up",
            "check_frequency": frequency, "request_timeout": 15, "confirmation_period": 0,
            "email": alerts, "sms": False, "call": False, "push": alerts, "policy_id": None,
            "regions": ["us", "eu"], "paused_at": None,
        },
    }


def _betterstack(request: web.Request) -> web.Response:
    auth = request.headers.get("Authorization", "")
    token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
    if not token or "bad" in token:
        return web.json_response({"errors": "Invalid Team API token. (" + NOTE + ")"}, status=401)
    if "ratelimited" in token:
        return web.json_response({"errors": "Too many requests"}, status=429, headers={"Retry-After": "1"})
    if "good" in token:
        mons = [_bs_monitor(1, "Home", f"https://{GOOD}/", 60, True),
                _bs_monitor(2, "Login", f"https://api.{GOOD}/v1/login", 30, True),
                _bs_monitor(3, "API health", f"https://api.{GOOD}/health", 30, True)]
    else:
        mons = [_bs_monitor(1, "Home", f"https://{FLAWED}/", 180, False)]
    try:
        per_page = min(max(int(request.query.get("per_page", "50")), 1), BETTERSTACK_MAX_PER_PAGE)
        page = max(int(request.query.get("page", "1")), 1)
    except ValueError:
        return web.json_response({"errors": "invalid pagination"}, status=400)
    pages = max(1, -(-len(mons) // per_page))
    base = f"https://uptime.{STANDINS}/api/v2/monitors?per_page={per_page}&page="
    return web.json_response({
        "data": mons[(page - 1) * per_page: page * per_page],
        "pagination": {"first": base + "1", "last": base + str(pages),
                       "prev": base + str(page - 1) if page > 1 else None,
                       "next": base + str(page + 1) if page < pages else None},
    })


async def monitoring_standin(request: web.Request, host: Host) -> web.StreamResponse | None:
    """The answer for the requests this module stands in for, or None to let standins.py answer."""
    path = request.path
    if host.name == f"uptime.{STANDINS}" and path == "/api/v2/monitors" and request.method == "GET":
        return _betterstack(request)
    if host.name == f"uptime.{STANDINS}" and path == "/v2/getMonitors" and request.method == "POST":
        key = str((await request.post()).get("api_key", ""))
        if key == "ratelimited":
            return web.json_response({"stat": "fail", "error": {"type": "rate_limit", "message": NOTE}}, status=429,
                                     headers={"Retry-After": "2", "X-RateLimit-Limit": "10",
                                              "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"})
        if key == "invalid":
            return web.json_response({"stat": "fail", "error": {"type": "not_authorized",
                                                                 "message": "api_key not found."}})
        return None
    if host.name == f"hooks.{STANDINS}" and path == "/services/missing" and request.method == "POST":
        body = (await request.read()).decode("utf-8", "replace")
        request.app[STATE].hook_posts.append({"hook": "missing", "body": body})
        return web.Response(status=404, text="no_service")
    return None
