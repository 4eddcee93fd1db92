"""History and tree scans on real git repositories: the gitleaks fixture, bad input, big repos, cancel."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from secrets_helpers import DATA, git

from launchready_tui.checks.secrets.control import Cancelled, Control
from launchready_tui.checks.secrets.engine import Scanner
from launchready_tui.checks.secrets.findings import Acceptances
from launchready_tui.checks.secrets.history import FragmentParser, log_command, scan_history
from launchready_tui.checks.secrets.rules import builtin_ruleset
from launchready_tui.checks.secrets.scan import history_findings, tree_findings

AWS = "AKIALALEMEL33243OLIA"  # gitleaks' own fixture key (not a real credential)


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return builtin_ruleset()


def test_fragment_stream_matches_gitleaks_expected(small_repo: Path) -> None:
    """Added lines, in git log order, equal gitleaks' expected small.txt (after the two newer fixture files)."""
    out = subprocess.run(log_command(small_repo), capture_output=True, check=True).stdout.decode()
    got: list[str] = []
    parser = FragmentParser(lambda fragment: got.append(fragment.text + "\n"))
    parser.feed(out)
    parser.flush()
    ignore = (small_repo / "api" / "ignoreCommit.go").read_text()
    expected = (DATA / "gitleaks" / "testdata" / "expected" / "git" / "small.txt").read_text()
    assert "".join(got) == ignore + ignore + expected


def test_history_findings_on_gitleaks_fixture(small_repo: Path, rules) -> None:  # type: ignore[no-untyped-def]
    scan, findings = history_findings(small_repo, rules, None, Control())
    where = sorted((f.commit[:7], f.file, f.line) for f in findings)
    assert where == [("1b6da43", "main.go", 20), ("491504d", "foo/foo.go", 9),
                     ("53cd7a3", "api/ignoreCommit.go", 20), ("53cd7a3", "api/ignoreGlobal.go", 20)]
    assert {f.rule_id for f in findings} == {"aws-access-token"}
    assert all(f.at_head for f in findings)  # the key is still in HEAD (api/*.go)
    assert scan.commits_scanned == scan.commits_total == 9
    by_commit = {f.commit[:7]: f for f in findings}
    assert by_commit["1b6da43"].author == "Zachary Rice" and by_commit["1b6da43"].date.startswith("2021-11-02")
    assert all(AWS not in str(f.to_json()) for f in findings)


def test_gitleaksignore_marks_findings_accepted(small_repo: Path, rules) -> None:  # type: ignore[no-untyped-def]
    (small_repo / ".gitleaksignore").write_text(
        "api/ignoreGlobal.go:aws-access-token:20\n"
        "53cd7a3c6eb4937f413e3c25e4a9f39289afa69e:api/ignoreCommit.go:aws-access-token:20\n")
    _scan, findings = history_findings(small_repo, rules, Acceptances.load([], small_repo), Control())
    accepted = sorted(f.file for f in findings if f.accepted)
    assert accepted == ["api/ignoreCommit.go", "api/ignoreGlobal.go"]


def test_history_only_vs_head(make_repo: Callable[..., Path], rules) -> None:  # type: ignore[no-untyped-def]
    old = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    now = "xoxb-1234567890-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
    repo = make_repo({"a.js": f"const t = '{old}'\n"}, {"a.js": "const t = process.env.T\n", "b.js": f"s='{now}'\n"})
    _scan, findings = history_findings(repo, rules, None, Control())
    heads = {f.rule_id: f.at_head for f in findings}
    assert heads == {"github-pat": False, "slack-bot-token": True}


def test_tree_skips_binaries_big_files_and_ignored(make_repo: Callable[..., Path], rules) -> None:  # type: ignore[no-untyped-def]
    key = "sk_live_" + "Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1"
    repo = make_repo({".gitignore": "secret.txt\n", "src/pay.js": f"stripe('{key}')\n"})
    (repo / "secret.txt").write_text(f"{key}\n")  # ignored: not scanned
    (repo / "untracked.js").write_text(f"const k = '{key}'\n")  # untracked, not ignored: scanned
    (repo / "blob.data").write_bytes(b"\0\1\2" + key.encode())
    with (repo / "huge.dat").open("wb") as fh:  # 200 MB sparse file: skipped by size, never read
        fh.truncate(200 * 1024 * 1024)
    (repo / "bad-utf8.js").write_bytes(b"\xff\xfe\xfa const k='" + key.encode() + b"' \xc3\x28\n")
    result, findings = tree_findings(repo, rules, None, Control())
    assert sorted(f.file for f in findings) == ["bad-utf8.js", "src/pay.js", "untracked.js"]
    assert result.skipped["binary"] == ["blob.data"]
    assert result.skipped["larger than 8 MB"] == ["huge.dat"]
    assert all(key not in str(f.to_json()) for f in findings)


