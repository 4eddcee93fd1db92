"""A Gatus config a founder can run as is (monitoring.md §4): project -> data -> YAML, plus the loader's rules.

What it monitors: the home page (status, response time, certificate expiry), the login, the API health URL
(status, response time and the health+json verdict), every key flow of the project, the domain's expiry (on
its own 6-hour endpoint: Gatus refuses ``[DOMAIN_EXPIRATION]`` below a 5-minute interval), and three
heartbeat (push) endpoints for the silent failures: failed e-mail sends, queue backlog, webhook delivery.

Secrets are never written: the Slack webhook, SMTP password, push token and ``{secret:NAME}`` headers become
``${ENV}`` placeholders, which Gatus expands from its environment at start (it runs ``os.ExpandEnv`` over the
whole file, so a literal ``$`` from the project is written as ``$$``).

:func:`validate_gatus_config` re-implements the checks Gatus's loader applies (names, conditions, intervals,
heartbeat ≥ 10 s, reminder interval ≥ 5 m, alert descriptions, provider fields; TwiN/gatus ``config/``,
``alerting/``); no Gatus binary is needed to run it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from launchready_tui.core.project import Endpoint, Project

CORE_RESPONSE_MS = 500
AI_RESPONSE_MS = 2000
CERT_MIN = "240h"  # 10 days: a last line of defence; stage 2 judges expiry against the lifetime
DOMAIN_MIN = "720h"
HEARTBEATS = (("email-send", "30m", "e-mail sends"), ("queue-backlog", "10m", "the job queue"),
              ("webhook-delivery", "30m", "webhook deliveries"))
HEARTBEAT_GROUP = "jobs"
_SECRET_REF = re.compile(r"\{secret:([A-Za-z0-9_.:-]+)\}")
_CONDITION = re.compile(r"^\S.* (==|!=|<=|>=|<|>) \S.*$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?(ns|us|µs|ms|s|m|h))+$")


@dataclass(slots=True)
class MonitorTarget:
    """One URL worth watching, with the interval and conditions we recommend (also used for manual steps)."""

    kind: str  # home, login, health, flow, ai, domain
    name: str
    url: str
    interval: str
    conditions: list[str]
    method: str = "GET"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    failure_threshold: int = 3

    @property
    def interval_s(self) -> int:
        return duration_s(self.interval)


def duration_s(text: str) -> int:
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([hms])", text))


def push_key(group: str, name: str) -> str:
    """Gatus's key for an endpoint: ``<group>_<name>``, lower-cased, separators replaced by '-'."""
    def clean(s: str) -> str:
        s = s.strip().lower()
        for ch in "/_.,#+& ":
            s = s.replace(ch, "-")
        return s
    return clean(group) + "_" + clean(name)


