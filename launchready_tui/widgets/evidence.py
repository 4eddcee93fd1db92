"""Turns a check's evidence and fix data into plain lines for the detail pane (pure; no Textual).

"What we measured" must show everything, not a digest: every redirect hop, every record, every sample. So the
renderer walks any JSON-shaped value; redirect hops (contract: ``evidence.hops``) get their own compact form.
It also picks the provider whose fix guide applies, from ``stack.providers`` evidence when that check ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from launchready_tui.core.model import CheckResult

INDENT = "  "
MAX_LINES = 400  # a pathological evidence blob must not freeze the pane; the export keeps it all


def _label(key: Any) -> str:
    return str(key).replace("_", " ")


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _is_hop(item: Any) -> bool:
    return isinstance(item, Mapping) and "url" in item and "status" in item


def _hop_lines(hops: list[Any], depth: int) -> list[str]:
    pad = INDENT * depth
    out = []
    for i, hop in enumerate(hops, 1):
        arrow = f" → {hop['location']}" if hop.get("location") else ""
        out.append(f"{pad}{i}. {_scalar(hop.get('status'))} {hop['url']}{arrow}")
    return out


def _walk(value: Any, depth: int, out: list[str]) -> None:
    pad = INDENT * depth
    if isinstance(value, Mapping):
        for key, sub in value.items():
            if isinstance(sub, list) and sub and all(_is_hop(h) for h in sub):
                out.append(f"{pad}{_label(key)}:")
                out.extend(_hop_lines(sub, depth + 1))
            elif isinstance(sub, Mapping | list) and sub:
                out.append(f"{pad}{_label(key)}:")
                _walk(sub, depth + 1, out)
            elif isinstance(sub, Mapping | list):
                out.append(f"{pad}{_label(key)}: none")
            else:
                out.append(f"{pad}{_label(key)}: {_scalar(sub)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and item:
                sub: list[str] = []
                _walk(item, depth + 1, sub)
                sub[0] = f"{pad}- {sub[0].lstrip()}"  # YAML-like: the first key shares the bullet's line
                out.extend(sub)
            elif isinstance(item, list):
                out.append(f"{pad}-")
                _walk(item, depth + 1, out)
            else:
                out.append(f"{pad}- {_scalar(item)}")
    else:
        out.append(f"{pad}{_scalar(value)}")


def evidence_lines(evidence: Mapping[str, Any]) -> list[str]:
    """Every key and value of the evidence, indented; redirect hops as ``1. 301 url → location``."""
    if not evidence:
        return ["(no details recorded)"]
    out: list[str] = []
    _walk(evidence, 0, out)
    if len(out) > MAX_LINES:
        hidden = len(out) - MAX_LINES
        out = out[:MAX_LINES] + [f"… {hidden} more lines: export the report to see them all"]
    return out


# ------------------------------------------------------------------------------------------------------
# Provider of the fix

_PROVIDER_KEYS = ("cdn", "dns", "dns_provider", "hosting", "host", "platform", "registrar", "provider", "providers")


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key in ("id", "name", "provider"):
            if isinstance(value.get(key), str):
                yield value[key]
                return
        for sub in value.values():
            yield from _names(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _names(sub)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def detected_providers(results: Mapping[str, CheckResult]) -> list[str]:
    """Provider slugs from ``stack.providers`` evidence, most specific layer first (CDN, DNS, hosting)."""
    found = results.get("stack.providers")
    if found is None:
        return []
    ev = found.evidence or {}
    out: list[str] = []
    for key in _PROVIDER_KEYS:
        if key in ev:
            out += [slug(n) for n in _names(ev[key])]
    return [p for p in dict.fromkeys(out) if p]


def provider_for(check_id: str, results: Mapping[str, CheckResult], available: Iterable[str]) -> str:
    """The first detected provider that has a fix guide for ``check_id``; otherwise "default"."""
    have = set(available)
    for p in detected_providers(results):
        if p in have:
            return p
        base = p.split("-")[0]  # "cloudflare-dns" -> "cloudflare"
        if base in have:
            return base
    return "default"
