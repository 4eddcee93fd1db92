"""The finding shape of the contract (``evidence.findings``), fingerprints and accepted findings.

Contract keys, in this order: ``rule_id, provider, verdict, file, line, commit, url, preview, fingerprint,
accepted``; additive keys (secrets.md §9): ``severity, description, note, author, date, at_head, offset,
source, found_inside`` (``"found inside base64 (depth 1)"`` when the secret sat in encoded text:
decode.py). The fingerprint is content-based and position-free — ``sha256:`` + 16 hex of
``rule_id:secret`` (core/redact.fingerprint) — so an acceptance survives new commits, squashes and moved
lines, and a changed secret is a new finding (gitleaks #979, #2239). The raw secret never enters a
Finding: only its preview (``sk-p…3kQ``) and fingerprint.

Accepted findings come from the project file's ``accepted:`` list (fingerprint, reason, who, date) and,
for teams already using gitleaks, from a ``.gitleaksignore`` at the repository root
(``commit:file:rule:line`` or ``file:rule:line``). They stay in the report, marked, never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import date as _date
from pathlib import Path
from typing import Any

from launchready_tui.checks.secrets.classify import Verdict
from launchready_tui.checks.secrets.engine import Match
from launchready_tui.core.redact import fingerprint, preview

CONTRACT_KEYS = ("rule_id", "provider", "verdict", "file", "line", "commit", "url", "preview", "fingerprint",
                 "accepted")
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "review": 4}


@dataclass(slots=True)
class Finding:
    rule_id: str
    provider: str
    verdict: str
    preview: str
    fingerprint: str
    severity: str
    description: str = ""
    note: str = ""
    file: str | None = None
    line: int | None = None
    commit: str | None = None
    url: str | None = None
    offset: int | None = None  # byte offset in a bundle
    source: str | None = None  # path inside a source map's sourcesContent
    author: str | None = None
    date: str | None = None  # author date, ISO 8601
    at_head: bool | None = None  # history: is the secret still in HEAD?
    found_inside: str | None = None  # "found inside base64 (depth 1)": the secret was encoded where it was found
    accepted: bool = False
    accepted_reason: str | None = None
    warn_in_bundle: bool = False
    ask_rls: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in CONTRACT_KEYS}
        out["severity"] = self.severity
        for key in ("description", "note", "author", "date", "at_head", "offset", "source", "found_inside",
                    "accepted_reason"):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value
        return out

    @property
    def where(self) -> str:
        """Plain-words location: ``src/app.js:12 (commit 1b6da43)`` or ``https://…/app.js @ byte 1200``."""
        if self.url:
            loc = self.url + (f" → {self.source}" if self.source else "")
            if self.line is not None and self.source:
                loc += f":{self.line}"
            elif self.offset is not None:
                loc += f" @ byte {self.offset}"
            return loc + (f", {self.found_inside}" if self.found_inside else "")
        loc = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        loc += f" (commit {self.commit[:7]})" if self.commit else ""
        return loc + (f", {self.found_inside}" if self.found_inside else "")


def make_finding(match: Match, verdict: Verdict, **where: Any) -> Finding:
    return Finding(
        rule_id=match.rule.id, provider=verdict.provider, verdict=verdict.verdict, preview=preview(match.secret),
        fingerprint=fingerprint(match.secret, salt=match.rule.id), severity=verdict.severity,
        description=match.rule.description, note=verdict.note, warn_in_bundle=verdict.warn_in_bundle,
        ask_rls=verdict.ask_rls, found_inside=found_inside(match), **where,
    )


def found_inside(match: Match) -> str | None:
    """Plain words for a decoded finding: ``found inside base64 (depth 1)``, ``… base64, then percent (depth 2)``."""
    if not match.encoding:
        return None
    return f"found inside {match.encoding.replace(' > ', ', then ')} (depth {match.depth})"


@dataclass(slots=True)
class Acceptances:
    """Fingerprints accepted in the project file, plus gitleaks-style ignore entries."""

    by_fingerprint: dict[str, dict[str, Any]] = field(default_factory=dict)
    gitleaks_ignore: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, accepted: Iterable[dict[str, Any]], repo: Path | None = None) -> Acceptances:
        out = cls()
        for item in accepted:
            fp = str(item.get("fingerprint", "")).strip()
            if fp:
                out.by_fingerprint[fp] = dict(item)
        if repo is not None:
            out.gitleaks_ignore = read_gitleaksignore(repo / ".gitleaksignore")
        return out

    def apply(self, finding: Finding) -> Finding:
        entry = self.by_fingerprint.get(finding.fingerprint)
        if entry is not None:
            self.used.add(finding.fingerprint)
            finding.accepted = True
            who = entry.get("who") or "someone"
            when = entry.get("date") or "an unknown date"
            finding.accepted_reason = f"accepted by {who} on {when}: {entry.get('reason') or 'no reason given'}"
            return finding
        if self.gitleaks_ignore and finding.file and finding.line is not None:
            base = f"{finding.file}:{finding.rule_id}:{finding.line}"
            if base in self.gitleaks_ignore or (finding.commit and f"{finding.commit}:{base}" in self.gitleaks_ignore):
                finding.accepted = True
                finding.accepted_reason = "listed in .gitleaksignore"
        return finding

    def unused(self) -> list[str]:
        return sorted(set(self.by_fingerprint) - self.used)


def read_gitleaksignore(path: Path) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")}


def acceptance_entry(fp: str, reason: str, who: str, day: _date | None = None) -> dict[str, Any]:
    """What ``launchready secrets --accept`` writes into the project file: never the secret itself."""
    return {"fingerprint": fp, "reason": reason, "who": who, "date": (day or datetime.now(UTC).date()).isoformat()}


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.accepted, f.verdict != "secret", SEVERITY_RANK.get(f.severity, 9),
                                           f.file or f.url or "", f.line or 0))


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Unique secrets (by fingerprint), open vs accepted vs public."""
    secret, accepted, public = set(), set(), set()
    for f in findings:
        if f.verdict == "public":
            public.add(f.fingerprint)
        elif f.accepted:
            accepted.add(f.fingerprint)
        else:
            secret.add(f.fingerprint)
    return {"secrets": len(secret), "accepted": len(accepted - secret), "public": len(public)}
