"""The email checks through the real runner against the built-in lab: good.test passes, flawed.test shows every
planted flaw of PLANTED.md, and email.summary reuses results instead of asking DNS again."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import dns.name
import pytest
from emailtest_support import serve_zones, zone_from_text

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.context import NetworkOptions, check_context
from launchready_tui.checks.email_summary import SUB_CHECKS, run_email_checks
from launchready_tui.checks.emailauth.settings import mark_ran
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import CheckResult, Status
from launchready_tui.core.project import Project, load_project
from launchready_tui.lab.server import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")


@asynccontextmanager
async def lab_ctx(lab: Lab, tmp_path: Path, domain: str, **extra: Any) -> AsyncIterator[CheckContext]:
    path = lab.write_project(tmp_path / f"{domain}.yaml", domain)
    project, _warnings = load_project(path)
    async with check_context(project, path.parent, options=CheckOptions(extra=dict(extra))) as ctx:
        yield ctx


async def run_all(ctx: CheckContext) -> dict[str, CheckResult]:
    results = await run_checks([catalogue.get(i) for i in SUB_CHECKS], ctx)
    results += await run_checks([catalogue.get("email.summary")], ctx)
    return {r.id: r for r in results}


async def test_good_test_passes_everything(lab: Lab, tmp_path: Path) -> None:
    async with lab_ctx(lab, tmp_path, lab.domain) as ctx:
        results = await run_all(ctx)
    wrong = {cid: (r.status.value, r.summary) for cid, r in results.items() if r.status is not Status.PASS}
    assert not wrong
    assert results["email.spf"].evidence["lookups"] == 1
    assert results["email.dkim"].evidence["found"][0]["key"]["bits"] == 2048
    assert results["email.dmarc"].evidence["policy"]["p"] == "reject"
    assert results["email.mta_sts"].evidence["policy"]["mode"] == "enforce"
    assert all(r.fix is None for r in results.values())


async def test_flawed_test_shows_every_planted_flaw(lab: Lab, tmp_path: Path) -> None:
    async with lab_ctx(lab, tmp_path, lab.flawed_domain) as ctx:
        results = await run_all(ctx)
    spf = results["email.spf"]
    assert spf.status is Status.FAIL and spf.blocker
    assert spf.evidence["lookups"] == 22 and spf.evidence["limit_reached_at"] == "include:_spf6.flawed.test"
    assert spf.evidence["proposed"]["lookups_after"] <= 10
    assert spf.fix and "include:_spf.google.com" in spf.fix
    dkim = results["email.dkim"]
    assert dkim.status is Status.WARN and "1024-bit" in dkim.summary
    assert results["email.dmarc"].status is Status.FAIL and "no DMARC record" in results["email.dmarc"].summary
    mx = results["email.mx"]
    assert mx.status is Status.FAIL and "mx-old.flawed.test does not exist" in mx.summary
    assert results["email.mta_sts"].status is Status.WARN and "HTTP 404" in results["email.mta_sts"].summary
    assert results["email.tls_rpt"].status is Status.WARN and "mailto:" in results["email.tls_rpt"].summary
    bimi = results["email.bimi"]
    assert bimi.status is Status.WARN and {"bimi.bad_record", "bimi.dmarc_not_enforcing"} <= {
        f["code"] for f in bimi.evidence["findings"]}
    summary = results["email.summary"]
    assert summary.status is Status.FAIL and summary.blocker
    assert summary.evidence["checks"]["email.dkim"]["status"] == "warn"
    assert any(line.startswith("TXT  _dmarc.flawed.test") for line in summary.evidence["records_to_publish"])
    # stage 1 lists only the summary, so its fix carries every sub-check's steps
    assert summary.fix is not None and "SPF — ✖ FAIL" in summary.fix and "DMARC — ✖ FAIL" in summary.fix
    assert spf.fix is not None and spf.fix in summary.fix


async def test_plus_all_on_a_subdomain(lab: Lab, tmp_path: Path) -> None:
    async with lab_ctx(lab, tmp_path, lab.flawed_domain) as ctx:
        ctx.project.domain = f"mail.{lab.flawed_domain}"
        ctx.project.email.senders = []
        result = (await run_checks([catalogue.get("email.spf")], ctx))[0]
    assert result.status is Status.FAIL and result.blocker and "'+all'" in result.summary
    assert result.evidence["proposed"]["record"] == "v=spf1 ~all"


async def test_summary_reuses_results_of_this_run_only(lab: Lab, tmp_path: Path) -> None:
    async with lab_ctx(lab, tmp_path, lab.domain) as ctx:
        planted = CheckResult("email.dmarc", "DMARC", Status.WARN, "planted for the test", 0,
                              catalogue.get("email.dmarc").impact)
        ctx.results["email.dmarc"] = planted
        # The wizard keeps one context and gives every run a new cancel event: a result from an earlier run
        # (here: one nothing marked as run under this event) must be checked again, never reused.
        stale = (await run_checks([catalogue.get("email.summary")], ctx))[0]
        assert stale.evidence["checks"]["email.dmarc"]["status"] == "pass"
        ctx.results["email.dmarc"] = planted
        mark_ran(ctx, "email.dmarc")
        summary = (await run_checks([catalogue.get("email.summary")], ctx))[0]
        assert summary.evidence["checks"]["email.dmarc"]["summary"] == "planted for the test"
        assert summary.status is Status.WARN
        assert set(SUB_CHECKS) <= set(ctx.results)  # the ones it ran are kept for the wizard
        fresh = await run_email_checks(ctx, reuse=False)
    assert fresh["email.dmarc"].status is Status.PASS


async def test_dns_timeout_makes_the_summary_error_not_fail(lab: Lab, tmp_path: Path) -> None:
    assert lab.dns is not None
    lab.dns.set_fault("good.test", mode="timeout")
    try:
        async with lab_ctx(lab, tmp_path, lab.domain) as ctx:
            ctx.resolver.timeout = 0.3
            results = await run_all(ctx)
    finally:
        lab.dns.set_fault("good.test")
    assert results["email.spf"].status is Status.ERROR
    assert results["email.summary"].status is Status.ERROR and not results["email.summary"].blocker
    assert all(r.status is Status.ERROR for r in results.values()), {k: r.summary for k, r in results.items()}


async def test_cancel_stops_a_slow_run_midway(lab: Lab, tmp_path: Path) -> None:
    assert lab.dns is not None
    lab.dns.set_fault("*", delay_ms=400)  # every answer is slow: the run takes several seconds
    try:
        async with lab_ctx(lab, tmp_path, lab.domain) as ctx:
            task = asyncio.ensure_future(run_all(ctx))
            await asyncio.sleep(0.6)
            started = time.perf_counter()
            ctx.cancel_event.set()
            results = await asyncio.wait_for(task, 5)
            stopped_in = time.perf_counter() - started
    finally:
        lab.dns.set_fault("*")
    assert stopped_in < 1.0
    assert any(r.summary == "cancelled before it finished" for r in results.values())
    assert results["email.summary"].status is Status.SKIPPED


async def test_a_recheck_after_a_dns_edit_sees_the_new_record(tmp_path: Path) -> None:
    """The wizard's pattern: one long-lived context, a fresh cancel event per run. No answer survives a run."""
    zone = {"edit.example": '@ TXT "v=spf1 +all"\n@ MX 0 .\n_dmarc TXT "v=DMARC1; p=reject; rua=mailto:d@edit.example"'}
    async with serve_zones(zone) as server:
        project = Project(domain="edit.example")
        project.email.sends_mail = False
        network = NetworkOptions(nameservers=[f"127.0.0.1:{server.port}"])
        summary = [catalogue.get("email.summary")]
        async with check_context(project, tmp_path, network) as base:
            first = await run_checks(summary, dataclasses.replace(base, cancel_event=asyncio.Event()))
            edited = zone_from_text("edit.example", zone["edit.example"].replace("+all", "-all"))
            server.zones = {edited.origin or dns.name.root: edited}  # the founder fixed the record
            second = await run_checks(summary, dataclasses.replace(base, cancel_event=asyncio.Event()))
    assert first[0].status is Status.FAIL and "+all" in first[0].summary
    assert second[0].status is Status.PASS, second[0].summary
