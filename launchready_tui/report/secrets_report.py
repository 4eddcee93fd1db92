"""Renderers for ``launchready secrets``: one line per finding (text, markdown), SARIF 2.1.0 with a result
per finding (file, line, content fingerprint) so CI can upload it, JUnit with a case per finding.

JSON uses the common report (report/formats.py) so ``evidence.findings`` has the contract shape. Pure
functions over check results; findings are already redacted, nothing here sees a raw secret.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from launchready_tui import __version__
from launchready_tui.core.model import CheckResult

_SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "review": "note"}


def _findings(results: list[CheckResult]) -> list[tuple[CheckResult, dict[str, Any]]]:
    return [(r, f) for r in results for f in r.evidence.get("findings", []) if isinstance(f, dict)]


def _where(f: dict[str, Any]) -> str:
    if f.get("url"):
        src = f" → {f['source']}" if f.get("source") else ""
        pos = f":{f['line']}" if f.get("line") and f.get("source") else (
            f" @ byte {f['offset']}" if f.get("offset") is not None else "")
        return f"{f['url']}{src}{pos}"
    loc = f"{f.get('file')}:{f.get('line')}" if f.get("line") else str(f.get("file"))
    if f.get("commit"):
        loc += f" (commit {f['commit'][:7]}{', ' + f['date'][:10] if f.get('date') else ''}"
        loc += ", still in HEAD)" if f.get("at_head") else ", only in history)" if f.get("at_head") is False else ")"
    return loc


def _tag(f: dict[str, Any]) -> str:
    if f.get("accepted"):
        return "ACCEPTED"
    if f.get("verdict") == "public":
        return "public"
    return str(f.get("severity", "secret")).upper()


def render_text(results: list[CheckResult], unused: list[str]) -> str:
    lines = [f"launchready {__version__} — secrets", ""]
    for r in results:
        lines.append(f"{r.status.label:<10} {r.id:<22} {r.summary}")
        for f in r.evidence.get("findings", []):
            lines.append(f"    [{_tag(f)}] {f['provider']} ({f['rule_id']}) {f['preview']} in {_where(f)}")
            lines.append(f"        fingerprint {f['fingerprint']}" + (f" — {f['accepted_reason']}"
                                                                        if f.get("accepted_reason") else ""))
            if f.get("verdict") == "public" and f.get("note"):
                lines.append(f"        {f['note']}")
        hidden = r.evidence.get("findings_not_listed")
        if hidden:
            lines.append(f"    … and {hidden} more (see --format json)")
        for note in r.evidence.get("notes", []):
            lines.append(f"    note: {note}")
        if r.fix and r.status.value in ("fail", "warn"):
            lines.append("    fix: " + r.fix.strip().replace("\n", "\n         "))
        lines.append("")
    if unused:
        lines.append("Accepted in the project file but not found any more (remove them): " + ", ".join(unused))
        lines.append("")
    open_ = sum(1 for _r, f in _findings(results) if f["verdict"] == "secret" and not f["accepted"])
    lines.append(f"{open_} open finding(s). Accept a false alarm with: launchready secrets --accept FINGERPRINT "
                 "--reason \"why\"")
    return "\n".join(lines) + "\n"


def render_markdown(results: list[CheckResult], unused: list[str]) -> str:
    out = ["# Secrets scan", "", "| status | check | summary |", "|---|---|---|"]
    cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    out += [f"| {r.status.label} | `{r.id}` | {cell(r.summary)} |" for r in results]
    found = _findings(results)
    if found:
        out += ["", "## Findings", "", "| | provider | rule | preview | where | fingerprint |",
                "|---|---|---|---|---|---|"]
        out += [f"| {_tag(f)} | {cell(f['provider'])} | `{f['rule_id']}` | `{f['preview']}` | {cell(_where(f))} | "
                f"`{f['fingerprint']}` |" for _r, f in found]
    for r in results:
        if r.fix and r.status.value in ("fail", "warn"):
            out += ["", f"**Fix for `{r.id}`**", "", r.fix]
    if unused:
        out += ["", "Accepted but no longer found: " + ", ".join(f"`{u}`" for u in unused)]
    return "\n".join(out) + "\n"


def render_sarif(results: list[CheckResult], unused: list[str]) -> str:
    rules: dict[str, dict[str, Any]] = {}
    sarif_results = []
    for r, f in _findings(results):
        rid = f["rule_id"]
        rules.setdefault(rid, {"id": rid, "name": rid, "shortDescription": {"text": f.get("description") or rid},
                               "properties": {"provider": f["provider"]}})
        if f["verdict"] == "public":
            level = "note"
        else:
            level = _SARIF_LEVEL.get(f.get("severity", "high"), "warning")
        msg = f"{f['provider']} {'public key' if f['verdict'] == 'public' else 'secret'} {f['preview']} ({r.id})"
        if f.get("commit"):
            msg += f" in commit {f['commit'][:12]}" + (" (still in HEAD)" if f.get("at_head") else "")
        loc: dict[str, Any]
        if f.get("file"):
            region = {"startLine": f["line"]} if f.get("line") else {}
            loc = {"physicalLocation": {"artifactLocation": {"uri": f["file"], "uriBaseId": "SRCROOT"},
                                        **({"region": region} if region else {})}}
        else:
            loc = {"physicalLocation": {"artifactLocation": {"uri": f.get("url") or ""}}}
        item: dict[str, Any] = {
            "ruleId": rid, "level": level, "message": {"text": msg}, "locations": [loc],
            "partialFingerprints": {"launchready/v1": f["fingerprint"]},
            "properties": {"check": r.id, "verdict": f["verdict"], "severity": f.get("severity"),
                           "commit": f.get("commit"), "at_head": f.get("at_head")},
        }
        if f.get("accepted"):
            item["suppressions"] = [{"kind": "external", "justification": f.get("accepted_reason", "accepted")}]
        sarif_results.append(item)
    for r in results:
        if r.status.value == "error":
            sarif_results.append({"ruleId": r.id, "level": "note", "message": {"text": f"not measured: {r.summary}"},
                                  "locations": []})
            rules.setdefault(r.id, {"id": r.id, "name": r.title, "shortDescription": {"text": r.title}})
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "launchready", "version": __version__,
                                      "rules": list(rules.values())}},
                  "results": sarif_results}],
    }
    return json.dumps(sarif, indent=2) + "\n"


def render_junit(results: list[CheckResult], unused: list[str]) -> str:
    suite = ET.Element("testsuite", name="launchready secrets", tests=str(len(results)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname="launchready.secrets", name=r.id,
                             time=f"{r.duration_ms / 1000:.3f}")
        if r.status.value in ("fail", "warn"):
            el = ET.SubElement(case, "failure", message=r.summary, type=r.status.value)
            el.text = "\n".join(f"[{_tag(f)}] {f['provider']} {f['preview']} in {_where(f)} ({f['fingerprint']})"
                                for f in r.evidence.get("findings", []))
        elif r.status.value == "error":
            ET.SubElement(case, "error", message=r.summary)
        elif r.status.value in ("skipped", "manual"):
            ET.SubElement(case, "skipped", message=r.summary)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "sarif": render_sarif, "junit": render_junit}
