"""`launchready audit` end to end as a user runs it: the real console script against the real lab.

Bad input must give one clear line and exit code 2 (or a check status `error`), never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path

import pytest

from launchready_tui.lab import Lab

BIN = str(Path(sys.executable).parent / "launchready")


async def run_cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        BIN, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=cwd
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    text_err = err.decode()
    assert "Traceback" not in text_err, text_err
    return proc.returncode, out.decode(), text_err


def net_args(lab: Lab) -> list[str]:
    args = ["--nameserver", lab.nameserver, "--ca-file", str(lab.ca_file)]
    for rule in lab.connect_to:
        args += ["--connect-to", rule]
    return args


async def test_project_file_audit_json_matches_the_contract(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "launchready.yaml", lab.flawed_domain)
    code, out, _ = await run_cli("audit", "--project", str(project), "--format", "json", "--samples", "2")
    report = json.loads(out)
    assert code == 1  # flawed.test has failures at or above --fail-on fail
    assert report["schema"] == "launchready.report/1"
    assert [s["number"] for s in report["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    checks = {c["id"]: c for s in report["stages"] for c in s["checks"]}
    assert checks["tls.cert_valid"]["status"] == "fail"
    assert checks["dns.resolves"]["status"] == "pass"
    # The load test is never started implicitly: it is listed, skipped, with the way to run it.
    load = checks["load.capacity"]
    assert load["status"] == "skipped" and "launchready loadtest" in load["summary"]
    for c in checks.values():
        assert set(c) == {"id", "title", "status", "blocker", "impact", "target", "summary", "evidence", "fix",
                          "duration_ms"}
    assert report["risks"][0]["rank"] == 1 and report["risks"][0]["check_id"] == "tls.cert_valid"
    assert sum(report["counts"].values()) == len(checks)


async def test_good_lab_passes_and_exit_zero(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "launchready.yaml", lab.domain)
    code, out, _ = await run_cli("audit", "--project", str(project), "--stage", "1", "--stage", "2",
                                 "--samples", "2", "--format", "markdown", "--fail-on", "warn")
    assert out.startswith("# Launch readiness: Good Co (lab)")
    assert "✔ PASS" in out
    assert code in (0, 1)  # other checks may warn on the lab; the format is what this test is about


@pytest.mark.parametrize(
    ("domain", "note"),
    [
        ("https://good.test/pricing?x=1", "took the host good.test"),
        ("good.test.", "dropped the trailing dot"),
        ("GOOD.test", None),
    ],
)
async def test_domain_forms_are_accepted_and_said(lab: Lab, domain: str, note: str | None) -> None:
    code, out, err = await run_cli("audit", "--domain", domain, "--check", "dns.resolves", *net_args(lab),
                                   "--format", "json")
    assert code == 0, err
    assert json.loads(out)["project"]["domain"] == "good.test"
    if note:
        assert note in err


async def test_idn_is_converted_to_punycode(lab: Lab) -> None:
    code, out, err = await run_cli("audit", "--domain", "bücher.good.test", "--check", "dns.resolves",
                                   *net_args(lab), "--format", "json")
    assert "xn--bcher-kva.good.test" in err
    assert json.loads(out)["project"]["domain"] == "xn--bcher-kva.good.test"
    assert code == 1  # the lab zone says NXDOMAIN: a real, measured failure
    # A zone the nameserver does not serve answers REFUSED: "could not check", not "missing".
    code, out, _ = await run_cli("audit", "--domain", "bücher.test", "--check", "dns.resolves", *net_args(lab),
                                 "--format", "json")
    assert json.loads(out)["stages"][0]["checks"][0]["status"] == "error"
    assert code == 0


@pytest.mark.parametrize(
    ("domain", "message"),
    [("127.0.0.1", "IP address"), ("", "empty"), ("a" * 300 + ".test", "253"), ("bad_name!.test", "")],
)
async def test_bad_domains_exit_2_with_one_line(domain: str, message: str) -> None:
    code, out, err = await run_cli("audit", "--domain", domain, "--check", "dns.resolves")
    assert code == 2
    assert out == ""
    assert err.startswith("launchready: error:") and message in err
    assert len(err.strip().splitlines()) == 1


async def test_corrupt_project_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "launchready.yaml"
    bad.write_text("version: 1\ndomain: acme.test\nendpoints:\n  - name: x\n   url: [oops\n", encoding="utf-8")
    code, _, err = await run_cli("audit", "--project", str(bad))
    assert code == 2
    assert "line" in err and "launchready.yaml" in err
    assert bad.read_text(encoding="utf-8").endswith("[oops\n")  # never overwritten


async def test_unreadable_project_file(tmp_path: Path) -> None:
    folder = tmp_path / "launchready.yaml"
    folder.mkdir()
    code, _, err = await run_cli("audit", "--project", str(folder))
    assert code == 2 and "launchready: error:" in err


async def test_missing_project_file_says_what_to_do(tmp_path: Path) -> None:
    code, _, err = await run_cli("audit", "--project", str(tmp_path / "nope.yaml"))
    assert code == 2 and "--domain" in err


async def test_silent_nameserver_is_error_not_fail() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        code, out, _ = await run_cli("audit", "--domain", "good.test", "--check", "dns.resolves",
                                     "--nameserver", f"127.0.0.1:{port}", "--dns-timeout", "0.3",
                                     "--format", "json")
    result = json.loads(out)["stages"][0]["checks"][0]
    assert result["status"] == "error" and "did not answer" in result["summary"]
    assert code == 0  # an unmeasured check is not a finding at --fail-on fail


async def test_connection_refused_and_plain_http_port(lab: Lab) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    for port, words in ((closed, "refused the connection"), (lab.http_port, "does not speak TLS")):
        code, out, _ = await run_cli(
            "audit", "--domain", "good.test", "--check", "http.https_works", "--nameserver", lab.nameserver,
            "--connect-to", f"::127.0.0.1:{port}", "--format", "json",
        )
        result = json.loads(out)["stages"][0]["checks"][5]
        assert result["id"] == "http.https_works"
        assert result["status"] == "fail" and words in result["summary"]
        assert code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--connect-to", "a:443:b"], "--connect-to"),
        (["--nameserver", "ns1.example"], "not an IP address"),
        (["--check", "dns.nope"], "unknown check id"),
        (["--stage", "9"], "there is no stage 9"),
        (["--ca-file", "/nonexistent/ca.pem"], "--ca-file"),
    ],
)
async def test_bad_options_exit_2(args: list[str], message: str) -> None:
    code, _, err = await run_cli("audit", "--domain", "good.test", *args)
    assert code == 2 and message in err


async def test_output_and_junit_sarif(lab: Lab, tmp_path: Path) -> None:
    for fmt in ("junit", "sarif", "text"):
        dest = tmp_path / f"report.{fmt}"
        code, out, err = await run_cli("audit", "--domain", "good.test", "--check", "dns.resolves",
                                       *net_args(lab), "--format", fmt, "--output", str(dest))
        assert code == 0 and out == "" and "report written" in err
        body = dest.read_text(encoding="utf-8")
        assert "dns.resolves" in body
    assert json.loads((tmp_path / "report.sarif").read_text())["version"] == "2.1.0"


async def test_domain_audit_writes_no_files_into_the_current_folder(lab: Lab, tmp_path: Path) -> None:
    code, out, err = await run_cli("audit", "--domain", "good.test", "--stage", "5", *net_args(lab),
                                   "--format", "json", cwd=tmp_path)
    assert code in (0, 1), err
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 - an empty folder
    checks = {c["id"]: c for s in json.loads(out)["stages"] for c in s["checks"]}
    assert "not written" in checks["monitor.uptime_service"]["evidence"]["gatus"]["note"]
