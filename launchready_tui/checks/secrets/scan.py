"""The scans the checks and ``launchready secrets`` run: rules for a repository, then findings.

Turns engine matches into contract findings (classify, fingerprint, redact, accept) in one place, so
the checks, the CLI and the benchmark report the same thing. Raw secrets live only inside these
functions (to classify them and to ask git whether they are still in HEAD) and are dropped on return.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from launchready_tui.checks.secrets.classify import classify, prefer
from launchready_tui.checks.secrets.control import Control
from launchready_tui.checks.secrets.engine import Match, Scanner
from launchready_tui.checks.secrets.findings import Acceptances, Finding, make_finding, sort_findings
from launchready_tui.checks.secrets.history import HistoryScan, scan_history, secrets_at_head
from launchready_tui.checks.secrets.rules import RuleSet, build_ruleset, read_rule_file
from launchready_tui.checks.secrets.tree import TreeScan, scan_tree

USER_RULE_FILES = (".gitleaks.toml", ".launchready-rules.toml")
MAX_EVIDENCE_FINDINGS = 300  # a report lists this many; counts cover all


@dataclass(slots=True)
class RuleChoice:
    ruleset: RuleSet
    user_files: list[str] = field(default_factory=list)


def rules_for(repo: Path | None, extra: Iterable[Path] = ()) -> RuleChoice:
    """Built-in rules + the repository's own ``.gitleaks.toml`` + files given with ``--rules``.

    Raises RuleFileError (naming file and rule) for a malformed user file."""
    files: list[tuple[str, str]] = []
    names: list[str] = []
    candidates = [repo / n for n in USER_RULE_FILES] if repo is not None else []
    for path in [*candidates, *extra]:
        if path in candidates and not path.is_file():
            continue
        files.append((str(path), read_rule_file(path)))
        names.append(str(path))
    return RuleChoice(_cached_ruleset(tuple(files)), names)


@functools.lru_cache(maxsize=8)
def _cached_ruleset(files: tuple[tuple[str, str], ...]) -> RuleSet:
    return build_ruleset(list(files))


def scanner_for(ruleset: RuleSet) -> Scanner:
    if ruleset.scanner is None:
        ruleset.scanner = Scanner(ruleset)
    return ruleset.scanner  # type: ignore[no-any-return]


def findings_from(matches: list[Match], ruleset: RuleSet, acceptances: Acceptances | None, *, where: str,
                  **location: object) -> list[Finding]:
    out = []
    for m in prefer(matches):
        verdict = classify(m, ruleset, where=where)
        if verdict is None:
            continue
        loc = dict(location)
        loc.setdefault("line", m.line)
        f = make_finding(m, verdict, **loc)  # type: ignore[arg-type]
        out.append(acceptances.apply(f) if acceptances else f)
    return out


def tree_findings(path: Path, ruleset: RuleSet, acceptances: Acceptances | None,
                  control: Control) -> tuple[TreeScan, list[Finding]]:
    scanner = scanner_for(ruleset)
    result = scan_tree(path, scanner, control)
    by_file: dict[str, list[Match]] = {}
    for rel, m in result.matches:
        by_file.setdefault(rel, []).append(m)
    findings: list[Finding] = []
    for rel, matches in by_file.items():
        findings += findings_from(matches, ruleset, acceptances, where="code", file=rel, commit=None)
    return result, sort_findings(findings)


def history_findings(repo: Path, ruleset: RuleSet, acceptances: Acceptances | None, control: Control,
                     *, merges: bool = False) -> tuple[HistoryScan, list[Finding]]:
    scanner = scanner_for(ruleset)
    result = scan_history(repo, scanner, control, merges=merges)
    grouped: dict[tuple[str, str], list[Match]] = {}
    info = {}
    for hit in result.hits:
        key = (hit.commit.sha, hit.path)
        grouped.setdefault(key, []).append(hit.match)
        info[key] = hit.commit
    findings: list[Finding] = []
    # what to look for in HEAD, per finding: the secret, or its encoded form when it was found decoded
    probes: list[str] = []
    for (sha, path), matches in grouped.items():
        commit = info[(sha, path)]
        for m in prefer(matches):
            verdict = classify(m, ruleset, where="code")
            if verdict is None:
                continue
            f = make_finding(m, verdict, file=path, line=m.line, commit=sha, author=commit.author, date=commit.date)
            probes.append(head_probe(m))
            findings.append(acceptances.apply(f) if acceptances else f)
    if probes and not result.error:
        control.say("checking which keys are still in HEAD", force=True)
        still = secrets_at_head(repo, probes)
        for f, probe in zip(findings, probes, strict=True):
            f.at_head = probe in still
    probes.clear()
    return result, sort_findings(findings)


def head_probe(match: Match) -> str:
    """The text ``git grep`` looks for: the secret itself, or for a decoded one the longest line of its
    encoded form (wrapped base64 spans lines; one full line is as unique as the whole)."""
    if not match.encoded:
        return match.secret
    return max(match.encoded.split(), key=len, default=match.secret)


def text_findings(text: str, ruleset: RuleSet, *, url: str, where: str = "bundle", source: str | None = None,
                  path: str | None = None) -> list[Finding]:
    """Findings in a downloaded text (bundle, source map source, served .env): byte offsets, not lines,
    for one-line bundles."""
    scanner = scanner_for(ruleset)
    matches = scanner.scan(text, path)
    out = []
    encoded_upto = 0
    offset_chars = 0
    single_line = "\n" not in text[: min(len(text), 200_000)]
    for m in prefer(matches):
        verdict = classify(m, ruleset, where=where)
        if verdict is None:
            continue
        # byte offset of the secret (bundles are mostly ASCII: encode only the stretch since the last one)
        if m.secret_start >= encoded_upto:
            offset_chars += len(text[encoded_upto:m.secret_start].encode("utf-8", "replace"))
        else:
            offset_chars = len(text[:m.secret_start].encode("utf-8", "replace"))
        encoded_upto = m.secret_start
        f = make_finding(m, verdict, file=None, commit=None, url=url, source=source,
                         line=None if (single_line and source is None) else m.line, offset=offset_chars)
        out.append(f)
    return out


def evidence_list(findings: list[Finding]) -> tuple[list[dict[str, object]], int]:
    shown = findings[:MAX_EVIDENCE_FINDINGS]
    return [f.to_json() for f in shown], len(findings) - len(shown)
