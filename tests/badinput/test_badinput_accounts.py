"""``launchready accounts set --token-stdin`` with what a pipe can deliver that is not a token.

Before: ``< /dev/zero`` read until memory ran out ("internal error: MemoryError"), and bytes that are not UTF-8
reached the vault as surrogates ("internal error: UnicodeEncodeError"). Nothing may be stored in those cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from badinput_support import run_cli

NO_VAULT = {"LAUNCHREADY_VAULT": "none"}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "launchready.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "domain": "shop.test"}), encoding="utf-8")
    return path


@pytest.mark.parametrize("stdin, says", [
    (b"\xff\xfesk_live_abc", "is not UTF-8 text"),
    (b"sk_live_\x00abc", "has control characters"),
    (b"x" * (64 * 1024 + 1), "more than 64 KB on stdin"),
])
async def test_a_token_that_is_not_text_is_refused_and_nothing_is_stored(project: Path, stdin: bytes,
                                                                       says: str) -> None:
    before = _text(project)
    run = await run_cli("accounts", "set", "payments", "--owner", "Ann", "--token-stdin", "--project",
                        str(project), env=NO_VAULT, stdin=stdin)
    assert run.code == 2
    assert says in run.err and "nothing was stored" in run.err
    assert _text(project) == before


async def test_a_normal_piped_token_still_works(project: Path) -> None:
    run = await run_cli("accounts", "set", "payments", "--owner", "Ann", "--token-stdin", "--project",
                        str(project), env=NO_VAULT, stdin=b"sk_live_abcdefghijklmnop1234\n")
    assert run.code == 0, run.err
    assert "sk_live_abcdefghijklmnop1234" not in _text(project) + run.out + run.err


async def test_vault_none_does_not_claim_anything_was_stored(project: Path) -> None:
    # Before: "payments: details stored in nothing stored (this run only) (from LAUNCHREADY_VAULT)".
    run = await run_cli("accounts", "set", "payments", "--owner", "Ann", "--project", str(project), env=NO_VAULT)
    assert run.code == 0, run.err
    assert "stored in nothing stored" not in run.err
    assert "payments: details kept for this run only (vault: none)" in run.err


@pytest.mark.parametrize("url", ["javascript:alert(1)", "notaurl", "https://", "https://dash.example.com:0/"])
async def test_console_url_must_be_a_web_address(project: Path, url: str) -> None:
    # Before: any text was stored and became a link in the handover document (javascript: included).
    before = _text(project)
    run = await run_cli("accounts", "set", "hosting", "--owner", "Ann", "--console-url", url, "--project",
                        str(project), env=NO_VAULT)
    assert run.code == 2 and "--console-url" in run.err and "is not a usable address" in run.err
    assert _text(project) == before


async def test_a_key_in_the_notes_is_refused_with_advice_that_fits_notes(project: Path) -> None:
    # Before: "notes looks like Stripe key, not a place. Record WHERE the codes are kept …".
    run = await run_cli("accounts", "set", "hosting", "--owner", "Ann", "--notes", "sk_live_abcdefghijklmnopqrstuvwx",
                        "--project", str(project), env=NO_VAULT)
    assert run.code == 2
    assert "notes looks like" in run.err and "not a place" not in run.err
    assert "sk_live_abcdefghijklmnopqrstuvwx" not in run.err
