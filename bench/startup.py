"""Start-up cost of the CLI: `launchready --help` against `python -c pass` (and Textual as a reference).

Runs the commands interleaved (so machine load hits them alike), N times each, and prints the median
wall and CPU time and the ratio to the bare interpreter. Wall time is noisy on a shared machine; CPU
time (user+sys of the child) is the steadier figure. Not a test: nothing here asserts a time.

    .venv/bin/python bench/startup.py [-n 15]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measure(argv: list[str]) -> tuple[float, float]:
    """(wall ms, cpu ms) of one run."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t0) * 1000, (_children_cpu() - cpu0) * 1000


def import_offenders(argv: list[str], top: int) -> list[tuple[int, str]]:
    """The `top` biggest top-level cumulative import times (µs) of `python -X importtime <argv>`."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True, text=True,
                          check=False)
    rows: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m.group(2)) <= 1:  # top-level imports only
            rows.append((int(m.group(1)), m.group(3)))
    return sorted(rows, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="runs per command (default 15)")
    args = parser.parse_args()
    launchready = BIN / "launchready"
    if not launchready.exists():
        print(f"no console script at {launchready}: run `make install` first", file=sys.stderr)
        return 2
    cases: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "launchready --help": [str(launchready), "--help"],
        "launchready --version": [str(launchready), "--version"],
        "python -c 'import textual.app' (reference)": [sys.executable, "-c", "import textual.app"],
    }
    for argv in cases.values():  # warm the page cache and .pyc files, and fail early on errors
        measure(argv)
    wall: dict[str, list[float]] = {k: [] for k in cases}
    cpu: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.n):
        for name, argv in cases.items():
            w, c = measure(argv)
            wall[name].append(w)
            cpu[name].append(c)

    base_wall = statistics.median(wall["python -c pass"])
    base_cpu = statistics.median(cpu["python -c pass"])
    print(f"start-up, {args.n} interleaved runs each, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'command':<44} {'wall min':>9} {'wall med':>9} {'cpu med':>8} {'ratio wall':>11} {'ratio cpu':>10}")
    for name in cases:
        wm, wmed, cmed = min(wall[name]), statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:<44} {wm:>7.0f}ms {wmed:>7.0f}ms {cmed:>6.0f}ms {wmed / base_wall:>10.1f}x "
              f"{cmed / max(base_cpu, 1.0):>9.1f}x")
    print()
    print("largest imports of `launchready --help` (cumulative, python -X importtime):")
    for us, mod in import_offenders(["-m", "launchready_tui", "--help"], 10):
        print(f"  {us / 1000:>7.1f} ms  {mod}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
