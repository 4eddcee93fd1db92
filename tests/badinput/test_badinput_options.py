"""Bad option values are refused before anything is sent: one clear line on stderr, exit code 2.

Each case once produced a traceback-free but wrong result: ``--timeout 0`` and ``nan`` ran every check into an
instant "did not finish within 0 s" error (or never timed out), ``--concurrency 0`` was silently taken as 1,
load-plan mistakes were reported as "internal error: PlanError", and ``--rate nan`` crashed the schedule.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from badinput_support import run_cli


@pytest.mark.parametrize("option, value", [
    ("--timeout", "0"), ("--timeout", "-1"), ("--timeout", "nan"), ("--timeout", "soon"),
    ("--dns-timeout", "inf"), ("--dns-timeout", "0"), ("--concurrency", "0"), ("--concurrency", "-3"),
])
async def test_audit_refuses_durations_and_counts_that_cannot_work(option: str, value: str) -> None:
    run = await run_cli("audit", "--domain", "example.test", "--check", "dns.resolves", option, value)
    assert run.code == 2
    assert f"argument {option}" in run.err and repr(value) in run.err
    assert run.out == ""


async def test_every_network_command_validates_timeouts() -> None:
    for command in (["email", "example.test"], ["secrets", "."], ["loadtest"], ["handover"]):
        run = await run_cli(*command, "--timeout", "nan")
        assert run.code == 2, command
        assert "must be a number of seconds above zero" in run.err, command


@pytest.fixture
def load_project(tmp_path: Path) -> Path:
    """A project whose endpoints live on loopback; every case below fails before a request is sent."""
    path = tmp_path / "launchready.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "domain": "shop.test",
        "endpoints": [{"name": "home", "method": "GET", "url": "https://shop.test/"}],
        "network": {"connect_to": ["shop.test:443:127.0.0.1:9"], "nameservers": ["127.0.0.1:9"]},
    }), encoding="utf-8")
    return path


@pytest.mark.parametrize("args, says", [
    (["--users", "0"], "every step needs at least 1 user"),
    (["--users", "abc"], "is not a whole number"),
    (["--users", "100000"], "safety cap"),
    (["--step-seconds", "nan"], "--step-seconds must be between 1 and 60"),
    (["--think-ms", "-1"], "--think-ms must be 0 or more"),
    (["--rate", "nan"], "'nan' is not a number of requests per second"),
    (["--rate", "inf"], "'inf' is not a number of requests per second"),
    (["--rate", "0"], "--rate must be above zero"),
    (["--model", "closed", "--rate", "5"], "--rate is for the open model"),
    (["--endpoint", "nope"], "no endpoint named nope"),
])
async def test_loadtest_plan_mistakes_are_usage_errors(load_project: Path, args: list[str], says: str) -> None:
    run = await run_cli("loadtest", "--project", str(load_project), "--quiet", *args)
    assert run.code == 2
    assert run.err.strip().splitlines()[-1].startswith("launchready: error: ")
    assert says in run.err


async def test_a_file_that_is_not_a_ca_is_refused_up_front(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    run = await run_cli("audit", "--domain", "example.test", "--check", "dns.resolves", "--ca-file", str(not_pem))
    assert run.code == 2
    assert "no usable PEM certificate" in run.err and run.out == ""
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n", encoding="utf-8")
    run = await run_cli("audit", "--domain", "example.test", "--check", "dns.resolves", "--ca-file", str(broken))
    assert run.code == 2 and "no usable PEM certificate" in run.err


async def test_a_missing_ca_from_the_project_file_names_the_project_key(tmp_path: Path) -> None:
    # The lab's project file points at the lab's CA, which is gone once the lab stops: the message must not
    # blame a --ca-file option the user never typed.
    path = tmp_path / "launchready.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "domain": "shop.test",
                                    "network": {"ca_file": str(tmp_path / "gone" / "lab-ca.pem")}}))
    run = await run_cli("audit", "--project", str(path), "--check", "dns.resolves")
    assert run.code == 2
    assert "network.ca_file (project file)" in run.err and "--ca-file" not in run.err


async def test_an_empty_domain_is_said_to_be_empty_not_a_missing_project(tmp_path: Path) -> None:
    # Before: `launchready email ""` fell back to the project file and said "no project file at launchready.yaml".
    for args in (["email", ""], ["email", "--domain", " "], ["audit", "--domain", ""]):
        run = await run_cli(*args, "--nameserver", "127.0.0.1:9", cwd=tmp_path)
        assert run.code == 2, args
        assert "the domain is empty" in run.err, args


async def test_a_rule_file_that_is_not_a_file_is_refused_unread(tmp_path: Path) -> None:
    run = await run_cli("secrets", str(tmp_path), "--rules", "/dev/zero", "--no-history")
    assert run.code == 2 and "not a rule file" in run.err


async def test_top_level_project_option_reaches_the_command(tmp_path: Path) -> None:
    # Before: `launchready --project P audit` ignored P (the subcommand's default replaced it) and said
    # "no project file at launchready.yaml".
    path = tmp_path / "p" / "launchready.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({"version": 1, "domain": "shop.test",
                                    "endpoints": [{"name": "home", "url": "https://shop.test/"}]}))
    export = tmp_path / "plan.js"
    run = await run_cli("--project", str(path), "loadtest", "--export-k6", str(export), cwd=tmp_path)
    assert run.code == 0, run.err
    assert "shop.test" in export.read_text(encoding="utf-8")


async def test_loadtest_says_ai_endpoints_were_left_out_not_missing(tmp_path: Path) -> None:
    # Before: `--endpoint home` on a project with an AI endpoint reported load.ai_p95 as "no endpoint is marked
    # ai: true in the project", which is false.
    from launchready_tui.lab import Lab

    async with Lab(make_repos=False) as lab:
        project = lab.write_project(tmp_path / "launchready.yaml", lab.flawed_domain)
        run = await run_cli("loadtest", "--project", str(project), "--endpoint", "home", "--users", "1",
                            "--step-seconds", "1", "--warmup-seconds", "0", "--quiet", "--format", "json")
    assert run.code in (0, 1), run.err
    checks = {c["id"]: c for s in json.loads(run.out)["stages"] for c in s["checks"]}
    assert checks["load.ai_p95"]["status"] == "skipped"
    assert "was selected for this run" in checks["load.ai_p95"]["summary"]


@pytest.mark.parametrize("key, value, says", [
    ("connect_to", ["a:1:b"], "network.connect_to (project file): expected 4 colon-separated fields"),
    ("resolve", ["foo"], "network.resolve (project file): expected 3 colon-separated fields"),
    ("nameservers", ["bad_host"], "network.nameservers (project file): 'bad_host' is not an IP address"),
])
async def test_a_bad_network_value_in_the_project_names_its_key(tmp_path: Path, key: str, value: list[str],
                                                                says: str) -> None:
    # Before: "--connect-to: expected 4 …" for a value the user wrote in launchready.yaml, not on the command line.
    path = tmp_path / "launchready.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "domain": "shop.test", "network": {key: value}}))
    run = await run_cli("audit", "--project", str(path), "--check", "dns.resolves")
    assert run.code == 2
    assert says in run.err
