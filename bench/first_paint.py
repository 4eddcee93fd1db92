"""Time to first paint and memory of the wizard against a minimal Textual app, measured side by side.

Part 1 (``paint``): each program runs in its own pseudo-terminal (100x30, xterm-256color), interleaved, N times.
"First paint" is the moment the first frame holding the screen's text arrives on the terminal; RSS is read from
/proc at that moment. The wizard opens on a real project file (welcome screen); the reference is a
Header/Static/Footer app. Ratios are of the medians (goals: time <= 1.3x, RSS <= 1.5x). CPU time of each child
(user+sys, up to first paint plus a quit) is the steadier figure on a shared machine.

Part 2 (``lab``): where should ``launchready demo`` run its lab, in a thread with its own event loop or on the
app's loop? The app runs headless in this process with each mode in turn, runs stages 1 and 2 on the lab, and
meanwhile samples the UI loop's lag (a 20 ms timer: how late it fires) and the time a key press takes to switch
screens. Lower is more responsive. Nothing leaves 127.0.0.1.

Bytecode: the package is compiled first (``compileall``, what ``pip install`` does for an installed copy), since
Textual's own modules are; with PYTHONDONTWRITEBYTECODE set a source checkout would otherwise recompile every
changed module on every start. ``--no-compile`` measures the checkout as it is. ``--baseline REF`` adds the same
cases for a git revision (exported with ``git archive`` into a temporary folder, compiled, put first on
PYTHONPATH), so a before/after table comes out of one interleaved run.

Not a test: nothing here asserts a time.

    .venv/bin/python bench/first_paint.py [-n 9] [--part paint|lab|all] [--baseline REF] [--no-compile]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import fcntl
import os
import pty
import resource
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent
SIZE = (100, 30)
MINIMAL_APP = '''
from textual.app import App
from textual.widgets import Footer, Header, Static

class Minimal(App):
    def compose(self):
        yield Header()
        yield Static("minimal-app-painted")
        yield Footer()

Minimal().run()
'''


# ------------------------------------------------------------------------------------------------------
# Part 1: first paint in a real pseudo-terminal


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def first_paint(argv: list[str], marker: bytes, cwd: Path, timeout: float = 30.0,
                extra_env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """(ms from spawn to the first frame holding ``marker``, RSS KiB then, child CPU ms) for one run."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]),
               TEXTUAL_ANIMATIONS="none", **(extra_env or {}))
    env.pop("NO_COLOR", None)
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: the program under test, in the pseudo-terminal
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    seen = b""
    painted_ms, rss = -1.0, 0
    deadline = start + timeout
    try:
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            if marker in seen:
                painted_ms = (time.perf_counter() - start) * 1000
                rss = _rss_kib(pid)
                break
    finally:
        os.write(fd, b"\x11")  # ctrl+q: a clean quit
        end = time.perf_counter() + 5
        status = None
        while time.perf_counter() < end:
            with_pid, status, usage = os.wait4(pid, os.WNOHANG)
            if with_pid:
                break
            try:  # keep draining so the child never blocks on a full pty
                if select.select([fd], [], [], 0.05)[0]:
                    os.read(fd, 65536)
            except OSError:
                pass
        else:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
        os.close(fd)
    if painted_ms < 0:
        raise RuntimeError(f"{argv[0]} never painted {marker!r}")
    return painted_ms, rss, (usage.ru_utime + usage.ru_stime) * 1000


WIZARD_CODE = "from launchready_tui.app import run_app; run_app('launchready.yaml')"
CLI_CODE = "import sys; sys.argv[0] = 'launchready'; from launchready_tui.cli import main; sys.exit(main())"
# What ``launchready`` does before the wizard: parse the bare command line, logging, the wizard entry point.
CLI_WIZARD_PATH = ("import logging, sys; from launchready_tui.cli import parse; parse([]); "
                   "logging.basicConfig(level=logging.CRITICAL, stream=sys.stderr); "
                   "from launchready_tui.commands.wizard import run_wizard")
Case = tuple[list[str], bytes, dict[str, str]]


def _compile(package: Path) -> None:
    compileall.compile_dir(str(package), quiet=1)


