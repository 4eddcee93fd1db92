"""The founder's AI endpoint as a request template (project file ``ai_endpoint:``, ai-probes.md §5).

``{prompt}`` sits inside a JSON string in ``body_template``; it is replaced by the JSON-escaped prompt
(``json.dumps(prompt)[1:-1]``), never with ``str.format`` (the template's own braces would break it).
``{secret:NAME}`` in a header is resolved from the vault at send time and never stored or shown.
``response_path`` is a dotted path into the JSON answer where a number indexes a list
(``choices.0.message.content``). Every problem is a TemplateError or PathError with one plain sentence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from launchready_tui.core.project import AiEndpoint, Project

PROMPT = "{prompt}"
SECRET_REF = re.compile(r"\{secret:([A-Za-z0-9_.:-]+)\}")
STREAM_MODES = ("none", "sse", "chunked")
# Quotes, a backslash, newlines, braces and non-ASCII: what probes contain and naive templating breaks on.
SAMPLE_PROMPT = 'He said "hi" \\ then\nnew line {braces} {} and non-ASCII: é 漢字 🚀'
DEFAULT_DENYLIST = ("*refund*", "*delete*", "*remove_user*", "send_email", "*send_mail*", "*email*", "*transfer*",
                    "*payout*", "*payment*", "*charge*", "drop_*", "*grant*", "*admin*")


class TemplateError(Exception):
    """The ai_endpoint settings cannot be used; ``str()`` is the plain reason."""


class PathError(Exception):
    """The response path does not resolve in an answer; ``str()`` names the path and the keys there are."""


@dataclass(frozen=True, slots=True)
class LatencyPlan:
    sequential: int = 20
    rounds: int = 4
    width: int = 5  # concurrent requests per round

    @property
    def total(self) -> int:
        return self.sequential + self.rounds * self.width


@dataclass(frozen=True, slots=True)
class AiTarget:
    """The validated ai_endpoint, with the proposed fields of ai-probes.md §5 read from its extras."""

    url: str
    method: str
    headers: dict[str, str]
    body_template: str
    response_path: str
    canaries: tuple[str, ...]
    timeout_s: float
    max_requests: int
    tool_calls_path: str = ""
    second_user_headers: dict[str, str] = field(default_factory=dict)
    stream: str = "none"
    price_in_per_mtok: float | None = None
    price_out_per_mtok: float | None = None
    tool_denylist: tuple[str, ...] = DEFAULT_DENYLIST
    latency: LatencyPlan = LatencyPlan()

    def secret_names(self) -> list[str]:
        names: list[str] = []
        for value in [*self.headers.values(), *self.second_user_headers.values()]:
            names += SECRET_REF.findall(value)
        return list(dict.fromkeys(names))


def render_body(template: str, prompt: str) -> str:
    """The request body with ``prompt`` JSON-escaped into every ``{prompt}``."""
    return template.replace(PROMPT, json.dumps(prompt)[1:-1])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def validate_template(template: str) -> None:
    """Refuse a template that would not carry the probes intact (ai-probes.md §5: render a nasty probe and parse it)."""
    if PROMPT not in template:
        raise TemplateError(
            "ai_endpoint.body_template has no {prompt}, so every probe would send the same fixed text and prove "
            'nothing. Put {prompt} where the user\'s message goes, inside quotes, e.g. {"message": "{prompt}"}')
    rendered = render_body(template, SAMPLE_PROMPT)
    try:
        decoded = json.loads(rendered)
    except json.JSONDecodeError as exc:
        raise TemplateError(
            f"ai_endpoint.body_template is not valid JSON once {{prompt}} is filled in ({exc.msg} at line "
            f"{exc.lineno}, column {exc.colno}). {{prompt}} must sit inside a JSON string, like "
            '{"message": "{prompt}"}') from None
    if not any(SAMPLE_PROMPT in s for s in _strings(decoded)):
        raise TemplateError("ai_endpoint.body_template does not carry the prompt intact: {prompt} must sit inside "
                            'one JSON string, like {"message": "{prompt}"}')


def _number(extra: dict[str, Any], key: str) -> float | None:
    value = extra.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TemplateError(f"ai_endpoint.{key} must be a price in dollars per million tokens, like 0.15")
    return float(value)


def _headers(extra: dict[str, Any], key: str) -> dict[str, str]:
    value = extra.get(key) or {}
    if not isinstance(value, dict):
        raise TemplateError(f"ai_endpoint.{key} must be a mapping of header names to values")
    return {str(k): str(v) for k, v in value.items()}


def _latency(extra: dict[str, Any]) -> LatencyPlan:
    raw = extra.get("latency")
    if raw is None:
        return LatencyPlan()
    if not isinstance(raw, dict):
        raise TemplateError("ai_endpoint.latency must be a mapping like {sequential: 20, rounds: 4, width: 5}")
    try:
        plan = LatencyPlan(int(raw.get("sequential", 20)), int(raw.get("rounds", 4)), int(raw.get("width", 5)))
    except (TypeError, ValueError):
        raise TemplateError("ai_endpoint.latency values must be whole numbers") from None
    if min(plan.sequential, plan.rounds, plan.width) < 0 or plan.width > 10 or plan.total < 20:
        raise TemplateError("ai_endpoint.latency needs at least 20 requests in all (p95 is judged on n >= 20) "
                            "and at most 10 at once")
    return plan


def target_from(ai: AiEndpoint) -> AiTarget:
    """Validate and read the endpoint; raises TemplateError with the reason."""
    validate_template(ai.body_template)
    extra = ai.extra or {}
    stream = str(extra.get("stream", "none") or "none").lower()
    if stream not in STREAM_MODES:
        raise TemplateError(f"ai_endpoint.stream must be one of {', '.join(STREAM_MODES)}, not {stream!r}")
    denylist = extra.get("tool_denylist")
    if denylist is not None and not (isinstance(denylist, list) and all(isinstance(d, str) for d in denylist)):
        raise TemplateError("ai_endpoint.tool_denylist must be a list of tool names (wildcards allowed: delete*)")
    return AiTarget(
        url=ai.url, method=ai.method.upper(), headers=dict(ai.headers), body_template=ai.body_template,
        response_path=ai.response_path.strip(), canaries=tuple(c for c in ai.canaries if c.strip()),
        timeout_s=float(ai.timeout_s), max_requests=int(ai.max_requests),
        tool_calls_path=str(extra.get("tool_calls_path") or "").strip(),
        second_user_headers=_headers(extra, "second_user_headers"), stream=stream,
        price_in_per_mtok=_number(extra, "price_in_per_mtok"),
        price_out_per_mtok=_number(extra, "price_out_per_mtok"),
        tool_denylist=tuple(denylist) if denylist else DEFAULT_DENYLIST,
        latency=_latency(extra),
    )


def target_for(project: Project) -> AiTarget | None:
    """The project's AI endpoint, or None when it has none; raises TemplateError when it is unusable."""
    return target_from(project.ai_endpoint) if project.ai_endpoint is not None else None


