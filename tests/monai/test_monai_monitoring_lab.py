"""Stage 5 against the lab: health endpoint shapes, the Slack test alert through the lab's webhook receiver,
the uptime-provider clients, error tracking and status page.

Slack, Better Stack and UptimeRobot have no local real counterpart: hooks.lab.test and uptime.lab.test are
loopback stand-ins that speak their documented request and answer shapes (and error codes). They stand in
for the vendors; they are not the vendors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from launchready_tui.checks import monitor_apis
from launchready_tui.checks.base import CheckOptions
from launchready_tui.checks.context import check_context
from launchready_tui.checks.monitoring import confirmation_answer
from launchready_tui.core.model import Status
from launchready_tui.core.project import parse_project
from launchready_tui.core.redact import fingerprint
from launchready_tui.lab.server import Lab
from launchready_tui.report.gatus import validate_gatus_config

pytestmark = pytest.mark.asyncio(loop_scope="package")
HOOKS = "https://hooks.lab.test/services/"


async def test_health_good_passes_and_flawed_static_ok_warns(run_lab_checks: Any) -> None:
    good = (await run_lab_checks(["monitor.health_endpoint"], "good.test"))["monitor.health_endpoint"]
    assert good.status is Status.PASS, good.summary
    assert good.evidence["format"] == "health+json" and good.evidence["component_checks"] == 2
    assert good.evidence["home_edge"] == good.evidence["health_edge"] == "Cloudflare"
    flawed = (await run_lab_checks(["monitor.health_endpoint"], "flawed.test"))["monitor.health_endpoint"]
    assert flawed.status is Status.WARN and "static 'ok'" in flawed.summary


@pytest.mark.parametrize("shape, words", [
    ("fail", "body says the service is failing but the status code is 200"),
    ("slow", "it is slow: p95"),
    ("auth", "needs credentials (HTTP 401)"),
    ("cached", "can come from a cache"),
    ("trace", "leaks"),
])
async def test_health_shapes_warn_with_the_reason(run_lab_checks: Any, shape: str, words: str) -> None:
    def point(d: dict[str, Any]) -> None:
        d["health_url"] = f"https://api.good.test/health/{shape}"

    result = (await run_lab_checks(["monitor.health_endpoint"], "good.test", edit=point))["monitor.health_endpoint"]
    assert result.status is Status.WARN
    assert any(words in p for p in result.evidence["problems"]), result.evidence["problems"]


async def test_health_5xx_while_home_works_fails_and_unreachable_is_error(run_lab_checks: Any, lab: Lab) -> None:
    assert lab.web is not None
    lab.web.set_fault("api.good.test", status=503)
    try:
        res = await run_lab_checks(["monitor.health_endpoint"], "good.test")
    finally:
        lab.web.set_fault("api.good.test")
    assert res["monitor.health_endpoint"].status is Status.FAIL
    lab.web.set_fault("*", status=502)
    try:
        res = await run_lab_checks(["monitor.health_endpoint"], "good.test")
    finally:
        lab.web.set_fault("*")
    assert res["monitor.health_endpoint"].status is Status.ERROR  # the whole site is down: not a health finding


def _webhook(monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    url = HOOKS + name
    monkeypatch.setenv("LAUNCHREADY_ALERT_WEBHOOK", url)
    return url


async def test_test_alert_payload_reaches_the_receiver(run_lab_checks: Any, lab: Lab,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert lab.state is not None
    lab.state.hook_posts.clear()
    url = _webhook(monkeypatch, "good")
    result = (await run_lab_checks(["monitor.alert_route"], "good.test"))["monitor.alert_route"]
    assert result.status is Status.MANUAL and "confirm in the wizard" in result.summary
    assert len(lab.state.hook_posts) == 1  # sent once, no retries
    post = json.loads(lab.state.hook_posts[0]["body"])
    assert post["text"].startswith("[TEST] launchready test alert for Good Co (lab): no action needed")
    assert post["blocks"][0]["text"]["text"].strip("*") == post["text"]
    assert url not in json.dumps(result.evidence)  # the webhook is a credential: never in evidence
    assert result.evidence["test_alert"]["status"] == 200


async def test_confirmed_alert_passes_without_resending(run_lab_checks: Any, lab: Lab,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert lab.state is not None
    lab.state.hook_posts.clear()
    url = _webhook(monkeypatch, "good")

    def confirmed(d: dict[str, Any]) -> None:
        d["answers"] = {"monitor.alert_route": confirmation_answer(True, fingerprint(url, salt="webhook:slack"),
                                                                   "2026-11-28T10:00:00Z", "#alerts")}

    result = (await run_lab_checks(["monitor.alert_route"], "good.test", edit=confirmed))["monitor.alert_route"]
    assert result.status is Status.PASS and "#alerts" in result.summary
    assert lab.state.hook_posts == []


@pytest.mark.parametrize("hook, status, words", [
    ("archived", Status.FAIL, "410 channel_is_archived (the channel is archived)"),
    ("missing", Status.FAIL, "404 no_service"),
    ("ratelimited", Status.ERROR, "rate-limited the test alert (HTTP 429, retry after 1 s)"),
])
async def test_rejected_alerts(run_lab_checks: Any, monkeypatch: pytest.MonkeyPatch, hook: str, status: Status,
                               words: str) -> None:
    _webhook(monkeypatch, hook)
    result = (await run_lab_checks(["monitor.alert_route"], "good.test"))["monitor.alert_route"]
    assert result.status is status
    assert words in result.summary


async def test_no_route_fails_and_no_ok_means_no_send(run_lab_checks: Any, lab: Lab,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = (await run_lab_checks(["monitor.alert_route"], "good.test"))["monitor.alert_route"]
    assert result.status is Status.FAIL and "LAUNCHREADY_ALERT_WEBHOOK" in result.summary
    assert lab.state is not None
    lab.state.hook_posts.clear()
    _webhook(monkeypatch, "good")
    result = (await run_lab_checks(["monitor.alert_route"], "good.test", yes=False))["monitor.alert_route"]
    assert result.status is Status.MANUAL and lab.state.hook_posts == []
    assert result.evidence["would_send"].startswith("[TEST] launchready test alert")


async def _clients(lab: Lab, tmp_path: Path) -> Any:
    project, _ = parse_project(yaml.safe_dump(lab.project_dict("good.test")))
    return check_context(project, tmp_path, options=CheckOptions())


async def test_uptimerobot_client_against_the_stand_in(lab: Lab, tmp_path: Path) -> None:
    async with await _clients(lab, tmp_path) as ctx:
        good = await monitor_apis.uptimerobot_monitors(ctx.http, "good-readonly", "https://uptime.lab.test")
        assert [(m.name, m.interval_s) for m in good] == [("Home", 60), ("Login", 60), ("Health", 30)]
        assert all(m.alert_channels for m in good)
        with pytest.raises(monitor_apis.ProviderError) as err:
            await monitor_apis.uptimerobot_monitors(ctx.http, "invalid", "https://uptime.lab.test")
        assert err.value.kind == "auth" and "not_authorized" in err.value.message
        with pytest.raises(monitor_apis.ProviderError) as err:
            await monitor_apis.uptimerobot_monitors(ctx.http, "ratelimited", "https://uptime.lab.test")
        assert err.value.kind == "rate_limit"


async def test_betterstack_client_follows_pages_and_reports_errors(lab: Lab, tmp_path: Path) -> None:
    async with await _clients(lab, tmp_path) as ctx:
        good = await monitor_apis.betterstack_monitors(ctx.http, "good-token", "https://uptime.lab.test", per_page=2)
        assert [m.name for m in good] == ["Home", "Login", "API health"]  # 2 pages
        assert good[1].interval_s == 30 and "email" in good[1].alert_channels
        for token, kind in (("bad-token", "auth"), ("ratelimited", "rate_limit")):
            with pytest.raises(monitor_apis.ProviderError) as err:
                await monitor_apis.betterstack_monitors(ctx.http, token, "https://uptime.lab.test")
            assert err.value.kind == kind and token not in err.value.message


def _uptime(d: dict[str, Any]) -> None:
    d["monitoring"] = {"api_base": "https://uptime.lab.test"}


async def test_uptime_service_coverage_gaps_and_manual_without_token(run_lab_checks: Any, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    res = await run_lab_checks(["monitor.uptime_service"], "good.test", edit=_uptime)
    manual = res["monitor.uptime_service"]
    assert manual.status is Status.MANUAL
    steps = manual.evidence["create_these_monitors"]
    assert any("https://api.good.test/health every 30 s" in s for s in steps)
    gatus = yaml.safe_load(Path(manual.evidence["gatus"]["path"]).read_text())  # noqa: ASYNC240 - tiny file
    assert validate_gatus_config(gatus) == []
    monkeypatch.setenv("LAUNCHREADY_BETTERSTACK_TOKEN", "good-token")
    good = (await run_lab_checks(["monitor.uptime_service"], "good.test", edit=_uptime))["monitor.uptime_service"]
    assert good.status is Status.PASS, good.summary
    assert good.evidence["provider"] == "betterstack" and "good-token" not in json.dumps(good.evidence)
    monkeypatch.setenv("LAUNCHREADY_BETTERSTACK_TOKEN", "flawed-token")
    weak = (await run_lab_checks(["monitor.uptime_service"], "flawed.test", edit=_uptime))["monitor.uptime_service"]
    assert weak.status is Status.WARN
    assert "no monitor on the login" in weak.summary or "no monitor on the health" in weak.summary
    monkeypatch.setenv("LAUNCHREADY_BETTERSTACK_TOKEN", "bad-token")
    bad = (await run_lab_checks(["monitor.uptime_service"], "good.test", edit=_uptime))["monitor.uptime_service"]
    assert bad.status is Status.ERROR and "refused the API token" in bad.summary


async def test_error_tracking_and_status_page(run_lab_checks: Any) -> None:
    good = await run_lab_checks(["monitor.error_tracking", "monitor.status_page"], "good.test")
    assert good["monitor.error_tracking"].status is Status.WARN  # Sentry found, no alert rule known
    assert "Sentry" in good["monitor.error_tracking"].evidence["tools"]
    assert good["monitor.status_page"].status is Status.PASS

    def rules(d: dict[str, Any]) -> None:
        d["answers"] = {"monitor.error_tracking": {"alert_rules": "Sentry: new issues to #alerts"}}

    stated = await run_lab_checks(["monitor.error_tracking"], "good.test", edit=rules)
    assert stated["monitor.error_tracking"].status is Status.PASS
    flawed = await run_lab_checks(["monitor.error_tracking", "monitor.status_page"], "flawed.test")
    assert flawed["monitor.error_tracking"].status is Status.MANUAL
    assert flawed["monitor.status_page"].status is Status.MANUAL
