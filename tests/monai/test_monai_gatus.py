"""The generated Gatus config, parsed back with yaml: the expected endpoints, conditions, alerting and heartbeat
endpoints, no secret, and the rules Gatus's loader enforces.

No Gatus binary is available on this machine or in CI (it is a Go program, not a Debian or PyPI package), so
the config is checked with ``validate_gatus_config``, which re-implements the loader's checks (TwiN/gatus
``config/endpoint``, ``alerting/alert``, ``alerting/provider``); the validator itself is tested below on
configs Gatus would refuse."""

from __future__ import annotations

from typing import Any

import yaml

from launchready_tui.core.project import parse_project
from launchready_tui.report.gatus import build_gatus_config, push_key, render_gatus_yaml, validate_gatus_config

PROJECT = """
version: 1
product: Acme AI
domain: acme.example
health_url: https://api.acme.example/health
endpoints:
  - {name: home, url: "https://acme.example/"}
  - name: login
    method: POST
    url: https://api.acme.example/v1/login
    body: '{"email": "demo@acme.example", "password": "pa$word"}'
  - name: generate
    method: POST
    url: https://api.acme.example/v1/generate
    ai: true
    headers: {Authorization: "Bearer {secret:ai_token}"}
monitoring:
  key_flows: [{name: checkout, url: "https://app.acme.example/checkout"}]
  alerts:
    slack_channel: "#alerts"
    email_to: [ops@acme.example]
    smtp_host: smtp.acme.example
    smtp_from: alerts@acme.example
"""


def _config() -> tuple[dict[str, Any], str]:
    project, _ = parse_project(PROJECT)
    config = build_gatus_config(project, health_json=True)
    return yaml.safe_load(render_gatus_yaml(project, config)), render_gatus_yaml(project, config)


def test_config_parses_back_with_the_expected_endpoints() -> None:
    data, _text = _config()
    eps = {e["name"]: e for e in data["endpoints"]}
    assert list(eps) == ["home", "login", "api-health", "generate", "checkout", "domain-and-certificate"]
    assert eps["home"]["conditions"] == ["[STATUS] == 200", "[RESPONSE_TIME] < 500",
                                         "[CERTIFICATE_EXPIRATION] > 240h"]
    assert eps["api-health"]["interval"] == "30s"
    assert "[BODY].status == any(pass, warn, ok, up)" in eps["api-health"]["conditions"]
    assert eps["login"]["method"] == "POST" and eps["login"]["headers"]["Content-Type"] == "application/json"
    assert eps["generate"]["interval"] == "5m" and "[RESPONSE_TIME] < 2000" in eps["generate"]["conditions"]
    assert eps["domain-and-certificate"]["interval"] == "6h"
    alerts = eps["login"]["alerts"]
    assert [a["type"] for a in alerts] == ["slack", "email"]
    assert alerts[0]["failure-threshold"] == 2 and alerts[0]["send-on-resolved"] is True
    heartbeats = {e["name"]: e for e in data["external-endpoints"]}
    assert {n: e["heartbeat"]["interval"] for n, e in heartbeats.items()} == {
        "email-send": "30m", "queue-backlog": "10m", "webhook-delivery": "30m"}
    assert validate_gatus_config(data) == []


def test_secrets_are_env_placeholders_and_dollars_are_escaped() -> None:
    data, text = _config()
    assert data["alerting"]["slack"]["webhook-url"] == "${SLACK_WEBHOOK_URL}"
    assert data["alerting"]["email"]["password"] == "${SMTP_PASSWORD}"
    assert data["alerting"]["email"]["to"] == "ops@acme.example" and data["alerting"]["email"]["port"] == 587
    assert {e["token"] for e in data["external-endpoints"]} == {"${GATUS_PUSH_TOKEN}"}
    generate = next(e for e in data["endpoints"] if e["name"] == "generate")
    assert generate["headers"]["Authorization"] == "Bearer ${AI_TOKEN}"
    login = next(e for e in data["endpoints"] if e["name"] == "login")
    assert '"pa$$word"' in login["body"]  # Gatus expands $VAR in the whole file: a literal $ is written $$
    assert "hooks.slack.com" not in text
    for key in ("jobs_email-send", "jobs_queue-backlog", "jobs_webhook-delivery"):
        assert f"/api/v1/endpoints/{key}/external?success=true" in text
    assert "-e SLACK_WEBHOOK_URL=" in text and "twinproduction/gatus" in text


def test_push_keys_follow_gatus() -> None:
    assert push_key("Jobs", "Email send") == "jobs_email-send"
    assert push_key("a/b", "c_d.e,f#g+h&i") == "a-b_c-d-e-f-g-h-i"


def test_validator_rejects_what_gatus_rejects() -> None:
    data, _ = _config()
    data["endpoints"][0]["conditions"] = ["[STATUS]==200"]
    data["endpoints"][1]["conditions"].append("[DOMAIN_EXPIRATION] > 720h")  # 30 s interval: refused
    data["endpoints"][2]["alerts"][0]["minimum-reminder-interval"] = "1m"
    data["endpoints"][3]["alerts"][0]["description"] = 'say "hi"'
    data["external-endpoints"][0]["heartbeat"]["interval"] = "5s"
    data["external-endpoints"][1]["token"] = ""
    data["endpoints"].append(dict(data["endpoints"][0]))
    del data["alerting"]["email"]
    problems = "\n".join(validate_gatus_config(data))
    for words in ("invalid condition '[STATUS]==200'", "[DOMAIN_EXPIRATION] needs an interval of at least 5m",
                  "minimum-reminder-interval must be at least 5m", "description must not contain",
                  "heartbeat.interval must be at least 10s", "external-endpoints[1] needs a token",
                  "duplicate endpoint key app_home", "no alerting.email provider is configured"):
        assert words in problems


def test_lab_project_without_email_route_uses_slack_only() -> None:
    project, _ = parse_project("version: 1\ndomain: solo.example\n")
    data = build_gatus_config(project)
    assert list(data["alerting"]) == ["slack"]
    assert [e["name"] for e in data["endpoints"]] == ["home", "domain-and-certificate"]
    assert validate_gatus_config(data) == []
