"""The generated git repos and the project file the lab writes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from launchready_tui.core import catalogue
from launchready_tui.lab.server import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def files_exist(*paths: str) -> bool:
    return all(Path(p).exists() for p in paths)


async def test_flawed_repo_key_in_history_not_in_head(lab: Lab) -> None:
    repo = lab.repos["flawed.test"]
    key = lab.fakes.openai_key
    head_files = git(repo, "ls-files").split()
    assert ".env" not in head_files
    assert all(key not in (repo / f).read_text() for f in head_files)
    history = git(repo, "log", "--all", "-p")
    assert key in history
    assert git(repo, "log", "--all", "--diff-filter=A", "--name-only", "--format=", "--", ".env").strip() == ".env"
    assert "20" in (repo / ".nvmrc").read_text() and "node:18" in (repo / "Dockerfile").read_text()
    assert "DATABASE_URL" not in (repo / ".env.example").read_text()
    assert lab.fakes.stripe_secret in (repo / "scripts/seed.js").read_text()  # a key in the working tree


async def test_good_repo_is_clean(lab: Lab) -> None:
    repo = lab.repos["good.test"]
    history = git(repo, "log", "--all", "-p")
    assert "sk-proj-" not in history and "sk_live_" not in history
    assert ".env" in (repo / ".gitignore").read_text()
    assert (repo / ".nvmrc").read_text().strip() == "20" and "node:20" in (repo / "Dockerfile").read_text()


async def test_project_dict_and_write(lab: Lab, tmp_path: Path) -> None:
    for domain in (lab.domain, lab.flawed_domain):
        project = lab.project_dict(domain)
        assert project["version"] == 1 and project["domain"] == domain
        assert project["network"]["nameservers"] == [lab.nameserver]
        assert f"{domain}:443:127.0.0.1:{lab.https_port}" in project["network"]["connect_to"]
        assert files_exist(project["network"]["ca_file"], project["repo"] + "/.git")
        assert {e["name"] for e in project["endpoints"]} == {"home", "login", "generate"}
        assert project["ai_endpoint"]["canaries"][0] == lab.canary(domain)
    path = lab.write_project(tmp_path / "launchready.yaml", lab.flawed_domain)
    assert yaml.safe_load(path.read_text()) == lab.project_dict(lab.flawed_domain)
    from launchready_tui.core.project import load_project  # the real loader accepts it without warnings

    project_obj, warnings = load_project(path)
    assert project_obj.domain == lab.flawed_domain and warnings == []
    with pytest.raises(ValueError):
        lab.project_dict("example.com")


async def test_planted_table_covers_every_check() -> None:
    planted = (Path(__file__).parents[2] / "launchready_tui" / "lab" / "PLANTED.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in planted.splitlines() if line.startswith("| `")}
    assert rows == {c.id for c in catalogue.CHECKS}
