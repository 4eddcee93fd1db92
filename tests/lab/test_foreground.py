"""``launchready lab``'s engine: runs in the foreground, writes the project, stops cleanly on SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import yaml


def test_run_lab_foreground_until_sigint(tmp_path: Path) -> None:
    project = tmp_path / "lab.yaml"
    code = ("import sys; from pathlib import Path; from launchready_tui.lab.server import run_lab_foreground; "
            f"sys.exit(run_lab_foreground(Path({str(project)!r})))")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # blocks until the lab says it is up (bounded by pytest's timeout)
            lines.append(line)
            if "press Ctrl-C" in line:
                break
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert any(str(project) in line for line in lines) and any("DNS" in line for line in lines)
    data = yaml.safe_load(project.read_text())
    assert data["version"] == 1 and data["network"]["nameservers"][0].startswith("127.0.0.1:")
    assert "lab stopped" in err
