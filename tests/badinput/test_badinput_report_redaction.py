"""A URL with a password typed into the project file (app_url, an endpoint, health_url) is copied by checks into
evidence and summaries. Before: the JSON report (and SARIF/JUnit built from it) carried the password as is."""

from __future__ import annotations

import json

from launchready_tui.core.model import CheckResult, Impact, Status
from launchready_tui.core.project import Project
from launchready_tui.report.formats import build_report, render


def _result() -> CheckResult:
    return CheckResult(
        id="monitor.health_endpoint", title="Health endpoint", status=Status.ERROR, stage=5, impact=Impact.DOWNTIME,
        summary="could not measure https://ops:hunter2pass@api.shop.test/health: timed out",
        evidence={"url": "https://ops:hunter2pass@api.shop.test/health",
                  "tried": [{"url": "redis://:s3cretpw@cache.shop.test:6379/0"}],
                  "fingerprint": "sha256:0123456789abcdef", "commit": "e3ce370aa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
                  "plain": "https://api.shop.test/health", "mail": "mailto:ops@shop.test", "git": "ssh://git@host/x"})


def test_url_passwords_are_masked_in_every_report_format() -> None:
    report = build_report(Project(domain="shop.test"), [_result()])
    for fmt in ("json", "text", "markdown", "junit", "sarif"):
        text = render(report, fmt)
        assert "hunter2pass" not in text and "s3cretpw" not in text, fmt
    check = next(c for s in report["stages"] for c in s["checks"] if c["id"] == "monitor.health_endpoint")
    assert check["evidence"]["url"] == "https://ops:••••@api.shop.test/health"
    assert check["summary"].startswith("could not measure https://ops:••••@api.shop.test/health")


def test_everything_else_in_the_evidence_is_left_exactly_as_is() -> None:
    report = build_report(Project(domain="shop.test"), [_result()])
    check = next(c for s in report["stages"] for c in s["checks"] if c["id"] == "monitor.health_endpoint")
    original = _result().evidence
    for key in ("fingerprint", "commit", "plain", "mail", "git"):
        assert check["evidence"][key] == original[key], key
    json.loads(render(report, "json"))