def test_plain_folder_respects_gitignore(tmp_path: Path, rules) -> None:  # type: ignore[no-untyped-def]
    key = "sk_live_" + "Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1"
    (tmp_path / ".gitignore").write_text("private/\n")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "k.js").write_text(key)
    (tmp_path / "app.js").write_text(f"x('{key}')")
    result, findings = tree_findings(tmp_path, rules, None, Control())
    assert not result.git and [f.file for f in findings] == ["app.js"]


def test_empty_shallow_detached_and_submodule(make_repo: Callable[..., Path], tmp_path: Path, rules) -> None:  # type: ignore[no-untyped-def]
    empty = make_repo(name="empty")
    scan = scan_history(empty, Scanner(rules), Control())
    assert scan.commits_total == 0 and scan.hits == []
    key = "glpat-" + "AbCdEfGhIj0123456789"
    src = make_repo({"a.txt": "one\n"}, {"b.txt": f"t={key}\n"}, {"c.txt": "three\n"}, name="src")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{src}", str(shallow)], check=True,
                   capture_output=True)
    s_scan, s_findings = history_findings(shallow, rules, None, Control())
    assert s_scan.shallow and s_scan.commits_total == 1
    assert [f.file for f in s_findings] == ["b.txt"]  # the file is in the one fetched commit's tree
    git(src, "checkout", "-q", "--detach", "HEAD~1")
    d_scan, d_findings = history_findings(src, rules, None, Control())
    assert d_scan.commits_total == 3 and [f.rule_id for f in d_findings] == ["gitlab-pat"]
    parent = make_repo({"main.txt": "x\n"}, name="parent")
    git(parent, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(src), "vendor/lib")
    result, findings = tree_findings(parent, rules, None, Control())
    assert "vendor/lib" in result.submodules
    assert [f.file for f in findings] == ["vendor/lib/b.txt"]


def _fast_import_repo(path: Path, commits: int) -> None:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    lines = []
    for i in range(1, commits + 1):
        body = f"value_{i} = {i}\n".encode()
        msg = f"c{i}".encode()
        lines.append(b"commit refs/heads/main\n")
        lines.append(f"mark :{i}\ncommitter T <t@x> {1700000000 + i} +0000\n".encode())
        lines.append(b"data %d\n%s\n" % (len(msg), msg))
        if i > 1:
            lines.append(f"from :{i - 1}\n".encode())
        lines.append(b"M 644 inline f%d.txt\ndata %d\n%s\n" % (i % 50, len(body), body))
    git(path, "fast-import", "--quiet", input_bytes=b"".join(lines))


@pytest.mark.slow
def test_twenty_thousand_commits_progress_and_cancel(tmp_path: Path, rules) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "big"
    _fast_import_repo(repo, 20_000)
    said: list[str] = []
    control = Control(progress=said.append, every_s=0.0)
    scan = scan_history(repo, Scanner(rules), control)
    assert scan.commits_total == 20_000 and scan.commits_scanned == 20_000
    assert said[-1] == "commits 20000 of 20000" and len(said) >= 2
    # cancel part-way: the git process is killed and the scan raises Cancelled promptly
    stop = Control()
    timer = threading.Timer(0.05, stop.stop.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        scan_history(repo, Scanner(rules), stop)
    assert time.monotonic() - started < 10
    timer.cancel()
    leftover = subprocess.run(["pgrep", "-f", f"-C {repo} --no-pager log"], capture_output=True)
    assert leftover.stdout.strip() == b"" or os.name != "posix"


def test_a_history_git_cannot_walk_is_an_error_not_an_empty_pass(make_repo: Callable[..., Path],
                                                                 rules) -> None:  # type: ignore[no-untyped-def]
    """Missing objects: git rev-list fails; '0 of 0 commits, no keys' would be a pass for unread history."""
    from launchready_tui.checks.secrets.gitcmd import GitError

    repo = make_repo({"a.txt": "one\n"}, {"b.txt": "two\n"}, name="broken")
    parent = git(repo, "rev-parse", "HEAD~1").strip()
    (repo / ".git" / "objects" / parent[:2] / parent[2:]).unlink()  # the first commit's object is gone
    with pytest.raises(GitError, match="git rev-list failed"):
        scan_history(repo, Scanner(rules), Control())
