"""Which provider's words a fix is written in: the one provider pick of every check.

``await fix_provider(ctx, role, headers)`` is the pick; ``fix_for(check_id, provider, ...)`` then takes
that variant of the fix guide (or ``default`` when the guide has none for it). In order:

1. the founder's choice: ``providers: vercel`` or ``providers: {web: vercel, dns: cloudflare}`` in the
   project file, or the same under ``CheckOptions.extra["providers"]`` (which wins);
2. provider detection (``checks.providers``: DNS, addresses, the home-page walks and, for the
   registrar only, RDAP), run once per run and shared; a check waits for it at most
   ``DETECTION_WAIT_S``, so a slow host never turns a verdict into a timeout;
3. for the web roles, the strongest signal in ``headers``, a response the check already holds.

Roles: ``web`` (headers, cookies, HSTS, redirects: the hosting platform, else the founder's own edge,
else the DNS provider), ``edge``, ``hosting``, ``cdn``, ``dns``, ``registrar``. Provider ids are the
provider table's ids (``assets/providers.yaml``), which are also the fix guides' variant keys.

``provider_for(ctx, role)`` is the same pick without measuring (override, else a ``stack.providers``
result already in ``ctx.results``), for code that must not cause requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from launchready_tui.checks.provider_table import load_table, match_headers

log = logging.getLogger("launchready.provider_pick")

PROVIDER_ROLES = ("web", "edge", "hosting", "cdn", "dns", "registrar")
WEB_ROLES = frozenset({"web", "edge", "hosting", "cdn"})  # roles a response header can speak for
DETECTION_WAIT_S = 10.0
# Other spellings a founder may type for a provider id.
ALIASES = {
    "fly.io": "fly", "flyio": "fly", "cloudfront": "aws", "amplify": "aws", "aws-cloudfront": "aws",
    "aws-amplify": "aws", "google-cloud": "gcp", "google": "gcp", "github-pages": "github",
}
_PREFERRED_ROLES = ("hosting", "cdn", "origin")  # on equal evidence, the platform running the app first


def provider_id(name: str) -> str:
    """A provider name as the founder may type it, as our provider id."""
    key = name.strip().lower()
    return ALIASES.get(key, key)


def provider_override(ctx: Any, role: str = "web") -> str | None:
    """The founder's own choice for ``role``, if any."""
    for source in (ctx.options.extra.get("providers"), ctx.project.extra.get("providers")):
        if isinstance(source, str) and source.strip():
            return provider_id(source)
        if isinstance(source, dict) and isinstance(source.get(role), str) and source[role].strip():
            return provider_id(source[role])
    return None


def provider_for(ctx: Any, role: str = "web") -> str | None:
    """The pick without measuring: the founder's override, else ``stack.providers`` evidence if it ran."""
    override = provider_override(ctx, role)
    if override:
        return override
    result = ctx.results.get("stack.providers")
    if result is None:
        return None
    chosen = (result.evidence.get("fix_providers") or {}).get(role)
    return None if chosen in (None, "self-hosted") else str(chosen)


def provider_from_headers(headers: Mapping[str, str] | Any) -> str | None:
    """The platform or edge one response says it came from (provider table signatures), or None."""
    table = load_table()
    scores: dict[str, int] = {}
    for signal in match_headers(headers, "", table):
        scores[signal.provider] = scores.get(signal.provider, 0) + (3 if signal.strong else 1)
    if not scores:
        return None

    def rank(pid: str) -> tuple[int, int]:
        provider = table.get(pid)
        roles = [i for i, r in enumerate(_PREFERRED_ROLES) if provider is not None and provider.has(r)]
        return scores[pid], -(roles[0] if roles else len(_PREFERRED_ROLES))

    return max(sorted(scores), key=rank)


def headers_show(headers: Mapping[str, str] | Any, provider: str) -> bool:
    """Whether a response carries any of ``provider``'s header signatures."""
    return any(s.provider == provider for s in match_headers(headers, "", load_table()))


async def fix_provider(ctx: Any, role: str = "web", headers: Mapping[str, str] | Any | None = None) -> str | None:
    """The fix-guide variant for ``role`` in this run (see the module docstring for the order)."""
    override = provider_override(ctx, role)
    if override:
        return override
    from launchready_tui.checks import providers  # late: detection itself picks fixes through this module

    detect = providers.detect_stack if role == "registrar" else providers.web_stack
    try:
        async with asyncio.timeout(DETECTION_WAIT_S):
            detection = await detect(ctx)
    except TimeoutError:
        detection = None
    except Exception:  # detection is a nicety for fixes; never let it break the check that asks
        log.exception("provider detection failed while picking a fix variant")
        detection = None
    if detection is not None:
        chosen = detection.fix_providers().get(role)
        if chosen and chosen != "self-hosted":
            return chosen
    if headers is not None and role in WEB_ROLES:
        return provider_from_headers(headers)
    return None
