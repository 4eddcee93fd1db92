"""Evidence of error tracking and alert rules in the founder's repository and live bundle (``monitor.error_tracking``).

Dependencies in manifests (package.json, requirements*.txt, pyproject.toml, Pipfile, Gemfile, go.mod,
composer.json) and init calls in code name the tool; a Sentry DSN in the live JavaScript proves the front end
reports. Alert rules are rarely in the repo: Prometheus rule files, Alertmanager config and Terraform Sentry
alert resources count, otherwise the founder states them in the wizard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFESTS = ("package.json", "requirements.txt", "requirements-prod.txt", "pyproject.toml", "Pipfile", "Gemfile",
             "go.mod", "composer.json")
TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Sentry", re.compile(r"[\"']@sentry/[a-z-]+[\"']|\bsentry-sdk\b|\bsentry-ruby\b|getsentry/sentry-go|"
                          r"sentry/sentry")),
    ("OpenTelemetry", re.compile(r"@opentelemetry/|\bopentelemetry-(?:sdk|api|distro)\b|go\.opentelemetry\.io")),
    ("Prometheus client", re.compile(r"\bprom-client\b|\bprometheus[_-]client\b|prometheus/client_golang")),
    ("Datadog", re.compile(r"\bdd-trace\b|\bddtrace\b|datadog")),
    ("Rollbar", re.compile(r"\brollbar\b")),
    ("Bugsnag", re.compile(r"@bugsnag/|\bbugsnag\b")),
    ("Honeybadger", re.compile(r"@honeybadger-io/|\bhoneybadger\b")),
    ("New Relic", re.compile(r"[\"']newrelic[\"']|\bnewrelic\b")),
    ("Highlight", re.compile(r"@highlight-run/")),
)
INIT_CALLS = re.compile(r"\bSentry\.init\s*\(|\bsentry_sdk\.init\s*\(|\bNodeSDK\s*\(|\bRollbar\.init|"
                        r"\bBugsnag\.start\s*\(|\bdd_trace|tracer\.init\s*\(")
SENTRY_DSN = re.compile(r"https://[0-9a-f]{32}@(?:[a-z0-9-]+\.)*(?:sentry\.io|ingest\.[a-z.]+)/\d+", re.I)
ALERT_FILES = (re.compile(r"(?:^|/)alertmanager\.ya?ml$"), re.compile(r"\.rules\.ya?ml$|(?:^|/)alerts?\.ya?ml$"))
TERRAFORM_ALERT = re.compile(r"resource\s+\"sentry_(?:issue|metric)_alert\"|resource\s+\"datadog_monitor\"")
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "dist", "build", ".next", "__pycache__", "vendor"})
CODE_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".py", ".rb", ".go", ".php"})
MAX_FILES = 3000
MAX_BYTES = 512 * 1024


@dataclass(slots=True)
class TrackingEvidence:
    tools: dict[str, list[str]] = field(default_factory=dict)  # tool -> where ("package.json", "src/x.js:2")
    alert_rules: list[str] = field(default_factory=list)  # files holding alert rules

    def add(self, tool: str, where: str) -> None:
        spots = self.tools.setdefault(tool, [])
        if where not in spots and len(spots) < 5:
            spots.append(where)

    def to_json(self) -> dict[str, Any]:
        return {"tools": self.tools, "alert_rule_files": self.alert_rules}


def _files(repo: Path) -> list[Path]:
    out: list[Path] = []
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo).parts
        if any(part in SKIP_DIRS for part in rel) or not path.is_file():
            continue
        out.append(path)
        if len(out) >= MAX_FILES:
            break
    return out


def scan_repo(repo: Path) -> TrackingEvidence:
    """Blocking: run it in a worker thread."""
    found = TrackingEvidence()
    for path in _files(repo):
        rel = path.relative_to(repo).as_posix()
        if any(p.search(rel) for p in ALERT_FILES):
            try:
                if "alert" in path.read_text(encoding="utf-8", errors="replace")[:MAX_BYTES]:
                    found.alert_rules.append(rel)
            except OSError:
                pass
            continue
        is_manifest = path.name in MANIFESTS
        if not is_manifest and path.suffix not in CODE_SUFFIXES and path.suffix != ".tf":
            continue
        try:
            if path.stat().st_size > MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if path.suffix == ".tf":
            if TERRAFORM_ALERT.search(text):
                found.alert_rules.append(rel)
            continue
        if is_manifest:
            for tool, pattern in TOOLS:
                if pattern.search(text):
                    found.add(tool, rel)
            continue
        for m in INIT_CALLS.finditer(text):
            call = m.group(0)
            tool = "Sentry" if "entry" in call else "OpenTelemetry" if "NodeSDK" in call else \
                "Rollbar" if "Rollbar" in call else "Bugsnag" if "Bugsnag" in call else "Datadog"
            found.add(tool, f"{rel}:{text.count(chr(10), 0, m.start()) + 1}")
    return found


def dsns_in(text: str) -> list[str]:
    return sorted(set(SENTRY_DSN.findall(text)))
