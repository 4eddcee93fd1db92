"""Report renderers shared by the headless CLI and the wizard's export: json, text, markdown, junit, sarif.

Pure functions over results; no I/O. Every stage appears in every report (contract): a check that
did not run is listed as ``skipped`` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from launchready_tui import __version__
from launchready_tui.core import catalogue
from launchready_tui.core.model import STATUS_SEVERITY, CheckResult, Status
from launchready_tui.core.project import Project
from launchready_tui.core.risk import rank_risks
from launchready_tui.core.stages import STAGES

SCHEMA = "launchready.report/1"
FORMATS = ("text", "json", "markdown", "junit", "sarif")


def _not_run(spec: catalogue.CheckSpec) -> CheckResult:
    return CheckResult(id=spec.id, title=spec.title, status=Status.SKIPPED, stage=spec.stage, impact=spec.impact,
                       summary="not run in this audit")


def stage_results(results: Iterable[CheckResult]) -> list[tuple[Any, list[CheckResult]]]:
    """(stage, results) for all seven stages; email checks that ran are shown in stage 1."""
    by_id = {r.id: r for r in results}
    out = []
    for stage in STAGES:
        rows = [by_id.get(spec.id) or _not_run(spec) for spec in stage.checks]
        if stage.number == 1:
            rows += [by_id[i] for i in catalogue.EMAIL_CHECK_IDS if i in by_id]
        out.append((stage, rows))
    return out


def counts(results: Iterable[CheckResult]) -> dict[str, int]:
    tally = {s.value: 0 for s in Status}
    for r in results:
        tally[r.status.value] += 1
    return tally


# scheme://user:PASSWORD@host: a URL typed into the project file (app_url, an endpoint, health_url) may carry one,
# and checks copy URLs into evidence and summaries. Only the password is masked: fingerprints, hashes and the
# rest of the evidence are left exactly as the contract shapes them.
_URL_PASSWORD = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@'\"]*:)([^\s/@'\"]+)(@)")


def mask_url_passwords(value: Any) -> Any:
    """``value`` (text, or lists/dicts of it) with every ``scheme://user:PASSWORD@`` password masked."""
    if isinstance(value, str):
        return _URL_PASSWORD.sub(r"\1••••\3", value) if "@" in value else value
    if isinstance(value, dict):
        return {k: mask_url_passwords(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_url_passwords(v) for v in value]
    return value


def build_report(project: Project, results: list[CheckResult], generated_at: datetime | None = None) -> dict[str, Any]:
    staged = stage_results(results)
    every = [r for _, rows in staged for r in rows]
    return mask_url_passwords({
        "schema": SCHEMA,
        "tool_version": __version__,
        "generated_at": (generated_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "project": {"product": project.product, "domain": project.domain},
        "stages": [
            {"number": s.number, "id": s.id, "title": s.title, "checks": [r.to_json() for r in rows]}
            for s, rows in staged
        ],
        "risks": [r.to_json() for r in rank_risks(results)],
        "counts": counts(every),
    })


def exceeds(results: Iterable[CheckResult], fail_on: str) -> bool:
    """True when a finding is at or above ``--fail-on`` (fail|warn|never)."""
    if fail_on == "never":
        return False
    floor = STATUS_SEVERITY[Status.FAIL if fail_on == "fail" else Status.WARN]
    return any(STATUS_SEVERITY[r.status] >= floor and r.status in (Status.FAIL, Status.WARN) for r in results)


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"


def _label(status: str) -> str:
    return Status(status).label


def render_text(report: dict[str, Any]) -> str:
    lines = [f"launchready {report['tool_version']} — {report['project']['product'] or report['project']['domain']}"
             f" ({report['project']['domain']}), {report['generated_at']}", ""]
    for stage in report["stages"]:
        ran = [c for c in stage["checks"] if c["summary"] != "not run in this audit"]
        lines.append(f"Stage {stage['number']} — {stage['title']}" + ("" if ran else " (not run)"))
        for c in ran:
            blocker = "  BLOCKER" if c["blocker"] else ""
            lines.append(f"  {_label(c['status']):<10} {c['id']:<28} {c['summary']} ({c['duration_ms']} ms){blocker}")
        lines.append("")
    if report["risks"]:
        lines.append("Risks, most costly first:")
        for risk in report["risks"]:
            lines.append(f"  {risk['rank']:>2}. [{risk['impact']}] {risk['check_id']}: {risk['summary']}")
        lines.append("")
    c = report["counts"]
    lines.append("  ".join(f"{k}: {v}" for k, v in c.items()))
    return "\n".join(lines) + "\n"


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    p = report["project"]
    out = [f"# Launch readiness: {p['product'] or p['domain']}", "",
           f"Domain `{p['domain']}` · generated {report['generated_at']} · launchready {report['tool_version']}", ""]
    c = report["counts"]
    out += ["| " + " | ".join(Status(k).label for k in c) + " |", "|" + "---|" * len(c),
            "| " + " | ".join(str(v) for v in c.values()) + " |", ""]
    if report["risks"]:
        out += ["## Risks, most costly first", "", "| # | impact | check | finding |", "|---|---|---|---|"]
        out += [f"| {r['rank']} | {r['impact']} | `{r['check_id']}` | {_md_cell(r['summary'])} |"
                for r in report["risks"]]
        out.append("")
    for stage in report["stages"]:
        out += [f"## Stage {stage['number']} — {stage['title']}", "", "| status | check | finding | ms |",
                "|---|---|---|---|"]
        out += [f"| {_label(ch['status'])} | `{ch['id']}` {_md_cell(ch['title'])} | {_md_cell(ch['summary'])} "
                f"| {ch['duration_ms']} |" for ch in stage["checks"]]
        fixes = [ch for ch in stage["checks"] if ch["fix"] and ch["status"] in ("fail", "warn")]
        for ch in fixes:
            out += ["", f"**Fix for `{ch['id']}`**", "", ch["fix"]]
        out.append("")
    return "\n".join(out)


def render_junit(report: dict[str, Any]) -> str:
    suites = ET.Element("testsuites", name="launchready")
    for stage in report["stages"]:
        checks = stage["checks"]
        suite = ET.SubElement(
            suites, "testsuite", name=f"stage {stage['number']}: {stage['title']}", tests=str(len(checks)),
            failures=str(sum(c["status"] in ("fail", "warn") for c in checks)),
            errors=str(sum(c["status"] == "error" for c in checks)),
            skipped=str(sum(c["status"] in ("skipped", "manual") for c in checks)),
        )
        for c in checks:
            case = ET.SubElement(suite, "testcase", classname=f"launchready.stage{stage['number']}", name=c["id"],
                                 time=f"{c['duration_ms'] / 1000:.3f}")
            if c["status"] in ("fail", "warn"):
                el = ET.SubElement(case, "failure", message=c["summary"], type=c["status"])
                el.text = c["fix"] or ""
            elif c["status"] == "error":
                ET.SubElement(case, "error", message=c["summary"])
            elif c["status"] in ("skipped", "manual"):
                ET.SubElement(case, "skipped", message=c["summary"])
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def render_sarif(report: dict[str, Any]) -> str:
    rules, results = [], []
    for stage in report["stages"]:
        for c in stage["checks"]:
            rules.append({"id": c["id"], "name": c["title"], "shortDescription": {"text": c["title"]}})
            if c["status"] in ("fail", "warn", "error"):
                level = {"fail": "error", "warn": "warning", "error": "note"}[c["status"]]
                results.append({
                    "ruleId": c["id"], "level": level, "message": {"text": c["summary"]},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": c["target"] or
                                                                             report["project"]["domain"]}}}],
                })
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "launchready", "version": report["tool_version"], "rules": rules}},
                  "results": results}],
    }
    return json.dumps(sarif, indent=2) + "\n"


RENDERERS = {"json": render_json, "text": render_text, "markdown": render_markdown, "junit": render_junit,
             "sarif": render_sarif}


def render(report: dict[str, Any], fmt: str) -> str:
    return RENDERERS[fmt](report)
