"""Ctrl-C in the middle of a headless run: exit 130 and the report of what finished, never lost answers.

Before: ``audit``, ``email`` and ``secrets`` printed "cancelled" and exited 130 with an empty stdout, throwing
away every check that had finished. A second Ctrl-C still quits at once.
"""

from __future__ import annotations

import json

from badinput_support import interrupt_after, net_args

from launchready_tui.lab import Lab


def _checks(report: dict) -> dict[str, dict]:
    return {c["id"]: c for s in report["stages"] for c in s["checks"]}


async def test_audit_interrupted_prints_the_partial_report(lab: Lab) -> None:
    lab.web.set_fault("*", mode="stall")  # every HTTPS answer hangs: http.https_works cannot finish
    run = await interrupt_after(
        ["audit", "--domain", lab.flawed_domain, "--check", "dns.resolves", "--check", "http.https_works",
         "--format", "json", "--progress", "--timeout", "20", *net_args(lab)],
        ready="dns.resolves")
    assert run.code == 130
    assert "cancelling" in run.err
    checks = _checks(json.loads(run.out))
    assert checks["dns.resolves"]["status"] == "pass"  # the finished answer is kept
    assert checks["http.https_works"]["status"] == "skipped"
    assert "cancelled" in checks["http.https_works"]["summary"]


async def test_email_interrupted_prints_the_partial_report(lab: Lab) -> None:
    lab.dns.set_fault(f"_dmarc.{lab.flawed_domain}", delay_ms=20_000)  # a nameserver that is very slow for one name
    run = await interrupt_after(
        ["email", lab.flawed_domain, "--format", "json", "--progress", "--dns-timeout", "25", *net_args(lab)],
        ready="[1/7]")
    assert run.code == 130
    checks = _checks(json.loads(run.out))
    finished = [c for c in checks.values() if c["id"].startswith("email.") and c["status"] != "skipped"]
    assert finished, "the checks that finished before Ctrl-C are in the report"
    assert checks["email.dmarc"]["status"] == "skipped" and "cancelled" in checks["email.dmarc"]["summary"]


async def test_text_report_of_an_interrupted_audit_says_what_was_cancelled(lab: Lab) -> None:
    lab.web.set_fault("*", mode="stall")
    run = await interrupt_after(
        ["audit", "--domain", lab.flawed_domain, "--check", "dns.resolves", "--check", "http.https_works",
         "--progress", "--timeout", "20", *net_args(lab)],
        ready="dns.resolves")
    assert run.code == 130
    assert "dns.resolves" in run.out and "cancelled before it finished" in run.out
