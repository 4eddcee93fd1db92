"""``launchready handover`` with a broken ``--results`` report or a file name where the folder goes.

Before: ``"stages": 5`` in a hand-edited report was "internal error: TypeError", a non-numeric ``duration_ms``
likewise, and ``--output handover.md`` silently created a *folder* named handover.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from badinput_support import run_cli

from launchready_tui.commands.handover import load_results

NO_VAULT = {"LAUNCHREADY_VAULT": "none"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "launchready.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "domain": "shop.test",
                                    "network": {"nameservers": ["127.0.0.1:9"]}}), encoding="utf-8")
    return path


@pytest.mark.parametrize("body, says", [
    ({"schema": "launchready.report/1", "stages": 5}, "has no list of stages"),
    ({"schema": "launchready.report/1", "stages": "x"}, "has no list of stages"),
    ([], "is not a launchready report"),
    ({"schema": "other/1"}, "is not a launchready report"),
])
async def test_a_results_file_of_the_wrong_shape_is_one_line(project: Path, tmp_path: Path, body: object,
                                                            says: str) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(body), encoding="utf-8")
    run = await run_cli("handover", "--project", str(project), "--results", str(results), "--output",
                        str(tmp_path / "out"), env=NO_VAULT)
    assert run.code == 2
    assert f"--results: {results} {says}" in run.err
    assert not (tmp_path / "out").exists()


def test_unreadable_checks_in_a_results_file_are_left_out(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"schema": "launchready.report/1", "stages": [
        5, {"checks": 3}, {"checks": [
            "text", {"id": 5, "status": "pass"},
            {"id": "load.capacity", "status": "pass", "duration_ms": "slow"},
            {"id": "monitor.health_endpoint", "status": "warn", "summary": "ok-ish", "fix": {"not": "text"},
             "duration_ms": 12},
        ]}]}), encoding="utf-8")
    out = load_results(str(results))
    assert list(out) == ["monitor.health_endpoint"]
    assert out["monitor.health_endpoint"].fix is None and out["monitor.health_endpoint"].duration_ms == 12


@pytest.mark.parametrize("name", ["handover.md", "Handover.PDF"])
async def test_output_names_a_file_not_a_folder(project: Path, tmp_path: Path, name: str) -> None:
    run = await run_cli("handover", "--project", str(project), "--output", str(tmp_path / name), env=NO_VAULT)
    assert run.code == 2
    assert "looks like a file name" in run.err
    assert not (tmp_path / name).exists()


async def test_output_is_an_existing_file(project: Path, tmp_path: Path) -> None:
    existing = tmp_path / "notes"
    existing.write_text("keep me", encoding="utf-8")
    run = await run_cli("handover", "--project", str(project), "--output", str(existing), env=NO_VAULT)
    assert run.code == 2
    assert "is a file; --output takes the folder" in run.err
    assert existing.read_text(encoding="utf-8") == "keep me"


async def test_results_from_an_endless_file_are_refused_without_reading_it_all(project: Path, tmp_path: Path) -> None:
    run = await run_cli("handover", "--project", str(project), "--results", "/dev/zero", "--output",
                        str(tmp_path / "out"), env=NO_VAULT)
    assert run.code == 2 and "is larger than 64 MB" in run.err
