"""Stage 5, monitoring and alerting (monitoring.md): will someone find out within minutes, and does the alert
reach a human?

* ``monitor.health_endpoint``: the health URL answers fast (p95 of a few sequential probes, no credentials), is
  not cached, checks something real, and is served through the same edge as the home page.
* ``monitor.uptime_service``: monitors listed through the provider's read-only API (Better Stack or UptimeRobot,
  token from the vault) matched against home, login, health and key flows; without a token, a manual item with
  the exact monitors to create. Either way a runnable Gatus config is written next to the project file.
* ``monitor.alert_route``: one clearly labelled test alert to the founder's Slack webhook (URL from the vault),
  sent on an explicit OK (``--yes`` or the wizard), then the founder confirms it arrived (``answers``).
* ``monitor.error_tracking``: an error tracker in the repo or the live bundle, plus stated alert rules.
* ``monitor.status_page``: status.<domain> or /status, with the provider recognised.

Anything resting only on the founder's word is ``manual``; a timeout is never "missing".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from launchready_tui.checks import monitor_apis, web_requests
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.monitor_health import cached_reason, edge_of, read_health
from launchready_tui.checks.monitor_repo import dsns_in, scan_repo
from launchready_tui.checks.secret_source import how_to_provide, read_secret
from launchready_tui.checks.targets import classify_hosts, host_of
from launchready_tui.core.model import Outcome, Status
from launchready_tui.core.redact import fingerprint, preview, redact_text
from launchready_tui.net.http import FetchError, Response
from launchready_tui.report.gatus import (
    MonitorTarget,
    build_gatus_config,
    monitor_targets,
    push_key,
    render_gatus_yaml,
    validate_gatus_config,
)

HEALTH_PATHS = ("/health", "/healthz", "/api/health")
HEALTH_TARGET_MS = 500.0
LOGIN_HEALTH_MAX_INTERVAL_S = 60
MONITORING_DIR = "launchready-monitoring"
ARTIFACTS_OFF = ("not written: there is no project file to put it next to (audit --domain); run with a project "
                 "file to get launchready-monitoring/gatus.yaml")
ALERT_TIMEOUT_S = 10.0
SLACK_ERRORS = {
    "invalid_payload": "Slack could not read the message",
    "user_not_found": "the webhook's user no longer exists",
    "action_prohibited": "a workspace admin restricts this app",
    "channel_not_found": "the channel no longer exists",
    "no_service": "the webhook was removed or the URL is mistyped",
    "channel_is_archived": "the channel is archived",
    "rollup_error": "Slack had an internal error",
}


def _percentile(values: list[float], pct: float) -> float:
    import math

    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _mon_settings(ctx: CheckContext) -> dict[str, Any]:
    raw = ctx.project.extra.get("monitoring")
    return raw if isinstance(raw, dict) else {}


# -- monitor.health_endpoint --------------------------------------------------------------------------------


def _health_candidates(ctx: CheckContext) -> list[str]:
    if ctx.project.health_url:
        return [ctx.project.health_url]
    bases = [b.rstrip("/") for b in (ctx.project.api_url, ctx.project.app_url) if b]
    bases.append(f"https://{ctx.project.domain}")
    return list(dict.fromkeys(base + path for base in bases for path in HEALTH_PATHS))


async def _get(ctx: CheckContext, url: str) -> Response | FetchError:
    try:
        return await ctx.http.fetch(url, body_cap=256 * 1024, timeout=10.0)
    except FetchError as exc:
        return exc


async def monitor_health_endpoint(ctx: CheckContext) -> Outcome:
    check_id = "monitor.health_endpoint"
    home_url = f"https://{ctx.project.domain}/"
    home = await web_requests.get(ctx, home_url)  # the run's shared home page
    home_ok = isinstance(home, Response) and home.status < 500
    chosen: str | None = None
    first: Response | FetchError | None = None
    tried: list[dict[str, Any]] = []
    for url in _health_candidates(ctx):
        ctx.say(check_id, f"looking for the health URL: {url}")
        got = await _get(ctx, url)
        tried.append({"url": url, "status": got.status if isinstance(got, Response) else None,
                      "error": got.message if isinstance(got, FetchError) else None})
        if isinstance(got, Response) and got.status == 404 and not ctx.project.health_url:
            continue
        if isinstance(got, FetchError) and got.kind in ("dns", "connect") and not ctx.project.health_url:
            continue
        chosen, first = url, got
        break
    evidence: dict[str, Any] = {"tried": tried, "home": {"url": home_url, "status": home.status
                                                          if isinstance(home, Response) else None}}
    path = urlsplit(chosen).path if chosen else "/health"
    fix = fix_for(check_id, None, path=path or "/health")
    if chosen is None:
        if not home_ok:
            why = home.message if isinstance(home, FetchError) else f"HTTP {home.status}"
            return Outcome(Status.ERROR, f"could not reach the site to look for a health URL ({why})", evidence,
                           target=ctx.project.domain)
        return Outcome(Status.FAIL, "no health endpoint found (tried " + ", ".join(t["url"] for t in tried[:3])
                       + "…): uptime tools have nothing meaningful to watch", evidence, fix=fix,
                       target=ctx.project.domain)
    host = host_of(chosen) or ctx.project.domain
    n = max(3, min(ctx.options.samples, 10))
    samples: list[Response | FetchError] = [first] if first is not None else []
    for i in range(len(samples), n):
        if ctx.cancel_event.is_set():
            break
        ctx.say(check_id, f"{chosen}: probe {i + 1} of {n}")
        samples.append(await _get(ctx, chosen))
    answers = [s for s in samples if isinstance(s, Response)]
    failures = [s for s in samples if isinstance(s, FetchError)]
    evidence.update(url=chosen, probes=len(samples), codes=sorted({str(a.status) for a in answers}),
                    errors=sorted({f.message for f in failures})[:3])
    if not answers:
        kind = failures[0].kind if failures else "timeout"
        if home_ok and kind == "timeout":
            return Outcome(Status.FAIL, f"{chosen} timed out on every probe while the home page works: monitors "
                           "will report the product down", evidence, fix=fix, target=host)
        return Outcome(Status.ERROR, f"could not measure {chosen}: {failures[0].message if failures else 'cancelled'}",
                       evidence, target=host)
    times = [a.timings.total_ms for a in answers]
    last = answers[-1]
    reading = read_health(last.status, last.headers, last.text)
    evidence.update(p50_ms=round(_percentile(times, 50), 1), p95_ms=round(_percentile(times, 95), 1),
                    content_type=last.headers.get("content-type"), cache_control=last.headers.get("cache-control"),
                    **reading.to_json())
    server_errors = [a for a in answers if a.status >= 500]
    if server_errors:
        verdict = f" and says {reading.status}" if reading.status else ""
        if home_ok:
            return Outcome(Status.FAIL, f"{chosen} answers HTTP {server_errors[0].status}{verdict} while the home "
                           "page works: monitors see the product as down (or a dependency really is down)",
                           evidence, fix=fix, target=host)
        return Outcome(Status.ERROR, f"{chosen} and the home page both fail (HTTP {server_errors[0].status}): "
                       "the site is down, not just its health URL", evidence, target=host)
    problems = list(reading.problems)
    if last.status in (401, 403):
        problems.insert(0, f"the health URL needs credentials (HTTP {last.status}): uptime tools call it "
                           "without any, so they will always see it failing")
    elif last.status >= 400:
        return Outcome(Status.FAIL, f"{chosen} answers HTTP {last.status}: there is no working health URL there",
                       evidence, fix=fix, target=host)
    if (why := cached_reason(last.headers)) is not None:
        problems.append(f"the health answer can come from a cache ({why}): a monitor would see 'healthy' during "
                        "an outage")
    p95 = float(evidence["p95_ms"])
    if p95 > HEALTH_TARGET_MS:
        problems.append(f"it is slow: p95 {p95:.0f} ms over {len(times)} probes (target ≤ {HEALTH_TARGET_MS:.0f} ms)")
    if isinstance(home, Response):
        home_edge, health_edge = edge_of(home.headers), edge_of(last.headers)
        evidence.update(home_edge=home_edge, health_edge=health_edge)
        if home_edge and home_edge != health_edge:
            problems.append(f"users reach the site through {home_edge} but the health URL answers "
                            f"{'from ' + health_edge if health_edge else 'straight from the origin'}: an outage "
                            f"of the edge users depend on would not show")
    evidence["problems"] = problems
    if failures:
        problems.append(f"{len(failures)} of {len(samples)} probes failed ({failures[0].message})")
    if problems:
        return Outcome(Status.WARN, problems[0] + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""),
                       evidence, fix=fix, target=host)
    return Outcome(Status.PASS, f"{chosen} answers {last.status} ({reading.format}, {reading.checks} component "
                   f"checks) in p95 {p95:.0f} ms, uncached, through the same edge as users", evidence, target=host)


# -- monitor.uptime_service ---------------------------------------------------------------------------------


def _norm(url: str) -> tuple[str, str]:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return (parts.hostname or "").lower().rstrip("."), (parts.path or "/").rstrip("/") or "/"


def coverage(targets: list[MonitorTarget], monitors: list[monitor_apis.Monitor]) -> list[dict[str, Any]]:
    """Each target with the monitors that watch its URL (host and path; scheme, query and trailing / ignored)."""
    rows: list[dict[str, Any]] = []
    for t in targets:
        hits = [m for m in monitors if _norm(m.url) == _norm(t.url)]
        active = [m for m in hits if not m.paused]
        best = min((m.interval_s for m in active if m.interval_s), default=None)
        rows.append({"kind": t.kind, "name": t.name, "url": t.url, "monitored": bool(active),
                     "paused_only": bool(hits) and not active, "interval_s": best,
                     "alerts": sorted({c for m in active for c in m.alert_channels}),
                     "recommended_interval_s": t.interval_s})
    return rows


def _write_gatus(ctx: CheckContext, health_json: bool) -> dict[str, Any]:
    config = build_gatus_config(ctx.project, health_json)
    problems = validate_gatus_config(config)
    text = render_gatus_yaml(ctx.project, config)
    raw_path = _mon_settings(ctx).get("gatus_config")
    path = ctx.resolve_path(raw_path) if isinstance(raw_path, str) else ctx.project_dir / MONITORING_DIR / "gatus.yaml"
    assert path is not None
    info: dict[str, Any] = {"path": str(path), "endpoints": [e["name"] for e in config["endpoints"]],
                            "push_keys": [push_key(e["group"], e["name"]) for e in config["external-endpoints"]],
                            "env": sorted(set(re.findall(r"\$\{([A-Z0-9_]+)\}", text)))}
    if problems:
        info["problems"] = problems
    if not ctx.write_artifacts:
        info.update(path=None, note=ARTIFACTS_OFF)
        return info
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        info["error"] = f"could not write {path}: {exc.strerror or exc}"
    return info


def _create_steps(targets: list[MonitorTarget]) -> list[str]:
    return [f"{t.kind}: {t.method} {t.url} every {t.interval_s} s, alert after {t.failure_threshold} failures "
            f"(conditions: {'; '.join(t.conditions)})" for t in targets]


async def monitor_uptime_service(ctx: CheckContext) -> Outcome:
    check_id = "monitor.uptime_service"
    health = ctx.results.get("monitor.health_endpoint")
    health_json = bool(health and health.evidence.get("format") == "health+json")
    targets = monitor_targets(ctx.project, health_json)
    gatus = await asyncio.to_thread(_write_gatus, ctx, health_json)
    settings = _mon_settings(ctx)
    wanted = str(settings.get("provider") or "").lower()
    providers = [p for p in ("betterstack", "uptimerobot") if not wanted or p == wanted]
    evidence: dict[str, Any] = {"targets": [{"kind": t.kind, "url": t.url, "interval_s": t.interval_s}
                                            for t in targets], "gatus": gatus}
    fix = fix_for(check_id, wanted or None, config=gatus.get("path", "gatus.yaml"))
    token = None
    provider = ""
    problems: list[str] = []
    for p in providers:
        found = await read_secret(ctx, f"token:{p}")
        if found.problem:
            problems.append(found.problem)
        if found.found:
            token, provider = found.value, p
            evidence["token"] = {"provider": p, "from": found.where, "preview": preview(found.value or "")}
            break
    if token is None:
        evidence["create_these_monitors"] = _create_steps(targets)
        note = f" ({problems[0]})" if problems else ""
        return Outcome(Status.MANUAL, "no uptime-provider token, so only you can confirm monitoring: create the "
                       f"{len(targets)} monitors listed in the evidence, or run the generated Gatus config"
                       + (f" ({gatus['path']})" if gatus.get("path") and not gatus.get("error")
                          else f" ({gatus['error']})" if gatus.get("error") else " (see the evidence)")
                       + f"{note}. To let launchready verify: "
                       + how_to_provide(f"token:{providers[0] if providers else 'uptimerobot'}"),
                       evidence, fix=fix, target=ctx.project.domain)
    base = settings.get("api_base")
    ctx.say(check_id, f"listing monitors at {provider}")
    try:
        if provider == "betterstack":
            monitors = await monitor_apis.betterstack_monitors(
                ctx.http, token, base if isinstance(base, str) else monitor_apis.BETTERSTACK_BASE)
        else:
            monitors = await monitor_apis.uptimerobot_monitors(
                ctx.http, token, base if isinstance(base, str) else monitor_apis.UPTIMEROBOT_BASE)
    except monitor_apis.ProviderError as exc:
        evidence["create_these_monitors"] = _create_steps(targets)
        return Outcome(Status.ERROR, f"could not list the monitors: {exc.message}", evidence,
                       target=ctx.project.domain)
    rows = coverage(targets, monitors)
    evidence.update(provider=provider, monitors=[m.to_json() for m in monitors][:50], coverage=rows)
    gaps: list[str] = []
    for row in rows:
        if row["kind"] in ("home", "login", "health") and not row["monitored"]:
            gaps.append(f"no {'active ' if row['paused_only'] else ''}monitor on the {row['kind']} ({row['url']})")
        elif row["kind"] in ("login", "health") and (row["interval_s"] or 10**9) > LOGIN_HEALTH_MAX_INTERVAL_S:
            gaps.append(f"the {row['kind']} is checked every {row['interval_s']} s (≤ {LOGIN_HEALTH_MAX_INTERVAL_S} s "
                        "recommended: at 5 minutes an outage burns 15 minutes before anyone knows)")
        if row["monitored"] and not row["alerts"] and row["kind"] in ("home", "login", "health"):
            gaps.append(f"the {row['kind']} monitor alerts nobody (no alert contact)")
    flows = [r for r in rows if r["kind"] in ("flow", "ai")]
    uncovered = [r["name"] for r in flows if not r["monitored"]]
    if uncovered:
        evidence["key_flows_unmonitored"] = uncovered
    if gaps:
        evidence["create_these_monitors"] = _create_steps([t for t, r in zip(targets, rows, strict=True)
                                                           if not r["monitored"]])
        return Outcome(Status.WARN, f"{provider}: " + "; ".join(gaps[:3]) + (f" (+{len(gaps) - 3} more)"
                       if len(gaps) > 3 else ""), evidence, fix=fix, target=ctx.project.domain)
    covered = ", ".join(f"{r['kind']} every {r['interval_s']} s" for r in rows if r["monitored"])
    extra = f"; key flows without a monitor: {', '.join(uncovered)}" if uncovered else ""
    return Outcome(Status.PASS, f"{provider} watches {covered}, with alerts{extra}", evidence,
                   target=ctx.project.domain)


# -- monitor.alert_route ------------------------------------------------------------------------------------


def alert_test_text(product: str, when: dt.datetime) -> str:
    return (f"[TEST] launchready test alert for {product}: no action needed. Sent {_iso(when)} to check that "
            "alerts reach you. If you can read this, confirm it in launchready.")


def alert_test_payload(product: str, when: dt.datetime) -> dict[str, Any]:
    """Slack incoming-webhook body: ``text`` is the notification fallback, the block says the same."""
    text = alert_test_text(product, when)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}}]}


def confirmation_answer(arrived: bool, webhook_fingerprint: str, sent_at: str | None, channel: str = "",
                        when: dt.datetime | None = None) -> dict[str, Any]:
    """What the wizard stores under ``answers["monitor.alert_route"]`` after asking "did it arrive?"."""
    return {"arrived": arrived, "confirmed_at": _iso(when or _now()), "sent_at": sent_at,
            "webhook_fingerprint": webhook_fingerprint, **({"channel": channel} if channel else {})}


def _prior(ctx: CheckContext) -> dict[str, Any]:
    raw = ctx.project.answers.get("monitor.alert_route")
    return raw if isinstance(raw, dict) else {}


async def send_test_alert(ctx: CheckContext, webhook: str) -> dict[str, Any]:
    """Send the test alert once (10 s timeout, no retry); returns the outcome as evidence (no secret in it)."""
    when = _now()
    body = json.dumps(alert_test_payload(ctx.project.product or ctx.project.domain, when))
    result: dict[str, Any] = {"sent_at": _iso(when), "text": alert_test_text(ctx.project.product
                                                                             or ctx.project.domain, when)}
    try:
        resp = await ctx.http.fetch(webhook, method="POST", headers={"Content-Type": "application/json"},
                                    content=body, timeout=ALERT_TIMEOUT_S, body_cap=64 * 1024)
    except FetchError as exc:
        result["error"] = redact_text(exc.message)
        result["error_kind"] = exc.kind
        return result
    result.update(status=resp.status, body=redact_text(resp.text.strip()[:200]),
                  retry_after=resp.headers.get("retry-after"))
    return result


async def monitor_alert_route(ctx: CheckContext) -> Outcome:
    check_id = "monitor.alert_route"
    found = await read_secret(ctx, "webhook:slack")
    route = _mon_settings(ctx).get("alerts")
    emails = route.get("email_to") if isinstance(route, dict) else None
    evidence: dict[str, Any] = {}
    if not found.found:
        if emails:
            evidence["email_to"] = emails
            return Outcome(Status.MANUAL, "alerts go by e-mail only: send a test alert from your monitoring tool "
                           "and confirm in the wizard that it arrived (launchready sends e-mail tests only through "
                           "Slack-style webhooks)", evidence, fix=fix_for(check_id), target=ctx.project.domain)
        why = f" ({found.problem})" if found.problem else ""
        return Outcome(Status.FAIL, f"no alert route configured{why}: nobody would be told about an outage. Add a "
                       "Slack incoming webhook: " + how_to_provide("webhook:slack"), evidence,
                       fix=fix_for(check_id), target=ctx.project.domain)
    webhook = found.value or ""
    fp = fingerprint(webhook, salt="webhook:slack")
    shown = redact_text(webhook) if redact_text(webhook) != webhook else preview(webhook)
    evidence.update(webhook=shown, webhook_from=found.where, webhook_fingerprint=fp)
    target = host_of(webhook) or ""
    if urlsplit(webhook).scheme != "https":
        return Outcome(Status.ERROR, "the stored webhook is not an https:// URL; store the URL Slack shows under "
                       "Incoming Webhooks", evidence, target=target)
    prior = _prior(ctx)
    if prior.get("webhook_fingerprint") == fp and "arrived" in prior:
        evidence["confirmation"] = prior
        if prior.get("arrived") is True:
            where = f" in {prior['channel']}" if prior.get("channel") else ""
            return Outcome(Status.PASS, f"the test alert arrived{where} (confirmed {prior.get('confirmed_at', '?')})",
                           evidence, target=target)
        return Outcome(Status.FAIL, f"the test alert sent {prior.get('sent_at') or ''} did not arrive (you said so on "
                       f"{prior.get('confirmed_at', '?')}): alerts would go nowhere", evidence,
                       fix=fix_for(check_id, "slack"), target=target)
    if not (ctx.options.yes or ctx.options.extra.get("send_test_alert") is True):
        evidence["would_send"] = alert_test_text(ctx.project.product or ctx.project.domain, _now())
        return Outcome(Status.MANUAL, "a test alert is ready to send: send it from the wizard (or run with --yes), "
                       "then confirm in the wizard that it arrived", evidence, fix=fix_for(check_id), target=target)
    ctx.say(check_id, "sending one test alert")
    sent = await send_test_alert(ctx, webhook)
    evidence["test_alert"] = sent
    status = sent.get("status")
    if status is None:
        return Outcome(Status.ERROR, f"the test alert could not be sent: {sent.get('error')}", evidence, target=target)
    body = str(sent.get("body") or "")
    if status == 200:
        return Outcome(Status.MANUAL, f"test alert sent at {sent['sent_at']} (Slack answered 200 {body or 'ok'}): "
                       "confirm in the wizard that it arrived", evidence, target=target)
    if status == 429:
        return Outcome(Status.ERROR, "Slack rate-limited the test alert (HTTP 429"
                       + (f", retry after {sent['retry_after']} s" if sent.get("retry_after") else "")
                       + "); try again in a minute", evidence, target=target)
    if status >= 500:
        return Outcome(Status.ERROR, f"the webhook service failed (HTTP {status} {body}); try again later", evidence,
                       target=target)
    meaning = SLACK_ERRORS.get(body.split()[0] if body else "", "the webhook refused the message")
    return Outcome(Status.FAIL, f"the test alert was rejected: HTTP {status} {body} ({meaning}); alerts sent there "
                   "reach nobody", evidence, fix=fix_for(check_id, "slack"), target=target)


# -- monitor.error_tracking ---------------------------------------------------------------------------------


async def _bundle_dsns(ctx: CheckContext) -> list[str]:
    home = await web_requests.get(ctx, f"https://{ctx.project.domain}/")  # the run's shared home page
    if not isinstance(home, Response) or home.status >= 400:
        return []
    found = dsns_in(home.text)
    scripts = re.findall(r"<script[^>]+src=[\"']([^\"']+)[\"']", home.text, re.I)
    for src in scripts[:6]:
        url = urljoin(home.url, src)
        if host_of(url) != host_of(home.url):
            continue
        got = await web_requests.get(ctx, url, body_cap=256 * 1024)  # shared with edge.static_cache
        if isinstance(got, Response) and got.status < 400:
            found += dsns_in(got.text)
    return sorted(set(found))


async def monitor_error_tracking(ctx: CheckContext) -> Outcome:
    check_id = "monitor.error_tracking"
    repo = ctx.resolve_path(ctx.project.repo) if ctx.project.repo else None
    evidence: dict[str, Any] = {}
    tools: dict[str, list[str]] = {}
    rule_files: list[str] = []
    if repo is not None and repo.is_dir():
        ctx.say(check_id, "looking for error tracking in the repository")
        scanned = await asyncio.to_thread(scan_repo, repo)
        tools, rule_files = scanned.tools, scanned.alert_rules
        evidence["repo"] = scanned.to_json()
    elif repo is not None:
        evidence["repo_problem"] = f"{repo} is not a folder"
    ctx.say(check_id, "looking for a Sentry DSN in the live JavaScript")
    dsns = await _bundle_dsns(ctx)
    if dsns:
        tools.setdefault("Sentry", []).append("live JavaScript bundle")
        evidence["bundle_dsns"] = [preview(d) for d in dsns]
    answer = ctx.project.answers.get(check_id)
    stated = answer.get("alert_rules") if isinstance(answer, dict) else None
    if stated:
        evidence["alert_rules_stated"] = str(stated)
    evidence["tools"] = sorted(tools)
    fix = fix_for(check_id, "sentry" if "Sentry" in tools else None)
    if not tools:
        return Outcome(Status.MANUAL, "no error tracker found in the repository or the live JavaScript: only you "
                       "can confirm errors are tracked elsewhere (record it in the wizard)", evidence, fix=fix,
                       target=ctx.project.domain)
    names = ", ".join(sorted(tools))
    if stated or rule_files:
        where = f"rules in {', '.join(rule_files[:2])}" if rule_files else "alert rules stated"
        return Outcome(Status.PASS, f"{names} in place, {where}", evidence, target=ctx.project.domain)
    return Outcome(Status.WARN, f"{names} in place, but no alert rule is known: errors are recorded, nobody is told. "
                   "Create an alert rule and record it in the wizard", evidence, fix=fix, target=ctx.project.domain)


# -- monitor.status_page ------------------------------------------------------------------------------------

HOSTED_STATUS = (("statuspage.io", "Atlassian Statuspage"), ("betteruptime.com", "Better Stack"),
                 ("betterstack.com", "Better Stack"), ("instatus.com", "Instatus"), ("status.io", "Status.io"),
                 ("uptimerobot.com", "UptimeRobot"), ("stspg.io", "Atlassian Statuspage"),
                 ("github.io", "GitHub Pages (Upptime?)"))
CONTENT_MARKERS = ((re.compile(r"gatus", re.I), "Gatus"), (re.compile(r"uptime[ -]?kuma|/api/status-page/", re.I),
                   "Uptime Kuma"), (re.compile(r"upptime", re.I), "Upptime"))
STATUS_WORDS = re.compile(r"operational|all systems|status|uptime|incident|degraded|outage", re.I)


async def monitor_status_page(ctx: CheckContext) -> Outcome:
    domain = ctx.project.domain
    answer = ctx.project.answers.get("monitor.status_page")
    urls = [f"https://status.{domain}/", f"https://{domain}/status"]
    if isinstance(answer, dict) and isinstance(answer.get("url"), str):
        urls.insert(0, answer["url"])
    tried: list[dict[str, Any]] = []
    cname = await ctx.resolver.query(f"status.{domain}", "CNAME")
    provider = next((name for rec in cname.records for suffix, name in HOSTED_STATUS
                     if rec.rstrip(".").lower().endswith(suffix)), None)
    for url in urls:
        walk = await ctx.http.walk(url, max_hops=5)
        final = walk.final
        row: dict[str, Any] = {"url": url, "status": final.status if final else None,
                               "final_url": final.url if final else None,
                               "error": walk.error.message if walk.error else None}
        tried.append(row)
        if final is None or final.status >= 400:
            continue
        text = final.text[:200_000]
        if not STATUS_WORDS.search(text):
            row["note"] = "answers, but does not look like a status page"
            continue
        final_host = host_of(final.url) or ""
        provider = provider or next((name for suffix, name in HOSTED_STATUS if final_host.endswith(suffix)), None)
        provider = provider or next((name for pat, name in CONTENT_MARKERS if pat.search(text)), None)
        evidence = {"tried": tried, "found": url, "provider": provider, "cname": cname.records}
        by = f" ({provider})" if provider else ""
        return Outcome(Status.PASS, f"status page found at {url}{by}", evidence, target=host_of(url) or domain)
    evidence = {"tried": tried, "cname": cname.records}
    # "No status page" needs an answer: if the site itself could not be reached (DNS unanswered, a timeout),
    # nothing was measured (a timeout is never reported as missing).
    found = await classify_hosts(ctx, [domain])
    apex = tried[-1]
    if domain in found.unresolved or (apex["status"] is None and apex["error"] and "timed out" in apex["error"]):
        why = found.unresolved.get(domain) or apex["error"]
        return Outcome(Status.ERROR, f"could not look for a status page: {why}", evidence, target=domain)
    return Outcome(Status.MANUAL, f"no status page at status.{domain} or {domain}/status: optional at demo stage; "
                   "if you have one elsewhere, record its URL in the wizard", evidence,
                   fix=fix_for("monitor.status_page", domain=domain), target=domain)
