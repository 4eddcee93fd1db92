"""Secret-scanning throughput, measured side by side in one run (ratios, never a timed assertion).

1. History: raw ``git log -p -U0 --all …`` streamed to nowhere vs our full history scan, same synthetic
   repository (built with ``git fast-import``: COMMITS commits over 300 files, code-like lines with the
   usual keywords and a few planted LAB FAKE keys). Target: ours >= 50 % of raw throughput.
2. Working tree: ``detect-secrets scan --all-files`` vs ``launchready secrets --no-history``, both as
   processes on the same checkout. detect-secrets lives only in a separate venv (BENCH_VENV, default
   /tmp/benchvenv; ``python -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install detect-secrets``),
   never in the project's dependencies. Target: ours >= 20x faster.
3. A 5 MB one-line minified bundle: our scan vs a plain read of the file. Target: under 2 s.

    .venv/bin/python bench/secrets_bench.py [--commits 4000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from launchready_tui.checks.secrets.control import Control
from launchready_tui.checks.secrets.engine import Scanner
from launchready_tui.checks.secrets.gitcmd import git_env
from launchready_tui.checks.secrets.history import CHUNK, log_command, scan_history
from launchready_tui.checks.secrets.rules import builtin_ruleset

ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
WORDS = ["const", "token", "apiKey", "user", "return", "await", "fetch", "headers", "auth", "secret", "password",
         "config", "process.env.API_KEY", "key", "access", "value", "items.map", "credentials"]


def _rand(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def _line(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
    return f"  {words} = '{_rand(rng, rng.randint(4, 14))}';"


def build_repo(path: Path, commits: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=ENV)
    files = {f"src/mod{i}.js": [_line(rng) for _ in range(40)] for i in range(300)}
    out = []
    for c in range(1, commits + 1):
        out.append(b"commit refs/heads/main\n")
        out.append(f"mark :{c}\ncommitter Bench <b@x> {1700000000 + c * 60} +0000\n".encode())
        msg = f"change {c}".encode()
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if c > 1:
            out.append(f"from :{c - 1}\n".encode())
        for name in rng.sample(sorted(files), 3):
            lines = files[name]
            for _ in range(rng.randint(2, 8)):
                lines[rng.randrange(len(lines))] = _line(rng)
            if c % 997 == 0:  # LAB FAKE keys now and then
                lines.append("const k = 'sk_" + "live_" + _rand(rng, 30) + "';")
            body = ("\n".join(lines) + "\n").encode()
            out.append(b"M 644 inline %s\ndata %d\n%s\n" % (name.encode(), len(body), body))
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(out), check=True, env=ENV)
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True, env=ENV)


def raw_git(repo: Path) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.Popen(log_command(repo), stdout=subprocess.PIPE, env=git_env())
    assert proc.stdout is not None
    n = 0
    while chunk := proc.stdout.read(CHUNK):
        n += len(chunk)
    proc.wait()
    return time.perf_counter() - t, n


def ours_history(repo: Path, scanner: Scanner) -> tuple[float, int]:
    t = time.perf_counter()
    result = scan_history(repo, scanner, Control())
    return time.perf_counter() - t, len(result.hits)


def timed(cmd: list[str], cwd: Path | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def make_bundle(path: Path, size: int = 5 * 1024 * 1024, seed: int = 3) -> None:
    rng = random.Random(seed)
    parts = []
    total = 0
    planted = ["sk-" + "proj-" + _rand(rng, 74) + "T3Blbk" + "FJ" + _rand(rng, 74), "pk_" + "live_" + _rand(rng, 40),
               "sk_" + "live_" + _rand(rng, 30)]
    while total < size:
        chunk = (f"function {_rand(rng, 3)}(e,t){{var n=e.auth||t.token;return fetch(n+\"/api/key\","
                 f"{{headers:{{Authorization:\"Bearer \"+t.{_rand(rng, 5)}}}}})}};")
        if rng.random() < 0.00005 and planted:
            chunk += f'const K="{planted.pop()}";'
        parts.append(chunk)
        total += len(chunk)
    path.write_text("".join(parts))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=4000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    scanner = Scanner(builtin_ruleset())
    with tempfile.TemporaryDirectory(prefix="lr-secrets-bench-") as tmp:
        repo = Path(tmp) / "repo"
        t = time.perf_counter()
        build_repo(repo, args.commits)
        print(f"built {args.commits}-commit repo in {time.perf_counter() - t:.1f} s")
        raws, ours = [], []
        for _ in range(args.runs):  # interleaved so machine load hits both alike
            raw_s, nbytes = raw_git(repo)
            our_s, hits = ours_history(repo, scanner)
            raws.append(raw_s)
            ours.append(our_s)
        raw_m, our_m = statistics.median(raws), statistics.median(ours)
        print(f"history: raw git log {raw_m:.2f} s ({nbytes / raw_m / 1e6:.1f} MB/s), ours {our_m:.2f} s "
              f"({nbytes / our_m / 1e6:.1f} MB/s, {hits} findings) -> ours at {raw_m / our_m:.0%} of raw "
              f"(target >= 50 %)")
        ds = Path(os.environ.get("BENCH_VENV", "/tmp/benchvenv")) / "bin" / "detect-secrets"
        lr = Path(sys.executable).parent / "launchready"
        if ds.exists():
            d_t = [timed([str(ds), "scan", "--all-files", "."], cwd=repo) for _ in range(args.runs)]
            l_t = [timed([str(lr), "secrets", str(repo), "--no-history", "--quiet"]) for _ in range(args.runs)]
            d_m, l_m = statistics.median(d_t), statistics.median(l_t)
            print(f"tree: detect-secrets {d_m:.2f} s, launchready {l_m:.2f} s (whole process) -> "
                  f"{d_m / l_m:.1f}x faster (target >= 20x)")
        else:
            print(f"tree: skipped, no detect-secrets at {ds} (see the module docstring)")
        bundle = Path(tmp) / "bundle.min.js"
        make_bundle(bundle)
        reads, scans = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            text = bundle.read_bytes().decode("utf-8")
            reads.append(time.perf_counter() - t)
            t = time.perf_counter()
            found = scanner.scan(text, "bundle.min.js")
            scans.append(time.perf_counter() - t)
        r_m, s_m = statistics.median(reads), statistics.median(scans)
        print(f"bundle: 5 MB one-line bundle scanned in {s_m:.2f} s ({len(found)} findings; target < 2 s), "
              f"{s_m / r_m:.0f}x a plain read ({r_m * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
