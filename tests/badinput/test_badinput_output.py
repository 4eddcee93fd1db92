"""``--output`` that cannot be written is refused before the run, not after it (a long audit's answers were
lost: the whole run happened, then "cannot write …"). Also for ``--export-k6`` / ``--export-locust``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from badinput_support import run_cli

from launchready_tui.commands.common import UsageError, check_output


@pytest.mark.parametrize("command", [
    ["audit", "--domain", "shop.test"], ["email", "shop.test"], ["secrets", "."], ["loadtest"],
])
async def test_output_into_a_missing_folder_is_refused_up_front(command: list[str], tmp_path: Path) -> None:
    run = await run_cli(*command, "--nameserver", "127.0.0.1:9", "--output", str(tmp_path / "nope" / "r.json"),
                        cwd=tmp_path)
    assert run.code == 2
    assert f"the folder {tmp_path / 'nope'} does not exist" in run.err


async def test_output_onto_a_folder_and_exports_into_a_missing_one(tmp_path: Path) -> None:
    run = await run_cli("audit", "--domain", "shop.test", "--nameserver", "127.0.0.1:9", "--output", str(tmp_path))
    assert run.code == 2 and "is a folder; give a file name" in run.err
    run = await run_cli("loadtest", "--export-locust", str(tmp_path / "nope" / "locustfile.py"), cwd=tmp_path)
    assert run.code == 2 and "--export-locust: the folder" in run.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="permission denied"):
            check_output(str(folder / "report.json"))
    finally:
        folder.chmod(0o755)


def test_a_writable_path_passes(tmp_path: Path) -> None:
    check_output(str(tmp_path / "report.json"))
    check_output(None)


@pytest.mark.parametrize("command", [["audit"], ["email"], ["secrets", "."], ["loadtest"],
                                     ["loadtest", "--export-k6"]])
async def test_a_report_never_replaces_the_project_file(command: list[str], tmp_path: Path) -> None:
    # Before: `launchready audit --output launchready.yaml` overwrote the founder's project file with the report.
    project = tmp_path / "launchready.yaml"
    text = "version: 1\ndomain: shop.test\nanswers: {handover.contacts: {primary: Ann}}\n"
    project.write_text(text, encoding="utf-8")
    target = ["./launchready.yaml"] if command[-1] == "--export-k6" else ["--output", "./launchready.yaml"]
    run = await run_cli(*command, *target, "--nameserver", "127.0.0.1:9", cwd=tmp_path)
    assert run.code == 2 and "is your project file" in run.err
    assert project.read_text(encoding="utf-8") == text
