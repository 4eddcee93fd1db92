"""Host sets and the fix variant for the stage 2-3 web checks.

* ``entry_hosts``: the names visitors type or are sent to (apex, www, the app's host).
* ``fix_provider`` picks the fix-guide variant: part A's ``checks.fixes.provider_for(ctx)`` when it
  exists, else the strongest header signal of a response we already hold (never an extra request).
  Provider names are mapped onto the keys our fix guides use.
"""

from __future__ import annotations

from collections.abc import Mapping

from launchready_tui.checks import fixes
from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.targets import front_hosts, host_of
from launchready_tui.core.project import Project

# Keys of assets/fixes/*.yaml variants, and the other spellings a detector may use for them.
_ALIASES = {
    "cloudflare": "cloudflare", "vercel": "vercel", "netlify": "netlify", "render": "render",
    "fly": "fly", "fly.io": "fly", "flyio": "fly", "railway": "railway", "heroku": "heroku",
    "aws": "aws", "cloudfront": "aws", "amplify": "aws", "aws-cloudfront": "aws", "aws-amplify": "aws",
    "gcp": "gcp", "google-cloud": "gcp", "google": "gcp", "firebase": "gcp", "github-pages": "github-pages",
    "github": "github-pages", "nginx": "nginx", "self-hosted": "nginx", "apache": "nginx", "caddy": "nginx",
}


def entry_hosts(project: Project) -> list[str]:
    """Names a visitor types or the product sends them to: apex, www, and the app's host."""
    hosts = front_hosts(project)
    if (app := host_of(project.app_url)) and app not in hosts:
        hosts.append(app)
    return hosts


def provider_from_headers(headers: Mapping[str, str]) -> str | None:
    """The platform or edge a response says it came from (header names: checks-web.md §3)."""
    h = {k.lower(): v for k, v in headers.items()}
    server = h.get("server", "").lower()
    via = h.get("via", "").lower()
    if "cf-ray" in h or server == "cloudflare":
        return "cloudflare"
    if "x-vercel-id" in h or "x-vercel-cache" in h or server == "vercel":
        return "vercel"
    if "x-nf-request-id" in h or server == "netlify":
        return "netlify"
    if "fly-request-id" in h or server.startswith("fly/"):
        return "fly"
    if "x-render-origin-server" in h:
        return "render"
    if any(k.startswith("x-railway") for k in h):
        return "railway"
    if "heroku-router" in via or "vegur" in via or server == "heroku":
        return "heroku"
    if "x-amz-cf-id" in h or "cloudfront" in via:
        return "aws"
    if server == "google frontend" or via.endswith("google"):
        return "gcp"
    if "x-github-request-id" in h or server == "github.com":
        return "github-pages"
    if server.startswith(("nginx", "apache", "caddy")):
        return "nginx"
    return None


def fix_provider(ctx: CheckContext, headers: Mapping[str, str] | None = None) -> str | None:
    """The fix-guide variant for this project: the user's / part A's choice, else what headers show."""
    picker = getattr(fixes, "provider_for", None)
    if picker is not None:
        try:
            chosen = picker(ctx)
        except Exception:  # a detector bug must not break the check that asks
            chosen = None
        if chosen:
            return _ALIASES.get(str(chosen).lower(), str(chosen).lower())
    return provider_from_headers(headers) if headers is not None else None
