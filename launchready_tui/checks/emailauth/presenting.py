"""Small shared pieces of the email checks' output: bullet lists, TTL notes, summary lines."""

from __future__ import annotations

from collections.abc import Iterable

from launchready_tui.checks.emailauth.findings import Finding, ordered


def bullets(lines: Iterable[str], indent: str = "") -> str:
    items = [line for line in lines if line]
    return "\n".join(f"{indent}- {line}" for line in items) if items else f"{indent}- nothing else changes"


def ttl_note(ttl: int | None) -> str:
    """Why a fixed record may not show up at once (checks-email.md §2: TTL caching at resolvers)."""
    if not ttl or ttl <= 60:
        return ""
    if ttl >= 3600:
        span = f"{ttl // 3600} hour" + ("s" if ttl >= 7200 else "")
    else:
        span = f"{ttl // 60} minutes"
    return (f"\nThe old record is cached for up to {span} (its TTL): if a re-check still shows the old value "
            "right after you change it, wait that long.")


def findings_json(findings: Iterable[Finding]) -> list[dict[str, object]]:
    return [f.to_json() for f in ordered(findings)]
