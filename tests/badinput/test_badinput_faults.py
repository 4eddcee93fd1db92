"""Network faults from the lab's knobs, read as a user reads the report: the reason is right and said once.

Before: with every host stalled, http.https_works said "HTTPS works on some hosts, but: …" (none did); a reset
connection read "Server disconnected without sending a response. Server disconnected without sending a
response."; with DNS down, edge.cdn said "the server address  is public" (an empty address).
"""

from __future__ import annotations

import json

from badinput_support import net_args, run_cli

from launchready_tui.lab import Lab


async def _audit(lab: Lab, *checks: str, timeout: str = "2") -> dict[str, dict]:
    args = ["audit", "--domain", lab.flawed_domain, "--format", "json", "--timeout", timeout, "--dns-timeout", "1"]
    for check in checks:
        args += ["--check", check]
    run = await run_cli(*args, *net_args(lab))
    assert run.code in (0, 1), run.err
    return {c["id"]: c for s in json.loads(run.out)["stages"] for c in s["checks"]}


async def test_no_host_answering_is_not_https_works_on_some_hosts(lab: Lab) -> None:
    lab.web.set_fault("*", mode="stall")
    check = (await _audit(lab, "http.https_works", timeout="1"))["http.https_works"]
    assert check["status"] == "error"  # a timeout is never a fail
    assert check["summary"].startswith("could not test HTTPS: ")
    assert "works on some hosts" not in check["summary"]


async def test_a_reset_connection_is_described_once(lab: Lab) -> None:
    lab.web.set_fault("*", mode="reset")
    check = (await _audit(lab, "http.https_works"))["http.https_works"]
    first_host = check["summary"].split("; ")[0]
    assert "broke the HTTP protocol" in first_host
    reason = first_host.split("broke the HTTP protocol: ", 1)[1]
    assert reason.count("Server disconnected") == 1, reason


async def test_edge_cdn_without_addresses_has_no_blank_in_its_sentence(lab: Lab) -> None:
    lab.dns.set_fault("*", mode="servfail")  # HTTP still reaches the lab through --connect-to
    check = (await _audit(lab, "edge.cdn"))["edge.cdn"]
    assert "  " not in check["summary"]
    if check["status"] == "warn":
        assert check["summary"].endswith("is public")


async def _audit_dns_only(lab: Lab, *checks: str) -> dict[str, dict]:
    """The lab's nameserver only (no --connect-to): every host must come from DNS."""
    args = ["audit", "--domain", lab.flawed_domain, "--format", "json", "--dns-timeout", "0.5",
            "--nameserver", lab.nameserver, "--ca-file", str(lab.ca_file)]
    for check in checks:
        args += ["--check", check]
    run = await run_cli(*args)
    assert run.code in (0, 1), run.err
    return {c["id"]: c for s in json.loads(run.out)["stages"] for c in s["checks"]}


async def test_a_nameserver_that_never_answers_is_not_a_missing_page(lab: Lab) -> None:
    # Before: monitor.status_page said "no status page at …" (manual) and edge.api_not_cached "no API route
    # answered" (skipped) although not one question had been answered: a timeout read as "missing".
    lab.dns.set_fault("*", mode="timeout")
    checks = await _audit_dns_only(lab, "monitor.status_page", "edge.api_not_cached", "monitor.uptime_service")
    for check_id in ("monitor.status_page", "edge.api_not_cached"):
        assert checks[check_id]["status"] == "error", checks[check_id]
        assert "did not answer" in checks[check_id]["summary"]
    assert "(None)" not in checks["monitor.uptime_service"]["summary"]  # audit --domain writes no Gatus file


async def test_without_the_fault_a_missing_status_page_is_still_manual(lab: Lab) -> None:
    checks = await _audit_dns_only(lab, "monitor.status_page")
    assert checks["monitor.status_page"]["status"] == "manual"
    assert checks["monitor.status_page"]["summary"].startswith("no status page at")