def env_name(ref: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", ref).upper()


def _placeholders(value: str) -> str:
    """``$`` escaped for Gatus's env expansion, then ``{secret:NAME}`` turned into ``${NAME}``."""
    return _SECRET_REF.sub(lambda m: "${" + env_name(m.group(1)) + "}", value.replace("$", "$$"))


def _monitoring(project: Project) -> dict[str, Any]:
    raw = project.extra.get("monitoring")
    return raw if isinstance(raw, dict) else {}


def _login_endpoint(project: Project) -> Endpoint | None:
    return next((e for e in project.endpoints if re.search(r"log-?in|sign-?in", e.name, re.I)), None)


def monitor_targets(project: Project, health_json: bool = False) -> list[MonitorTarget]:
    """Home, login, health and key flows, with the checks we recommend for each (monitoring.md §2)."""
    mon = _monitoring(project)
    home = f"https://{project.domain}/"
    targets = [MonitorTarget("home", "home", home, "60s",
                             ["[STATUS] == 200", f"[RESPONSE_TIME] < {CORE_RESPONSE_MS}",
                              f"[CERTIFICATE_EXPIRATION] > {CERT_MIN}"])]
    login = _login_endpoint(project)
    if isinstance(mon.get("login_url"), str):
        keyword = str(mon.get("login_keyword") or "")
        conditions = ["[STATUS] == 200", f"[RESPONSE_TIME] < {CORE_RESPONSE_MS}"]
        if keyword:
            conditions.append(f"[BODY] == pat(*{keyword}*)")
        targets.append(MonitorTarget("login", "login", mon["login_url"], "30s", conditions, failure_threshold=2))
    elif login is not None:
        targets.append(MonitorTarget("login", login.name, login.url, "30s",
                                     ["[STATUS] == 200", f"[RESPONSE_TIME] < {CORE_RESPONSE_MS}"],
                                     method=login.method, body=login.body, headers=dict(login.headers),
                                     failure_threshold=2))
    if project.health_url:
        conditions = ["[STATUS] == 200", f"[RESPONSE_TIME] < {CORE_RESPONSE_MS}"]
        if health_json:
            conditions.append("[BODY].status == any(pass, warn, ok, up)")
        targets.append(MonitorTarget("health", "api-health", project.health_url, "30s", conditions,
                                     failure_threshold=2))
    seen = {t.url for t in targets}
    flows: list[Endpoint] = [e for e in project.endpoints if e is not login and e.url not in seen]
    key_flows = mon.get("key_flows")
    for raw in key_flows if isinstance(key_flows, list) else []:  # a hand-edited wrong type: no extra flows
        if isinstance(raw, dict) and isinstance(raw.get("url"), str) and raw["url"] not in seen:
            flows.append(Endpoint(name=str(raw.get("name") or raw["url"]), url=raw["url"],
                                  method=str(raw.get("method") or "GET").upper()))
    for ep in flows:
        if ep.url in seen:
            continue
        seen.add(ep.url)
        ms = AI_RESPONSE_MS if ep.ai else CORE_RESPONSE_MS
        # AI routes cost money per call: check them every 5 minutes, not every minute.
        targets.append(MonitorTarget("ai" if ep.ai else "flow", ep.name, ep.url, "5m" if ep.ai else "60s",
                                     ["[STATUS] == 200", f"[RESPONSE_TIME] < {ms}"], method=ep.method,
                                     body=ep.body, headers=dict(ep.headers)))
    return targets


@dataclass(slots=True)
class AlertRoute:
    slack_channel: str = ""
    email_to: list[str] = field(default_factory=list)
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_from: str = ""
    smtp_username: str = ""

    @property
    def email(self) -> bool:
        return bool(self.email_to and self.smtp_host and self.smtp_from)


def alert_route(project: Project) -> AlertRoute:
    raw = _monitoring(project).get("alerts")
    if not isinstance(raw, dict):
        return AlertRoute()
    to = raw.get("email_to") or []
    port = raw.get("smtp_port", 587)
    return AlertRoute(
        slack_channel=str(raw.get("slack_channel") or ""),
        email_to=[str(x) for x in (to if isinstance(to, list) else [to])],
        smtp_host=str(raw.get("smtp_host") or ""), smtp_port=port if isinstance(port, int) else 587,
        smtp_from=str(raw.get("smtp_from") or ""), smtp_username=str(raw.get("smtp_username") or ""))


def _alerts(route: AlertRoute, threshold: int, what: str) -> list[dict[str, Any]]:
    base = {"failure-threshold": threshold, "success-threshold": 2, "send-on-resolved": True,
            "description": what.replace('"', "'").replace("\\", "/")}
    out = [{"type": "slack", **base}]
    if route.email:
        out.append({"type": "email", **base})
    return out


def _endpoint(t: MonitorTarget, route: AlertRoute, group: str) -> dict[str, Any]:
    ep: dict[str, Any] = {"name": t.name, "group": group, "url": _placeholders(t.url), "interval": t.interval}
    if t.method != "GET":
        ep["method"] = t.method
    headers = {k: _placeholders(v) for k, v in t.headers.items()}
    if t.body is not None:
        ep["body"] = _placeholders(t.body)
        if t.body.lstrip().startswith(("{", "[")) and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    if headers:
        ep["headers"] = headers
    ep["conditions"] = list(t.conditions)
    ep["alerts"] = _alerts(route, t.failure_threshold, f"{t.name} is failing ({t.url})")
    return ep


def build_gatus_config(project: Project, health_json: bool = False) -> dict[str, Any]:
    route = alert_route(project)
    alerting: dict[str, Any] = {"slack": {"webhook-url": "${SLACK_WEBHOOK_URL}"}}
    if route.email:
        alerting["email"] = {"from": route.smtp_from, "username": route.smtp_username or route.smtp_from,
                             "password": "${SMTP_PASSWORD}", "host": route.smtp_host, "port": route.smtp_port,
                             "to": ",".join(route.email_to)}
    endpoints = [_endpoint(t, route, "app") for t in monitor_targets(project, health_json)]
    endpoints.append({
        "name": "domain-and-certificate", "group": "app", "url": f"https://{project.domain}/", "interval": "6h",
        "conditions": [f"[DOMAIN_EXPIRATION] > {DOMAIN_MIN}", f"[CERTIFICATE_EXPIRATION] > {CERT_MIN}"],
        "alerts": _alerts(route, 1, f"{project.domain} or its certificate expires soon"),
    })
    external = [{"name": name, "group": HEARTBEAT_GROUP, "token": "${GATUS_PUSH_TOKEN}",
                 "heartbeat": {"interval": interval},
                 "alerts": _alerts(route, 1, f"no successful report about {what} in {interval}")}
                for name, interval, what in HEARTBEATS]
    return {"alerting": alerting, "endpoints": endpoints, "external-endpoints": external}


def render_gatus_yaml(project: Project, config: dict[str, Any]) -> str:
    keys = [push_key(e["group"], e["name"]) for e in config.get("external-endpoints", [])]
    envs = sorted(set(re.findall(r"\$\{([A-Z0-9_]+)\}", yaml.safe_dump(config))))
    lines = [
        f"# Gatus monitoring for {project.product or project.domain}, generated by launchready.",
        "# Run it as is (secrets come from the environment, never from this file):",
        "#   docker run -p 8080:8080 " + " ".join(f"-e {e}=…" for e in envs)
        + ' -v "$PWD/gatus.yaml:/config/config.yaml" twinproduction/gatus:stable',
        "# Checks repeat at each endpoint's interval; an alert fires after failure-threshold failures in a row",
        "# (30 s x 2 = about a minute for login and health) and again when the endpoint recovers.",
        "# [RESPONSE_TIME] applies to each check; with the failure threshold it catches sustained slowness",
        "# (per-route p95 needs metrics from the app itself).",
        "# Heartbeats: your app reports each run of these jobs; silence past the interval alerts by itself.",
    ]
    for key in keys:
        lines.append(f'#   curl -X POST -H "Authorization: Bearer $GATUS_PUSH_TOKEN" '
                     f'"https://<your-gatus-host>/api/v1/endpoints/{key}/external?success=true&duration=2s"')
    lines.append("#   (on failure: success=false&error=<short reason>)")
    return "\n".join(lines) + "\n" + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=110)


