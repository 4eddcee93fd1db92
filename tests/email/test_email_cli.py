"""``launchready email`` as a user runs it: the installed console script against the lab, exit codes, formats."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from launchready_tui.lab.server import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")

GMAIL_SAMPLE = """Authentication-Results: mx.google.com;
       dkim=pass header.i=@good.test header.s=google header.b=AbCd;
       spf=pass (google.com: domain of bounce@good.test designates 127.0.0.1 as permitted sender)
 smtp.mailfrom=bounce@good.test;
       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=good.test
DKIM-Signature: v=1; a=rsa-sha256; d=good.test; s=google; h=from:to; bh=x=; b=y=
From: Good Co <hello@good.test>
"""


async def launchready(bin_path: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        str(bin_path), "email", *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def stage1(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["stages"][0]["checks"] if c["id"].startswith("email.")}


async def test_good_domain_json(lab: Lab, tmp_path: Path, launchready_bin: Path) -> None:
    project = lab.write_project(tmp_path / "good.yaml", lab.domain)
    rc, out, err = await launchready(launchready_bin, "--project", str(project), "--format", "json")
    assert rc == 0, err
    report = json.loads(out)
    assert report["schema"] == "launchready.report/1" and len(report["stages"]) == 7
    checks = stage1(report)
    assert set(checks) == {"email.summary", "email.spf", "email.dkim", "email.dmarc", "email.mx", "email.mta_sts",
                           "email.tls_rpt", "email.bimi"}
    assert all(c["status"] == "pass" for c in checks.values()), {k: c["summary"] for k, c in checks.items()}
    assert report["counts"]["pass"] == 8 and report["counts"]["fail"] == 0


async def test_flawed_domain_text_lists_the_records(lab: Lab, tmp_path: Path, launchready_bin: Path) -> None:
    project = lab.write_project(tmp_path / "flawed.yaml", lab.flawed_domain)
    rc, out, _err = await launchready(launchready_bin, "--project", str(project))
    assert rc == 1
    assert "✖ FAIL" in out and "email.spf" in out and "What to publish:" in out
    assert "Value: v=spf1 " in out and "include:_spf.google.com" in out
    assert "v=DMARC1; p=none; rua=mailto:dmarc-reports@flawed.test;" in out
    rc_never, out, _err = await launchready(launchready_bin, "--project", str(project), "--fail-on", "never",
                                            "--format", "json")
    assert rc_never == 0
    summary = stage1(json.loads(out))["email.summary"]
    assert "each email check below has its own steps" in summary["fix"]  # no repeat of the seven fixes


async def test_domain_argument_with_network_options_and_markdown(lab: Lab, tmp_path: Path,
                                                                 launchready_bin: Path) -> None:
    net = ["--nameserver", lab.nameserver, "--ca-file", str(lab.ca_file)]
    for entry in lab.connect_to:
        net += ["--connect-to", entry]
    out_file = tmp_path / "report.md"
    rc, _out, err = await launchready(launchready_bin, "flawed.test", *net, "--format", "markdown", "--sender",
                                      "google-workspace", "--rua", "me@flawed.test", "--output", str(out_file))
    assert rc == 1, err
    text = out_file.read_text()
    assert text.startswith("# Launch readiness") and "**Fix for `email.spf`**" in text
    assert text.count("v=spf1 ip4:127.0.0.1") == 2  # the SPF fix, and the summary's list of records
    assert "rua=mailto:me@flawed.test" in text and "dmarc-reports@" not in text


async def test_headers_are_explained_and_used(lab: Lab, tmp_path: Path, launchready_bin: Path) -> None:
    project = lab.write_project(tmp_path / "good.yaml", lab.domain)
    headers = tmp_path / "mail.txt"
    headers.write_text(GMAIL_SAMPLE)
    rc, out, _err = await launchready(launchready_bin, "--project", str(project), "--headers", str(headers))
    assert rc == 0 and "Did it land?" in out and "It landed authenticated" in out
    rc, out, _err = await launchready(launchready_bin, "--project", str(project), "--headers", "-", "--format",
                                      "json", stdin=GMAIL_SAMPLE.encode())
    summary = stage1(json.loads(out))["email.summary"]
    assert summary["evidence"]["pasted_email"]["verdict"] == "authenticated"


async def test_non_sending_template(lab: Lab, tmp_path: Path, launchready_bin: Path) -> None:
    project = lab.write_project(tmp_path / "good.yaml", lab.domain)
    rc, out, _err = await launchready(launchready_bin, "--project", str(project), "--no-mail", "--format", "json",
                                      "--fail-on", "warn")
    checks = stage1(json.loads(out))
    assert rc == 1 and checks["email.spf"]["status"] == "warn"
    assert checks["email.spf"]["evidence"]["proposed"]["record"] == "v=spf1 -all"


async def test_dns_timeout_is_error_never_missing(lab: Lab, tmp_path: Path, launchready_bin: Path) -> None:
    project = lab.write_project(tmp_path / "flawed.yaml", lab.flawed_domain)
    assert lab.dns is not None
    lab.dns.set_fault(lab.flawed_domain, mode="timeout")
    try:
        rc, out, _err = await launchready(launchready_bin, "--project", str(project), "--format", "json",
                                          "--dns-timeout", "0.3")
    finally:
        lab.dns.set_fault(lab.flawed_domain)
    checks = stage1(json.loads(out))
    assert rc == 0  # nothing measured, so nothing at or above --fail-on fail
    assert {c["status"] for c in checks.values()} == {"error"}
    assert all("could not check" in c["summary"] for cid, c in checks.items() if cid != "email.summary")


@pytest.mark.parametrize(("args", "message"), [
    (["acme.example", "--sender", "gogle-workspace"], "did you mean google-workspace"),
    (["acme.example", "--selector", "bad selector"], "is not a DKIM selector"),
    (["acme.example", "--rua", "not-an-address"], "is not an e-mail address"),
    (["acme.example", "--domain", "other.example"], "two different domains"),
    (["--project", "/nonexistent/launchready.yaml"], "no project file"),
    (["acme.example", "--headers", "/nonexistent/mail.txt"], "cannot read --headers"),
    (["http://[::1]/"], "not a domain"),
    (["acme.example", "--format", "junit"], "invalid choice"),
])
async def test_usage_errors_exit_2_with_one_line(args: list[str], message: str, launchready_bin: Path,
                                                 tmp_path: Path) -> None:
    rc, out, err = await launchready(launchready_bin, *args)
    assert rc == 2 and out == ""
    assert message in err and "Traceback" not in err


async def test_ctrl_c_exits_130_without_a_traceback(lab: Lab, tmp_path: Path, launchready_bin: Path) -> None:
    project = lab.write_project(tmp_path / "good.yaml", lab.domain)
    assert lab.dns is not None
    lab.dns.set_fault("*", delay_ms=500)  # slow enough that the run is still going when we interrupt it
    try:
        proc = await asyncio.create_subprocess_exec(
            str(launchready_bin), "email", "--project", str(project), "--progress",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        assert proc.stderr is not None
        first = await asyncio.wait_for(proc.stderr.readline(), 30)  # the first progress line: the run started
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        lab.dns.set_fault("*")
    assert first.strip(), "no progress line before the interrupt"
    assert proc.returncode == 130
    # The partial report is printed (what finished is kept; the rest is "cancelled before it finished").
    assert "cancelling" in err.decode() and "Traceback" not in err.decode()
    assert b"cancelled" in out and b"email." in out
