"""`launchready lab --write-project PATH`: the lab in the foreground, a project wired to it, Ctrl-C stops it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = str(Path(sys.executable).parent / "launchready")


def test_lab_foreground_writes_a_working_project(tmp_path: Path) -> None:
    project = tmp_path / "lab.yaml"
    lab = subprocess.Popen([BIN, "lab", "--write-project", str(project)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        lines: list[str] = []
        assert lab.stdout is not None
        while time.monotonic() < deadline:
            line = lab.stdout.readline()
            lines.append(line)
            if "lab running" in line or not line:
                break
        if not any(str(project) in line for line in lines):
            lab.kill()
            err = lab.stderr.read() if lab.stderr else ""
            raise AssertionError(f"lab did not start: stdout={lines!r} stderr={err}")
        audit = subprocess.run([BIN, "audit", "--project", str(project), "--check", "tls.cert_valid",
                                "--format", "json"], capture_output=True, text=True, timeout=60)
        result = json.loads(audit.stdout)["stages"][1]["checks"][4]
        assert result["id"] == "tls.cert_valid" and result["status"] == "fail"  # flawed.test by default
        assert "expired.flawed.test" in result["summary"]
    finally:
        lab.send_signal(signal.SIGINT)
        code = lab.wait(timeout=15)
    assert code == 0
    assert "Traceback" not in (lab.stderr.read() if lab.stderr else "")
