"""A real terminal: tmux runs ``launchready demo``, keys walk to stage 2, capture-pane reads what a person sees.

No Pilot and no headless driver: the console script in a pseudo-terminal, with tmux as the terminal. The lab
it starts listens on 127.0.0.1 only. tmux runs on a private socket and is stopped at the end. A missing tmux
skips the test, unless LAUNCHREADY_REQUIRE_REAL_SERVERS=1 (CI), where it fails (the Makefile installs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REQUIRE_ENV = "LAUNCHREADY_REQUIRE_REAL_SERVERS"


class Tmux:
    def __init__(self, socket: str, env: dict[str, str]) -> None:
        self.socket = socket
        self.env = env

    def run(self, *args: str) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              text=True, env=self.env, timeout=20)
        if proc.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "demo")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "demo", key)
            time.sleep(0.2)

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if condition(text):
                return text
            time.sleep(0.3)
        raise AssertionError(f"timed out waiting for {what}; the terminal shows:\n{text}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[[int, int, str], Tmux]]:
    if shutil.which("tmux") is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail("tmux is not installed (make test installs it with the Debian packages)")
        pytest.skip("tmux is not installed")
    started: list[Tmux] = []

    def start(width: int, height: int, command: str) -> Tmux:
        env = dict(os.environ, TERM="xterm-256color", TEXTUAL_ANIMATIONS="none")
        env.pop("TMUX", None)  # never attach to (or nest in) the developer's own tmux
        # a fresh socket per session: reusing a name right after kill-server races the dying server
        t = Tmux(f"launchready-test-{os.getpid()}-{uuid.uuid4().hex[:8]}", env)
        t.run("new-session", "-d", "-s", "demo", "-x", str(width), "-y", str(height), "-c", str(tmp_path), command)
        started.append(t)
        return t

    yield start
    for t in started:
        subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True, env=t.env, timeout=20)


def line_with(text: str, needle: str) -> str:
    return next((line for line in text.splitlines() if needle in line), "")


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_demo_in_a_real_terminal(tmux: Callable[[int, int, str], Tmux], launchready_bin: Path,
                                 size: tuple[int, int]) -> None:
    width, height = size
    t = tmux(width, height, f"{launchready_bin} demo; echo LAUNCHREADY-EXIT=$?; sleep 30")
    first = t.wait_for(lambda s: "Stage 1 of 7" in s, "stage 1 to paint")
    assert "Quick audit" in first
    if width >= 100:
        assert "demo on the built-in lab" in first
    # the demo runs stage 1 at once; wait for it to finish
    t.wait_for(lambda s: "last run" in s and "RUNNING" not in s, "stage 1 to finish")

    t.keys("2")
    t.wait_for(lambda s: "Stage 2 of 7" in s, "stage 2")
    t.keys("r")
    screen = t.wait_for(lambda s: "Stage 2 of 7" in s and "last run" in s and "RUNNING" not in s,
                        "stage 2 to finish")
    # what a person sees: the stage, its checks, and glyph + word statuses (never colour alone)
    assert "Domain and routing" in screen
    assert "✖ FAIL" in line_with(screen, "HTTP redirects to HTTPS"), screen
    assert "✖ FAIL" in line_with(screen, "Certificates valid on"), screen
    assert "▶ 2 Domain and routing" in screen  # the sidebar marks where we are without colour
    assert "r Run" in screen and "esc Cancel" in screen  # the footer names the keys

    t.keys("C-q")
    done = t.wait_for(lambda s: "LAUNCHREADY-EXIT=" in s, "the app to quit", timeout=20)
    assert "LAUNCHREADY-EXIT=0" in done
    assert "Traceback" not in done
