"""``launchready loadtest`` as a founder runs it: a real process against the lab, exit codes, formats, Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import yaml

from launchready_tui.lab import Lab

CONTRACT_KEYS = {"endpoint", "users", "offered_rps", "rps", "p50_ms", "p95_ms", "p99_ms", "error_rate", "errors"}
FAST = ["--step-seconds", "1", "--warmup-seconds", "0", "--think-ms", "500"]


async def cli(*args: str, timeout: float = 90) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "launchready_tui", "loadtest", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_json_report_has_the_contract_steps(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "launchready.yaml", "good.test")
    rc, out, err = await cli("--project", str(project), "--users", "3,6", *FAST, "--format", "json",
                             "--endpoint", "home", "--endpoint", "login")
    assert rc == 0, err
    report = json.loads(out)
    stage6 = next(s for s in report["stages"] if s["number"] == 6)
    checks = {c["id"]: c for c in stage6["checks"]}
    cap = checks["load.capacity"]
    assert cap["status"] == "pass"
    steps = cap["evidence"]["steps"]
    assert [(s["endpoint"], s["users"]) for s in steps] == [("home", 3), ("login", 3), ("home", 6), ("login", 6)]
    assert all(set(s) == CONTRACT_KEYS for s in steps)
    assert cap["evidence"]["safe_users"] == 6 and cap["evidence"]["breaks_first"] is None
    assert "load plan" in err and "step 1: 3 users -> home" in err  # the plan is shown before the run
    assert err.index("load plan") < err.index("-- step 1")


async def test_text_report_and_findings_exit_code(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "launchready.yaml", "flawed.test")
    rc, out, err = await cli("--project", str(project), "--users", "2,4", *FAST, "--endpoint", "login", "--quiet")
    assert rc == 1, err
    assert "✖ FAIL     load.core_p95" in out
    assert "Breaks first: login" in out and "endpoint" in out.splitlines()[0]
    assert err == ""  # --quiet


async def test_bad_input_exits_2_with_one_line(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "launchready.yaml", "good.test")
    for args, words in (
        (["--users", "0"], "at least 1 user"),
        (["--users", "ten"], "not a whole number"),
        (["--step-seconds", "-5", "--users", "2"], "--step-seconds must be between 1 and 60"),
        (["--rate", "-1"], "--rate must be above zero"),
        (["--endpoint", "nope"], "no endpoint named nope"),
    ):
        rc, out, err = await cli("--project", str(project), *args, "--warmup-seconds", "0")
        assert rc == 2, (args, out, err)
        assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


async def test_non_loopback_target_is_refused_without_confirmation(lab: Lab, tmp_path: Path) -> None:
    data = lab.project_dict("good.test")
    data["endpoints"] = [{"name": "prod", "url": "https://api.acme.example/", "method": "GET"}]
    path = tmp_path / "launchready.yaml"
    path.write_text(yaml.safe_dump(data))
    # pinned to a documentation address: nothing is ever sent, the refusal comes first
    rc, out, err = await cli("--project", str(path), "--resolve", "api.acme.example:443:192.0.2.10", "--users", "5")
    assert rc == 2 and out == ""
    assert "not on this machine" in err and "--yes-i-own-this" in err and "192.0.2.10" in err
    assert len(err.strip().splitlines()) == 1


async def test_ctrl_c_stops_and_prints_partial_results(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "launchready.yaml", "good.test")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "launchready_tui", "loadtest", "--project", str(project), "--users", "3,6",
        "--step-seconds", "30", "--warmup-seconds", "0", "--think-ms", "500", "--endpoint", "home",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None and proc.stdout is not None
    while True:  # wait for the first live line, then press Ctrl-C
        line = await asyncio.wait_for(proc.stderr.readline(), 30)
        assert line, "the command ended before any progress line"
        if line.startswith(b"step 1:"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(proc.communicate(), 15)
    assert proc.returncode == 130, err.decode()
    text = out.decode()
    assert "Stopped by you after 1 of 2 steps: partial results." in text
    assert "home" in text.splitlines()[1]  # the partial step is in the table


async def test_exports_write_k6_and_locust_files_without_sending_load(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "launchready.yaml", "good.test")
    k6, locust = tmp_path / "plan.js", tmp_path / "plan.py"
    before = lab.state.peak_inflight if lab.state else 0
    rc, _out, err = await cli("--project", str(project), "--users", "10,25", "--export-k6", str(k6),
                              "--export-locust", str(locust))
    assert rc == 0, err
    assert "k6 script written" in err and "Locust file written" in err
    js = k6.read_text()
    assert "'http_req_duration{group:core}': ['p(95)<500']" in js.replace('"', "'")
    assert "ramping-arrival-rate" in js and "dropped_iterations" in js
    compile(locust.read_text(), str(locust), "exec")  # valid Python
    assert (lab.state.peak_inflight if lab.state else 0) == before  # exporting sent nothing