# -- Gatus's loader rules ---------------------------------------------------------------------------------


def _check_alerts(where: str, alerts: Any, providers: set[str], problems: list[str]) -> None:
    for i, a in enumerate(alerts or []):
        if not isinstance(a, dict) or not a.get("type"):
            problems.append(f"{where}.alerts[{i}] needs a type")
            continue
        if a["type"] not in providers:
            problems.append(f"{where}.alerts[{i}]: no alerting.{a['type']} provider is configured")
        if any(c in str(a.get("description", "")) for c in '"\\'):
            problems.append(f"{where}.alerts[{i}].description must not contain \" or \\")
        reminder = a.get("minimum-reminder-interval")
        if reminder and duration_s(str(reminder)) < 300:
            problems.append(f"{where}.alerts[{i}].minimum-reminder-interval must be at least 5m")


def validate_gatus_config(data: Any) -> list[str]:
    """Problems Gatus would refuse to start with (empty list: loads). Mirrors ValidateAndSetDefaults."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["the config is not a mapping"]
    alerting = data.get("alerting") or {}
    providers = set(alerting) if isinstance(alerting, dict) else set()
    slack = alerting.get("slack") if isinstance(alerting, dict) else None
    if isinstance(slack, dict) and not slack.get("webhook-url"):
        problems.append("alerting.slack needs webhook-url")
    email = alerting.get("email") if isinstance(alerting, dict) else None
    if isinstance(email, dict):
        if not email.get("from") or not email.get("to"):
            problems.append("alerting.email needs from and to")
        if not email.get("host"):
            problems.append("alerting.email needs host")
        if not isinstance(email.get("port"), int) or not 1 <= email["port"] <= 65535:
            problems.append("alerting.email.port must be between 1 and 65535")
    keys: set[str] = set()
    for i, ep in enumerate(data.get("endpoints") or []):
        where = f"endpoints[{i}]"
        if not isinstance(ep, dict) or not ep.get("name"):
            problems.append(f"{where} needs a name")
            continue
        if any(c in str(ep["name"]) + str(ep.get("group", "")) for c in '"\\'):
            problems.append(f"{where}: name and group must not contain \" or \\")
        if not ep.get("url"):
            problems.append(f"{where} needs a url")
        elif urlsplit(str(ep["url"])).scheme not in ("http", "https"):
            problems.append(f"{where}.url is not an http(s) URL")
        conditions = ep.get("conditions") or []
        if not conditions:
            problems.append(f"{where} needs at least one condition")
        interval = str(ep.get("interval", "1m"))
        if not _DURATION.match(interval):
            problems.append(f"{where}.interval {interval!r} is not a duration like 30s or 5m")
        for c in conditions:
            if not isinstance(c, str) or not _CONDITION.match(c):
                problems.append(f"{where}: invalid condition {c!r}")
            elif "[DOMAIN_EXPIRATION]" in c and duration_s(interval) < 300:
                problems.append(f"{where}: [DOMAIN_EXPIRATION] needs an interval of at least 5m")
        _check_alerts(where, ep.get("alerts"), providers, problems)
        key = push_key(str(ep.get("group", "")), str(ep["name"]))
        if key in keys:
            problems.append(f"{where}: duplicate endpoint key {key}")
        keys.add(key)
    for i, ee in enumerate(data.get("external-endpoints") or []):
        where = f"external-endpoints[{i}]"
        if not isinstance(ee, dict) or not ee.get("name"):
            problems.append(f"{where} needs a name")
            continue
        if not ee.get("token"):
            problems.append(f"{where} needs a token")
        hb = (ee.get("heartbeat") or {}).get("interval") if isinstance(ee.get("heartbeat"), dict) else None
        if hb is not None and duration_s(str(hb)) < 10:
            problems.append(f"{where}.heartbeat.interval must be at least 10s")
        _check_alerts(where, ee.get("alerts"), providers, problems)
        key = push_key(str(ee.get("group", "")), str(ee["name"]))
        if key in keys:
            problems.append(f"{where}: duplicate endpoint key {key}")
        keys.add(key)
    return problems
