"""The stage-4 checks against the lab (its planted repos and live bundles), and the canary: no secret
is ever printed whole — text, JSON, SARIF, Markdown, JUnit, logs, the project file."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import yaml

from launchready_tui.checks.context import check_context
from launchready_tui.checks.runner import run_checks
from launchready_tui.core import catalogue
from launchready_tui.core.model import Status
from launchready_tui.core.project import load_project
from launchready_tui.lab.server import Lab

STAGE4 = ["secrets.repo_tree", "secrets.repo_history", "secrets.bundle", "secrets.bundle_quick",
          "secrets.source_maps", "deploy.env_ignored", "deploy.env_documented", "deploy.public_prefix_secrets",
          "deploy.runtime_pinned", "deploy.staging_separate", "deploy.rollback_path"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab() -> AsyncIterator[Lab]:
    async with Lab() as running:
        yield running


async def _run(lab: Lab, tmp_path: Path, domain: str) -> dict[str, object]:
    path = lab.write_project(tmp_path / f"{domain}.yaml", domain)
    project, _ = load_project(path)
    async with check_context(project, path.parent) as ctx:
        results = await run_checks([catalogue.get(i) for i in STAGE4], ctx)
    return {r.id: r for r in results}


@pytest.mark.asyncio(loop_scope="module")
async def test_flawed_lab_fails_every_automated_check(lab: Lab, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    res = await _run(lab, tmp_path, "flawed.test")
    for cid in STAGE4[:9]:
        assert res[cid].status is Status.FAIL, (cid, res[cid].summary)
    for cid in STAGE4[9:]:
        assert res[cid].status is Status.MANUAL
    tree = res["secrets.repo_tree"].evidence["findings"]
    assert sorted((f["file"], f["rule_id"], f["commit"]) for f in tree) == [
        ("k8s/app-secret.yaml", "github-pat", None), ("scripts/seed.js", "stripe-access-token", None)]
    # the token sits only inside a base64-encoded .env: reported at the encoded value's line, with how it was found
    k8s = next(f for f in tree if f["file"] == "k8s/app-secret.yaml")
    assert k8s["line"] == 7 and k8s["found_inside"] == "found inside base64 (depth 1)" and k8s["verdict"] == "secret"
    assert "found_inside" not in next(f for f in tree if f["file"] == "scripts/seed.js")
    hist = res["secrets.repo_history"].evidence["findings"]
    openai = [f for f in hist if f["rule_id"] == "openai-api-key"]
    assert {f["file"] for f in openai} == {"src/server.js", ".env"} and not any(f["at_head"] for f in openai)
    bundle = res["secrets.bundle"].evidence["findings"]
    assert {f["verdict"] for f in bundle if f["rule_id"] == "stripe-publishable-key"} == {"public"}
    assert any(f["rule_id"] == "openai-api-key" and f["url"].endswith(".js") for f in bundle)
    encoded = [f for f in bundle if f.get("found_inside")]  # the same bundle is served by two hosts
    assert {(f["rule_id"], f["found_inside"]) for f in encoded} == {("github-pat", "found inside base64 (depth 1)")}
    assert any(f["rule_id"] == "github-pat" and f["file"] == "k8s/app-secret.yaml" and f["at_head"] for f in hist)
    assert res["secrets.bundle"].evidence["exposed_files"][0]["url"].endswith("/.env")
    maps = res["secrets.source_maps"].evidence["findings"]
    assert maps and maps[0]["source"] == "webpack://lab/src/server/openai.ts"
    assert "NEXT_PUBLIC_STRIPE_SECRET_KEY" in res["deploy.public_prefix_secrets"].summary
    assert set(res["deploy.env_documented"].evidence["undocumented"]) == {
        "DATABASE_URL", "STRIPE_SECRET_KEY", "NEXT_PUBLIC_STRIPE_SECRET_KEY"}
    # canary: no planted value appears whole anywhere in results or logs
    dump = repr([r.to_json() for r in res.values()]) + caplog.text
    for secret in (lab.fakes.openai_key, lab.fakes.stripe_secret, lab.fakes.stripe_public, lab.fakes.db_password,
                   lab.fakes.github_token):
        assert secret not in dump


@pytest.mark.asyncio(loop_scope="module")
async def test_good_lab_passes(lab: Lab, tmp_path: Path) -> None:
    res = await _run(lab, tmp_path, "good.test")
    for cid in STAGE4[:9]:
        assert res[cid].status is Status.PASS, (cid, res[cid].summary)
    notes = res["secrets.bundle_quick"].evidence["findings"]
    assert [f["verdict"] for f in notes] == ["public"]
    # the good bundle carries a data: URL image, a random base64 blob, an SRI hash, a hex digest, base64 of
    # harmless text and a percent-encoded URL (lab/site_content.encoded_noise): decoding stays silent on all
    assert {f["rule_id"] for f in res["secrets.bundle"].evidence["findings"]} == {"stripe-publishable-key"}


async def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    # in a thread: the lab serves from this test's event loop, which must keep running meanwhile
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "launchready_tui", "secrets", *args],
                                   capture_output=True, text=True, timeout=timeout)


@pytest.mark.asyncio(loop_scope="module")
async def test_cli_canary_in_every_format_and_accept(lab: Lab, tmp_path: Path) -> None:
    project = lab.write_project(tmp_path / "p.yaml", "flawed.test")
    repo = lab.repos["flawed.test"]
    secrets = (lab.fakes.openai_key, lab.fakes.stripe_secret, lab.fakes.db_password, lab.fakes.github_token)
    outputs = []
    fingerprints: list[str] = []
    for fmt in ("text", "json", "sarif", "markdown", "junit"):
        proc = await _cli(str(repo), "--project", str(project), "--format", fmt, "--url", "https://flawed.test/")
        assert proc.returncode == 1, proc.stderr
        outputs.append(proc.stdout + proc.stderr)
        if fmt == "json":
            import json

            report = json.loads(proc.stdout)
            checks = [c for s in report["stages"] for c in s["checks"] if c["id"] == "secrets.repo_tree"]
            fingerprints = [f["fingerprint"] for f in checks[0]["evidence"]["findings"]]
    assert "secrets.bundle" in outputs[0] and "served to anyone" in outputs[0]
    for out in outputs:
        for secret in secrets:
            assert secret not in out
    assert len(fingerprints) == 2  # seed.js (plain) and the k8s Secret (inside base64)
    for fingerprint in fingerprints:
        proc = await _cli("--project", str(project), "--accept", fingerprint, "--reason", "seed data for the lab",
                          "--who", "ci")
        assert proc.returncode == 0, proc.stderr
    saved = project.read_text()
    assert all(fp in saved for fp in fingerprints) and all(s not in saved for s in secrets)
    accepted = yaml.safe_load(saved)["accepted"]
    assert accepted[0]["who"] == "ci" and accepted[0]["reason"] == "seed data for the lab"
    proc = await _cli(str(repo), "--project", str(project), "--no-history", "--format", "text")
    assert proc.returncode == 0 and "[ACCEPTED]" in proc.stdout  # shown, marked, not hidden


def test_cli_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rules]]\nid = "acme"\nregex = "(broken"\n')
    proc = subprocess.run([sys.executable, "-m", "launchready_tui", "secrets", str(tmp_path), "--rules", str(bad)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and "rule 'acme'" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "launchready_tui", "secrets", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    # not a git repository: the tree is scanned, the history check says why it could not run
    proc = subprocess.run([sys.executable, "-m", "launchready_tui", "secrets", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0 and "is not a git repository" in proc.stdout
