"""Render the check catalogue as Markdown: the source of docs/checks.md.

``tests/test_docs_in_step.py`` asserts docs/checks.md equals ``render_markdown()``, so the document
cannot drift from ``core/catalogue.py`` and ``core/stages.py``. Regenerate with::

    python -m launchready_tui.core.catalogue_doc --write docs/checks.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from launchready_tui.core import catalogue, stages
from launchready_tui.core.catalogue import CheckSpec

HEADER = """\
# Checks

<!-- Generated from launchready_tui/core/catalogue.py and core/stages.py; do not edit by hand.
     Regenerate: python -m launchready_tui.core.catalogue_doc --write docs/checks.md -->

Every check id below is stable (see [contract.md](contract.md)). *Impact* is the business word used
to rank risks; *network* says whether the check talks to the live product (the others read the
repository or a person's answers); *timeout* is the per-check default.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(specs: Iterable[CheckSpec]) -> list[str]:
    lines = [
        "| id | check | impact | network | timeout |",
        "|---|---|---|---|---|",
    ]
    for spec in specs:
        lines.append(
            f"| `{spec.id}` | {_cell(spec.title)} | {spec.impact.value} | "
            f"{'yes' if spec.network else 'no'} | {spec.timeout_s:g} s |"
        )
    return lines


def render_markdown() -> str:
    out: list[str] = [HEADER]
    for stage in stages.STAGES:
        out += [f"## Stage {stage.number}: {stage.title}", ""]
        out += [f"**Goal.** {stage.goal}", ""]
        out += [f"**Deliverable.** {stage.deliverable}", ""]
        out += [f"**Failure signal.** {stage.failure_signal}", ""]
        out += _table(stage.checks)
        if stage.manual_items:
            out += ["", "Confirmed by a person:", ""]
            out += [f"- `{item.id}`: {item.text}" for item in stage.manual_items]
        out.append("")
    email = catalogue.for_stage(0)
    if email:
        out += ["## Email authentication", ""]
        out += ["Shown in stage 1 through `email.summary` and re-run in stage 7 (`handover.email_recheck`); "
                "also run alone by `launchready email DOMAIN`.", ""]
        out += _table(email)
        out.append("")
    out += ["## Impacts", "", "| impact | what it means for the business |", "|---|---|"]
    impacts = sorted({spec.impact for spec in catalogue.CHECKS}, key=lambda i: list(type(i)).index(i))
    out += [f"| {impact.value} | {_cell(impact.words)} |" for impact in impacts]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the check catalogue as Markdown.")
    parser.add_argument("--write", type=Path, metavar="PATH", help="write to PATH instead of stdout")
    args = parser.parse_args(argv)
    text = render_markdown()
    if args.write is None:
        sys.stdout.write(text)
    else:
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
