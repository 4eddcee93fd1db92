"""Fix guides are data: ``assets/fixes/<check id>.yaml``, keyed by provider.

File shape::

    check: dns.resolves
    why: business words, shown in the detail pane and the handover document
    fix:
      default: plain steps anyone can follow
      cloudflare: the same, in Cloudflare's words and menus

``{placeholders}`` in the text are filled from the check's values (domain, host, …). Which
provider's variant a check asks for is picked by ``checks.provider_pick.fix_provider``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class FixGuide:
    check_id: str
    why: str
    fixes: dict[str, str]

    def text(self, provider: str | None = None, **values: Any) -> str:
        raw = self.fixes.get(provider or "default") or self.fixes.get("default", "")
        try:
            return raw.format_map(_Lenient(values)).strip()
        except (ValueError, IndexError):
            return raw.strip()


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@functools.cache
def guide(check_id: str) -> FixGuide | None:
    path = resources.files("launchready_tui").joinpath("assets", "fixes", f"{check_id}.yaml")
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return FixGuide(check_id, str(data.get("why", "")).strip(), {k: str(v) for k, v in (data.get("fix") or {}).items()})


def fix_for(check_id: str, provider: str | None = None, **values: Any) -> str | None:
    g = guide(check_id)
    return g.text(provider, **values) if g else None


def providers_with_guides(check_id: str) -> list[str]:
    g = guide(check_id)
    return sorted(g.fixes) if g else []
