"""Short texts shared by the handover document and the wizard's risk list (pure; no I/O)."""

from __future__ import annotations

import re

MAX_HEADLINE = 160
_NUMBERED_STEP = re.compile(r"\n\s*(?=\d+[.)]\s)")


def fix_headline(fix: str, limit: int = MAX_HEADLINE, more: str = "") -> str:
    """The fix's first paragraph (or first numbered step) as one line, cut at a sentence or between words.

    Fix texts are hard-wrapped YAML blocks: their first *line* stops mid-sentence ("…its own add_header"), and a
    first paragraph that introduces a list ("Publish these records:") says nothing alone. ``more`` is appended
    when the fix goes on (where the reader finds the full steps).
    """
    blocks = [b for b in re.split(r"\n\s*\n", fix.strip()) if b.strip()]
    if not blocks:
        return ""
    steps = _NUMBERED_STEP.split(blocks[0].strip())
    prose = []
    for line in steps[0].splitlines():
        if prose and line[:1].isspace():  # indented: records or config, not words to read in one line
            break
        prose.append(line)
    goes_on = len(blocks) > 1 or len(steps) > 1 or len(prose) < len(steps[0].splitlines())
    head = " ".join(" ".join(prose).split())
    if len(head) > limit:
        head = _shorten(head, limit)
        goes_on = True
    if head.endswith(":"):  # it introduces records or a list the reader has not got here
        head = head[:-1]
        goes_on = True
    return head + (more if goes_on else "")


def _shorten(text: str, limit: int) -> str:
    """Cut at the last sentence or clause end that leaves no bracket open ("insurance; —" inside "(…" read as
    broken), else between words with " …"."""
    cut = text[:limit]
    ends = [m.start() for m in re.finditer(r"[.;](?= )", cut)
            if m.start() > limit // 3 and cut[: m.start()].count("(") == cut[: m.start()].count(")")]
    if ends:
        return cut[: ends[-1]] + "."
    return cut.rsplit(" ", 1)[0].rstrip(",;:(") + " …"
