"""``launchready lab`` / ``demo`` with paths and names that cannot work.

Before: ``lab --write-project DIR`` started the lab and died with "internal error: IsADirectoryError",
``--write-project ""`` silently wrote nothing, an existing project file full of answers was overwritten by the
lab's throwaway one, and ``demo --headless --domain other.test`` was "internal error: ValueError".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from badinput_support import run_cli


@pytest.mark.parametrize("value, says", [
    ("", "needs a file path"),
    ("{tmp}", "is a folder"),
])
async def test_lab_write_project_refuses_unusable_paths(tmp_path: Path, value: str, says: str) -> None:
    run = await run_cli("lab", "--write-project", value.format(tmp=tmp_path))
    assert run.code == 2 and says in run.err
    assert "lab running" not in run.out  # refused before the lab starts


async def test_lab_never_overwrites_a_project_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "launchready.yaml"
    text = "version: 1\ndomain: acme.example\nanswers: {handover.contacts: {primary: Ann}}\n"
    mine.write_text(text, encoding="utf-8")
    run = await run_cli("lab", "--write-project", str(mine))
    assert run.code == 2 and "was not written by the lab" in run.err
    assert mine.read_text(encoding="utf-8") == text


async def test_demo_names_the_lab_domains() -> None:
    run = await run_cli("demo", "--headless", "--domain", "acme.example")
    assert run.code == 2
    assert "choose from 'good.test', 'flawed.test'" in run.err
