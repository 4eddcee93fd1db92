"""Where the report goes when stdout is odd: closed, a reader that stops early, a non-UTF-8 locale.

Before: a closed stdout was "internal error: AttributeError", ``| head`` gave "internal error: BrokenPipeError"
and exit 2 (a CI step with pipefail saw a crash), and a latin-1 or ASCII locale crashed on the first check mark.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from badinput_support import BIN, net_args, run_cli

from launchready_tui.lab import Lab


def _audit_args(lab: Lab) -> list[str]:
    return ["audit", "--domain", lab.flawed_domain, "--check", "dns.resolves", *net_args(lab)]


async def _run_with_stdout(args: list[str], stdout: int, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(BIN, *args, stdin=asyncio.subprocess.DEVNULL, stdout=stdout,
                                                stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and "internal error" not in text, text
    return proc.returncode, text


async def _run_stdout_closed(args: list[str]) -> tuple[int, str]:
    """``launchready ARGS >&-``: Python then starts with ``sys.stdout is None``."""
    proc = await asyncio.create_subprocess_exec("/bin/sh", "-c", 'exec "$0" "$@" >&-', BIN, *args,
                                                stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and "internal error" not in text, text
    return proc.returncode, text


async def test_closed_stdout_is_refused_unless_the_report_goes_to_a_file(lab: Lab, tmp_path: Path) -> None:
    code, err = await _run_stdout_closed(_audit_args(lab))
    assert code == 2
    assert "standard output is closed" in err and "--output FILE" in err
    report = tmp_path / "report.json"
    code, err = await _run_stdout_closed([*_audit_args(lab), "--format", "json", "--output", str(report)])
    assert code == 0, err
    assert json.loads(report.read_text(encoding="utf-8"))["schema"] == "launchready.report/1"


async def test_a_reader_that_stops_early_keeps_the_exit_code(lab: Lab) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the report is written: `launchready audit | head -0`
    try:
        code, err = await _run_with_stdout([*_audit_args(lab), "--format", "json"], write)
    finally:
        os.close(write)
    assert code == 0  # the check passed: the broken pipe does not turn it into a failure
    assert "BrokenPipe" not in err and "Exception ignored" not in err
    read, write = os.pipe()
    os.close(read)
    missing = ["audit", "--domain", f"nope.{lab.flawed_domain}", "--check", "dns.resolves", *net_args(lab)]
    try:
        code, err = await _run_with_stdout([*missing, "--format", "json"], write)
    finally:
        os.close(write)
    assert code == 1  # a finding still exits 1 with pipefail, as when the whole report is read


async def test_non_utf8_locale_text_degrades_and_json_stays_utf8(lab: Lab) -> None:
    latin1 = {"PYTHONIOENCODING": "latin-1", "PYTHONUTF8": "0"}
    run = await run_cli(*_audit_args(lab), env=latin1)
    assert run.code == 0
    assert "dns.resolves" in run.out and "?" in run.out  # the check mark and dashes cannot be shown in latin-1
    ascii_run = await run_cli(*_audit_args(lab), "--format", "json", env={**latin1, "PYTHONIOENCODING": "ascii"})
    assert ascii_run.code == 0
    report = json.loads(ascii_run.out)  # decoded as UTF-8 by run_cli: nothing was replaced
    assert report["stages"][0]["title"] == "Quick audit"
    assert any("—" in s["summary"] or "…" in s["summary"] or s["summary"].isascii()
               for st in report["stages"] for s in st["checks"])


async def test_closed_stderr_keeps_notes_out_of_the_json_report(lab: Lab) -> None:
    # Before: with stderr closed, print(file=sys.stderr) fell back to stdout ("launchready: took the host …" at
    # the top of the JSON) and --progress died with "internal error: AttributeError".
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", 'exec "$0" "$@" 2>&-', BIN, "audit", "--domain", f"https://{lab.flawed_domain}/",
        "--check", "dns.resolves", "--format", "json", "--progress", *net_args(lab),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0
    assert json.loads(out)["schema"] == "launchready.report/1"


@pytest.mark.parametrize("command", [["accounts", "set"], ["audit"], ["loadtest"], []])
async def test_help_prints_in_an_ascii_locale(command: list[str]) -> None:
    # Before: `accounts set --help` died with UnicodeEncodeError on its '…' when stdout was ASCII.
    run = await run_cli(*command, "--help", env={"PYTHONIOENCODING": "ascii"})
    assert run.code == 0 and "usage: launchready" in run.out


async def test_headers_from_a_closed_stdin_is_one_line() -> None:
    # Before: "internal error: AttributeError: 'NoneType' object has no attribute 'buffer'".
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", 'exec "$0" "$@" <&-', BIN, "email", "shop.test", "--headers", "-",
        "--nameserver", "127.0.0.1:9", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2 and out == b""
    assert "standard input is closed" in err.decode() and "Traceback" not in err.decode()
