"""What the first paint must not wait for (issue #3's start-up budget; the timing itself is bench/first_paint.py).

* The welcome screen is the app's default screen: no blank screen is composed, styled and resized before it.
* The project file is read after the first frame, never during it (its thread would compete for the GIL).
* The bare ``launchready`` command line (no arguments, or only ``--presenter``/``--debug``) never imports
  argparse, and gives the same options argparse would.
* The stage screen keeps its size classes (its CSS depends on them) now that they are its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import OptionList
from ui_helpers import FakeRunner, fake_project, fake_results, offline_context_factory, wait_until, welcome_ready

from launchready_tui.app import LaunchReadyApp
from launchready_tui.cli import _base_parser, parse
from launchready_tui.core.project import save_project
from launchready_tui.screens.stage import StageScreen
from launchready_tui.screens.welcome import WelcomeScreen


class RecordingApp(LaunchReadyApp):
    """Notes, in order, the first frame Textual hands to the terminal and the start of the project read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: list[str] = []
        self._lock = threading.Lock()
        self.stack_at_first_frame: list[str] = []

    def _display(self, screen: Any, renderable: Any) -> None:
        # The same test Textual makes before writing a frame (headless then skips the write itself).
        if renderable is not None and not self._batch_count and "frame" not in self.events:
            with self._lock:
                self.events.append("frame")
            self.stack_at_first_frame = [type(s).__name__ for s in self.screen_stack]
        super()._display(screen, renderable)

    def _read_project(self, path: Path) -> None:
        with self._lock:
            self.events.append("read")
        super()._read_project(path)


async def test_welcome_paints_first_then_the_project_is_read(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(fake_project(), path)
    app = RecordingApp(path, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: welcome_ready(app), what="the project to be read")
        assert app.events[:2] == ["frame", "read"], app.events
        assert app.stack_at_first_frame == ["WelcomeScreen"]  # no blank default screen below it
        assert isinstance(app.screen_stack[0], WelcomeScreen)
        assert app.screen.query_one("#welcome-options", OptionList).option_count >= 3  # continue, setup, demo


async def test_a_project_read_late_still_fills_the_welcome_screen_below(tmp_path: Path) -> None:
    """The read finishes while another screen is on top of the welcome screen (here the setup form, opened
    directly): the welcome screen below still learns the project, so going back to it shows "Continue"."""
    path = tmp_path / "launchready.yaml"
    save_project(fake_project(), path)
    gate = threading.Event()

    class SlowReadApp(LaunchReadyApp):
        def _read_project(self, p: Path) -> None:
            gate.wait(10)
            super()._read_project(p)

    app = SlowReadApp(path, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen) and welcome.reading
        app.open_setup(path, None, first_run=True)
        await wait_until(pilot, lambda: not isinstance(app.screen, WelcomeScreen), what="the setup form")
        gate.set()
        await wait_until(pilot, lambda: not welcome.reading, what="the late read")
        assert welcome.project is not None and welcome.project.domain == fake_project().domain


@pytest.mark.parametrize("size, expected, absent", [
    ((140, 30), {"-wide", "-short"}, "-narrow"),
    ((100, 44), {"-narrow", "-tall"}, "-wide"),
])
async def test_stage_screen_keeps_its_size_classes(tmp_path: Path, size: tuple[int, int], expected: set[str],
                                                   absent: str) -> None:
    app = LaunchReadyApp(tmp_path / "launchready.yaml", project=fake_project(), start_stage=1, runner=FakeRunner(),
                         context_factory=offline_context_factory, remember=False, built=lambda _id: True,
                         initial_results=fake_results())
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, StageScreen), what="stage 1")
        await pilot.pause()
        assert expected <= app.screen.classes, app.screen.classes
        assert absent not in app.screen.classes


@pytest.mark.parametrize("argv", [[], ["--presenter"], ["--debug"], ["--debug", "--presenter"]])
def test_bare_command_line_matches_argparse(argv: list[str]) -> None:
    fast = parse(argv)
    full = _base_parser().parse_args(argv)
    assert fast.command is None
    assert (fast.project, fast.presenter, fast.debug) == (full.project, full.presenter, full.debug)


@pytest.mark.parametrize("argv, presenter, project", [
    (["--pres"], True, "launchready.yaml"),  # an abbreviation is argparse's business
    (["--project", "demo"], False, "demo"),  # a value that looks like a command
    (["--presenter", "--project", "x.yaml"], True, "x.yaml"),
])
def test_other_wizard_command_lines_still_go_through_argparse(argv: list[str], presenter: bool,
                                                              project: str) -> None:
    args = parse(argv)
    assert (args.command, args.presenter, args.project) == (None, presenter, project)


def test_bare_command_line_does_not_import_argparse() -> None:
    code = ("import json, sys\n"
            "from launchready_tui.cli import parse\n"
            "parse(['--presenter'])\n"
            "from launchready_tui.commands.wizard import run_wizard\n"
            "print(json.dumps(sorted(m for m in ('argparse', 'gettext', 'launchready_tui.commands.common')"
            " if m in sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_version_needs_no_command_module() -> None:
    code = ("import json, sys\n"
            "from launchready_tui.cli import main\n"
            "try:\n"
            "    main(['--version'])\n"
            "except SystemExit as exc:\n"
            "    assert exc.code == 0, exc.code\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('launchready_tui.commands'))))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.startswith("launchready ")
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
