"""Running git safely for scanning: no user or system config hooks into the scan, no lazy fetches,
no external diff or textconv programs, and a process that dies with the scan when it is cancelled.

Repo config can name programs (``diff.external``, textconv drivers); ``--no-ext-diff --no-textconv`` on
diffs and a fixed environment keep a scan of someone's checkout from running them (trufflehog
CVE-2025-41390 is the cautionary tale). ``GIT_NO_LAZY_FETCH`` stops a partial clone from downloading
objects in the middle of a scan.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_TIMEOUT_S = 60.0


class GitError(RuntimeError):
    """git failed or is missing; the message is plain words."""


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "GIT_NO_LAZY_FETCH": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_OPTIONAL_LOCKS": "0",  # a read-only scan must not take index.lock from the founder's git
        "LC_ALL": "C",
        "GIT_PAGER": "cat",
    })
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def git_base(repo: Path) -> list[str]:
    return ["git", "-c", "core.quotepath=off", "-c", "safe.directory=*", "-C", str(repo), "--no-pager"]


def run_git(repo: Path, *args: str, input_text: str | None = None, timeout: float = GIT_TIMEOUT_S,
            check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run([*git_base(repo), *args], capture_output=True, env=git_env(), timeout=timeout,
                              input=input_text.encode() if input_text is not None else None, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish within {timeout:g} s") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {msg[-1] if msg else f'exit code {proc.returncode}'}")
    return proc


def repo_root(path: Path) -> Path | None:
    """The top of the git work tree containing ``path``, or None when it is not inside one."""
    if not path.is_dir():
        return None
    try:
        proc = run_git(path, "rev-parse", "--show-toplevel", check=False)
    except GitError:
        return None
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode("utf-8", "replace").strip())


def has_commits(repo: Path) -> bool:
    return run_git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0 or bool(
        run_git(repo, "for-each-ref", "--count=1", "--format=%(refname)", check=False).stdout.strip())


def is_shallow(repo: Path) -> bool:
    proc = run_git(repo, "rev-parse", "--is-shallow-repository", check=False)
    return proc.stdout.strip() == b"true"


def is_partial_clone(repo: Path) -> bool:
    proc = run_git(repo, "config", "--get-regexp", r"^(remote\..*\.promisor|extensions\.partialclone)$", check=False)
    return bool(proc.stdout.strip())


def head_ref(repo: Path) -> str | None:
    """The branch HEAD points at, or None when HEAD is detached (or unborn)."""
    proc = run_git(repo, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def c_unquote(path: str) -> str:
    """git quotes odd paths as C strings ("a\\tb.js"); undo it, keeping raw bytes as UTF-8 text."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    body = path[1:-1]
    out = bytearray()
    i = 0
    simple = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b", "f": b"\f", "r": b"\r",
              "v": b"\v"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in simple:
                out += simple[nxt]
                i += 2
                continue
            if nxt.isdigit() and i + 3 < len(body) + 1:
                try:
                    out.append(int(body[i + 1:i + 4], 8))
                    i += 4
                    continue
                except ValueError:
                    pass
        out += c.encode("utf-8")
        i += 1
    return out.decode("utf-8", "replace")