def fill_headers(headers: dict[str, str], secrets: dict[str, str]) -> dict[str, str]:
    """Headers with each ``{secret:NAME}`` replaced; the caller checked every name is in ``secrets``."""
    return {k: SECRET_REF.sub(lambda m: secrets.get(m.group(1), ""), v) for k, v in headers.items()}


def _describe_keys(value: Any) -> str:
    if isinstance(value, dict):
        keys = [str(k) for k in value][:12]
        return "the keys there are: " + (", ".join(keys) if keys else "none (an empty object)")
    if isinstance(value, list):
        return f"there is a list of {len(value)} items"
    return f"there is a {type(value).__name__} value"


def extract(data: Any, path: str) -> Any:
    """Follow a dotted path; raises PathError naming the missing part and what is there instead."""
    if not path:
        return data
    current = data
    walked: list[str] = []
    for part in path.split("."):
        where = ".".join(walked) or "the top level"
        if isinstance(current, list) and re.fullmatch(r"-?\d+", part):
            index = int(part)
            if not -len(current) <= index < len(current):
                raise PathError(f"response path '{path}' not found: {where} is a list of {len(current)} items, "
                                f"so [{index}] does not exist")
            current = current[index]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            raise PathError(f"response path '{path}' not found: no '{part}' at {where}; {_describe_keys(current)}")
        walked.append(part)
    return current


def as_text(value: Any, path: str) -> str:
    """The reply text at the path: a string, or the text parts of a content-block list (Anthropic style)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) and isinstance(v.get("text"), str) for v in value):
        return "".join(v["text"] for v in value)
    shown = path or "the answer"
    raise PathError(f"response path '{shown}' points to {_describe_keys(value).removeprefix('there is ')}, not "
                    "to the reply text; point it at the text field (e.g. choices.0.message.content)")


def tool_call_names(value: Any) -> list[str]:
    """Tool names from OpenAI (``function.name``), Anthropic (``name``) or plain string lists."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            fn = item.get("function")
            name = fn.get("name") if isinstance(fn, dict) else item.get("name") or item.get("tool")
            if isinstance(name, str):
                names.append(name)
    return names