@contextlib.contextmanager
def _baseline_tree(ref: str | None) -> Iterator[Path | None]:
    """The package as it was at ``ref``, exported (no worktree: the shared repository is left as it is)."""
    if ref is None:
        yield None
        return
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="launchready-baseline-") as tmp:
        archive = subprocess.run(["git", "-C", str(repo), "archive", ref, "launchready_tui"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        yield Path(tmp)


def part_paint(runs: int, baseline: str | None = None, compile_first: bool = True) -> None:
    launchready = BIN / "launchready"
    if not launchready.exists():
        sys.exit(f"no console script at {launchready}: run `make install` first")
    package = Path(__file__).resolve().parent.parent / "launchready_tui"
    with tempfile.TemporaryDirectory(prefix="launchready-bench-") as tmp, _baseline_tree(baseline) as old:
        if compile_first:
            _compile(package)
            if old is not None:
                _compile(old / "launchready_tui")
        folder = Path(tmp)
        (folder / "launchready.yaml").write_text("version: 1\nproduct: Bench Co\ndomain: bench.example\n")
        minimal = folder / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        env_home = dict(os.environ)
        # keep the developer's recent-projects list out of it (and unchanged by it)
        os.environ["XDG_DATA_HOME"] = str(folder / "data")
        cases: dict[str, Case] = {
            "minimal Textual app": ([sys.executable, str(minimal)], b"minimal-app-painted", {}),
            "launchready (welcome)": ([str(launchready)], b"From prototype", {}),
            # the same wizard without the CLI in front of it (argparse and every command's parser)
            "wizard without the CLI": ([sys.executable, "-c", WIZARD_CODE], b"From prototype", {}),
        }
        if old is not None:
            path_env = {"PYTHONPATH": str(old)}
            cases[f"launchready @{baseline}"] = ([sys.executable, "-c", CLI_CODE], b"From prototype", path_env)
            cases[f"wizard w/o CLI @{baseline}"] = ([sys.executable, "-c", WIZARD_CODE], b"From prototype", path_env)
        samples: dict[str, list[tuple[float, int, float]]] = {name: [] for name in cases}
        for argv, marker, extra in cases.values():  # warm the OS file cache once
            first_paint(argv, marker, cwd=folder, extra_env=extra)
        load_before = os.getloadavg()
        for _ in range(runs):
            for name, (argv, marker, extra) in cases.items():  # interleaved: machine load hits all alike
                samples[name].append(first_paint(argv, marker, cwd=folder, extra_env=extra))
        load_after = os.getloadavg()
        os.environ.clear()
        os.environ.update(env_home)
    print(f"First paint in a {SIZE[0]}x{SIZE[1]} pty, {runs} interleaved runs each (medians; min in brackets); "
          f"bytecode {'compiled first' if compile_first else 'as found'}; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"{'':30} {'paint ms':>16} {'RSS MiB':>10} {'CPU ms':>14}")
    med: dict[str, tuple[float, float, float]] = {}
    for name, rows in samples.items():
        paint = [r[0] for r in rows]
        rss = [r[1] / 1024 for r in rows]
        cpu = [r[2] for r in rows]
        med[name] = (statistics.median(paint), statistics.median(rss), statistics.median(cpu))
        print(f"{name:30} {med[name][0]:9.0f} [{min(paint):4.0f}] {med[name][1]:10.1f} "
              f"{med[name][2]:8.0f} [{min(cpu):4.0f}]")
    ref = med["minimal Textual app"]
    for name in list(cases)[1:]:
        ours = med[name]
        print(f"ratio {name + ' / minimal:':41} paint {ours[0] / ref[0]:.2f}x (goal <= 1.3x), "
              f"RSS {ours[1] / ref[1]:.2f}x (goal <= 1.5x), CPU {ours[2] / ref[2]:.2f}x")
    attribution(runs, launchready)


def _cpu_ms(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def attribution(runs: int, launchready: Path) -> None:
    """Where the extra CPU goes: the CLI before the wizard starts, and importing the wizard beyond Textual."""
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "launchready --version": [str(launchready), "--version"],
        "the CLI's wizard path up to run_wizard": [sys.executable, "-c", CLI_WIZARD_PATH],
        "import textual.app": [sys.executable, "-c", "import textual.app"],
        "import launchready_tui.app": [sys.executable, "-c", "import launchready_tui.app"],
    }
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, argv in cases.items():
            cpu[name].append(_cpu_ms(argv))
    med = {name: statistics.median(v) for name, v in cpu.items()}
    print("Attribution (median CPU ms of each command):")
    for name, value in med.items():
        print(f"  {name:42} {value:6.0f}")
    cli = med["the CLI's wizard path up to run_wizard"]
    print(f"  -> the CLI costs {cli - med['python -c pass']:.0f} ms before "
          f"the wizard starts (logging included, which Textual loads anyway); the wizard's imports beyond "
          f"textual.app cost "
          f"{med['import launchready_tui.app'] - med['import textual.app']:.0f} ms")


# ------------------------------------------------------------------------------------------------------
# Part 2: the demo lab in a thread or on the UI loop


async def _responsiveness(mode: str) -> dict[str, float]:
    from launchready_tui.app import LaunchReadyApp
    from launchready_tui.screens.stage import StageScreen

    app = LaunchReadyApp(demo_domain="flawed.test", lab_mode=mode, auto_run=False)  # type: ignore[arg-type]
    lags: list[float] = []
    keys: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 60
        while not isinstance(app.screen, StageScreen) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        expected = time.perf_counter() + 0.02

        def sample() -> None:
            nonlocal expected
            now = time.perf_counter()
            lags.append(max(0.0, now - expected) * 1000)
            expected = now + 0.02

        app.set_interval(0.02, sample)
        for stage in (1, 2):
            app.run_stage(stage)
        target = 2
        while app.running_stages():
            t0 = time.perf_counter()
            await pilot.press(str(target))
            while getattr(app.screen, "stage", None) is None or app.screen.stage.number != target:  # type: ignore[attr-defined]
                await asyncio.sleep(0.005)
            keys.append((time.perf_counter() - t0) * 1000)
            target = 1 if target == 2 else 2
            await pilot.pause(0.3)
    lags.sort()
    return {
        "lag p50": statistics.median(lags), "lag p95": lags[int(len(lags) * 0.95)], "lag max": lags[-1],
        "key p50": statistics.median(keys) if keys else float("nan"),
        "key max": max(keys) if keys else float("nan"), "keys": float(len(keys)),
    }


def part_lab(rounds: int) -> None:
    results: dict[str, list[dict[str, float]]] = {"thread": [], "loop": []}
    for i in range(rounds):
        for mode in (("thread", "loop") if i % 2 == 0 else ("loop", "thread")):
            results[mode].append(asyncio.run(_responsiveness(mode)))
    print(f"\nDemo lab placement: UI loop lag (20 ms timer) and key-to-screen time while stages 1+2 run on "
          f"the lab ({rounds} rounds each, medians of the per-round figures)")
    keys = ("lag p50", "lag p95", "lag max", "key p50", "key max")
    print(f"{'':10}" + "".join(f"{k:>11}" for k in keys) + "   (ms)")
    agg: dict[str, dict[str, float]] = {}
    for mode, rows in results.items():
        agg[mode] = {k: statistics.median(r[k] for r in rows) for k in keys}
        print(f"{mode:10}" + "".join(f"{agg[mode][k]:11.1f}" for k in keys))
    ratio = {k: agg["thread"][k] / agg["loop"][k] if agg["loop"][k] else float("nan") for k in keys}
    print("thread/loop" + "".join(f"{ratio[k]:10.2f}x" for k in keys))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=9, help="runs per program for the first-paint part (default 9)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per lab mode (default 3)")
    parser.add_argument("--part", choices=("paint", "lab", "all"), default="all")
    parser.add_argument("--baseline", metavar="REF", help="also measure this git revision, side by side")
    parser.add_argument("--no-compile", action="store_true", help="do not compile the package's bytecode first")
    args = parser.parse_args()
    if args.part in ("paint", "all"):
        part_paint(args.n, baseline=args.baseline, compile_first=not args.no_compile)
    if args.part in ("lab", "all"):
        part_lab(args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
