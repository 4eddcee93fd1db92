"""Reading a health endpoint's answer (monitoring.md §2): format, verdict, caching, leaks, and which edge served it.

Pure functions over a fetched response, so the rules are testable without a server. The body format is the
(expired, informational) Internet-Draft ``draft-inadarei-api-health-check-06``: ``application/health+json``
with ``status`` pass|warn|fail (aliases ok/up, error/down) and optional ``checks`` keyed
``"<component>:<measurement>"``. We check it as a convention, never as a requirement.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from launchready_tui.core.redact import find_secrets

STATUS_ALIASES = {"pass": "pass", "ok": "pass", "up": "pass", "healthy": "pass", "warn": "warn",
                  "fail": "fail", "error": "fail", "down": "fail", "unhealthy": "fail"}
STATIC_OK = re.compile(r"^\s*(?:ok|okay|up|healthy|alive|pong|running|true|1|\{\s*\})\s*$", re.I)
LEAK_PATTERNS = (
    re.compile(r"Traceback \(most recent call last\)|^\s+at [\w.$<>]+\s*\(.+:\d+:\d+\)|Exception in thread|"
               r"panic: |\bstack trace\b", re.I | re.M),
    re.compile(r"\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqp)://[^\s\"']+", re.I),
)
# Response headers that name the edge (CDN / platform) in front of the origin.
EDGE_MARKERS: tuple[tuple[str, str, str | None], ...] = (
    ("cf-ray", "Cloudflare", None), ("server", "Cloudflare", "cloudflare"), ("x-vercel-id", "Vercel", None),
    ("x-nf-request-id", "Netlify", None), ("x-amz-cf-id", "CloudFront", None), ("x-served-by", "Fastly", "cache-"),
    ("fly-request-id", "Fly.io", None), ("rndr-id", "Render", None), ("x-akamai-transformed", "Akamai", None),
    ("akamai-grn", "Akamai", None), ("server", "Vercel", "vercel"), ("server", "Netlify", "netlify"),
)


@dataclass(slots=True)
class HealthReading:
    format: str  # "health+json", "json", "text", "empty"
    status: str | None = None  # normalised pass / warn / fail from the body, if any
    checks: int = 0  # number of component checks reported
    problems: list[str] = field(default_factory=list)  # warn-level findings, plain words
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "body_status": self.status, "component_checks": self.checks,
                "problems": self.problems, "notes": self.notes}


def cached_reason(headers: httpx.Headers) -> str | None:
    """Why a shared cache may serve this answer, or None (no-store/private/max-age=0 and no cache hit)."""
    cc = headers.get("cache-control", "").lower()
    age = headers.get("age", "").strip()
    for name in ("cf-cache-status", "x-cache", "x-vercel-cache", "x-cache-status"):
        value = headers.get(name, "").lower()
        if "hit" in value:
            return f"{name}: {headers.get(name)}: a cache answered, not your app"
    if age.isdigit() and int(age) > 0:
        return f"Age: {age}: the answer came out of a cache"
    if "no-store" in cc or "private" in cc or "no-cache" in cc:
        return None
    m = re.search(r"(?:s-maxage|max-age)\s*=\s*(\d+)", cc)
    if m and int(m.group(1)) > 0 and ("public" in cc or "s-maxage" in cc):
        return f"Cache-Control: {headers.get('cache-control')}: shared caches may keep it for {m.group(1)} s"
    return None


def edge_of(headers: httpx.Headers) -> str | None:
    for name, edge, needle in EDGE_MARKERS:
        value = headers.get(name)
        if value is not None and (needle is None or needle in value.lower()):
            return edge
    return None


def read_health(status_code: int, headers: httpx.Headers, body: str) -> HealthReading:
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    text = body.strip()
    if not text:
        return HealthReading("empty", notes=["the body is empty: only the status code carries the verdict"])
    data: Any = None
    if "json" in ctype or text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
    reading: HealthReading
    if isinstance(data, dict):
        reading = HealthReading("health+json" if ctype == "application/health+json" else "json")
        raw = data.get("status")
        reading.status = STATUS_ALIASES.get(str(raw).lower()) if raw is not None else None
        checks = data.get("checks")
        reading.checks = sum(len(v) if isinstance(v, list) else 1 for v in checks.values()) \
            if isinstance(checks, dict) else 0
        if reading.status is None:
            reading.notes.append("the JSON has no 'status' field (pass / warn / fail)")
        if reading.checks == 0:
            reading.problems.append("the health answer reports no component checks (database, queue, AI "
                                    "provider): it proves the web server runs, not that the product works")
        if reading.format == "json":
            reading.notes.append("served as " + (ctype or "no content type") + "; application/health+json is "
                                 "the convention (draft-inadarei-api-health-check)")
    else:
        reading = HealthReading("text")
        if STATIC_OK.match(text):
            reading.problems.append(f"the health URL answers a static {text[:20]!r}: it says ok whatever the "
                                    "database, queue or AI provider do")
        elif re.search(r"\b(?:fail|down|error|unhealthy)\b", text[:200], re.I):
            reading.status = "fail"
    if reading.status == "fail" and 200 <= status_code < 400:
        reading.problems.append(f"the body says the service is failing but the status code is {status_code}: "
                                "uptime tools only read the code, so nobody is alerted (answer 503 on fail)")
    elif reading.status == "pass" and status_code >= 400:
        reading.notes.append(f"the body says pass but the status code is {status_code}")
    leaks = [p.pattern for p in LEAK_PATTERNS if p.search(body)]
    secrets = [kind for kind, _s, _e in find_secrets(body) if kind != "high-entropy string"]
    if leaks or secrets:
        what = ", ".join(sorted(set(secrets))) or "a stack trace or a connection string"
        reading.problems.append(f"the public health answer leaks {what}: anyone can read your internals")
    return reading
