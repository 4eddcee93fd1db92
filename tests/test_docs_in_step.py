"""docs/checks.md is generated from the catalogue and must stay in step with it."""

from __future__ import annotations

from pathlib import Path

from launchready_tui.core import catalogue
from launchready_tui.core.catalogue_doc import render_markdown

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKS_MD = REPO_ROOT / "docs" / "checks.md"
REGENERATE = "python -m launchready_tui.core.catalogue_doc --write docs/checks.md"


def test_checks_md_is_in_step_with_the_catalogue() -> None:
    assert CHECKS_MD.exists(), f"docs/checks.md is missing; run: {REGENERATE}"
    assert CHECKS_MD.read_text(encoding="utf-8") == render_markdown(), (
        f"docs/checks.md is out of date with core/catalogue.py; run: {REGENERATE}"
    )


def test_every_check_id_is_documented_once() -> None:
    text = render_markdown()
    for spec in catalogue.CHECKS:
        assert text.count(f"| `{spec.id}` |") == 1, spec.id


def test_contract_copy_lists_every_check_id() -> None:
    """docs/contract.md (the as-built contract) names every id of the catalogue, and no other."""
    contract = (REPO_ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    missing = [spec.id for spec in catalogue.CHECKS if f"`{spec.id}`" not in contract]
    assert not missing, f"check ids in the catalogue but not in docs/contract.md: {missing}"
