"""Helpers for the bad-input suite: the real console script in a subprocess, and the lab's network options."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from launchready_tui.lab import Lab

BIN = str(Path(sys.executable).parent / "launchready")


@dataclass
class Run:
    code: int
    out: str
    err: str


def _checked(code: int, out: bytes, err: bytes) -> Run:
    text_err = err.decode("utf-8", "replace")
    assert "Traceback" not in text_err, text_err
    assert "internal error" not in text_err, text_err
    return Run(code, out.decode("utf-8", "replace"), text_err)


async def run_cli(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                  stdin: bytes | None = None) -> Run:
    """Run ``launchready ARGS`` to the end; never a traceback or an 'internal error' line."""
    proc = await asyncio.create_subprocess_exec(
        BIN, *args, stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=cwd,
        env={**os.environ, **(env or {})})
    out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
    assert proc.returncode is not None
    return _checked(proc.returncode, out, err)


async def interrupt_after(args: list[str], ready: str, env: Mapping[str, str] | None = None) -> Run:
    """Start ``launchready ARGS``, send SIGINT once ``ready`` shows on stderr, and collect everything."""
    proc = await asyncio.create_subprocess_exec(
        BIN, *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    assert proc.stderr is not None and proc.stdout is not None
    seen = b""
    out_task = asyncio.ensure_future(proc.stdout.read())
    async with asyncio.timeout(30):
        while ready.encode() not in seen:
            line = await proc.stderr.readline()
            assert line, f"the run ended before {ready!r}: {seen.decode()}"
            seen += line
    proc.send_signal(signal.SIGINT)
    err = seen + await asyncio.wait_for(proc.stderr.read(), 30)
    out = await asyncio.wait_for(out_task, 30)
    await asyncio.wait_for(proc.wait(), 30)
    assert proc.returncode is not None
    return _checked(proc.returncode, out, err)


def net_args(lab: Lab) -> list[str]:
    args = ["--nameserver", lab.nameserver, "--ca-file", str(lab.ca_file)]
    for rule in lab.connect_to:
        args += ["--connect-to", rule]
    return args
