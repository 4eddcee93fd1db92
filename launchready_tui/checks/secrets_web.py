"""Keys in what the live site sends to every browser: ``secrets.bundle_quick`` (stage 1, the home page's
scripts), ``secrets.bundle`` (stage 4: home and app pages, their chunks, inline scripts, ``/.env`` probes)
and ``secrets.source_maps`` (public ``.map`` files and the original sources they embed).

A key in a bundle is public the moment it is deployed: the fix is always "rotate it, then move the call
behind your server". Public-by-design keys (Stripe ``pk_``, Supabase anon/publishable, PostHog ``phc_``,
Sentry DSN) are listed as notes; a Firebase/Google ``AIza`` key is a warning until its API restrictions
are confirmed; a Supabase anon key asks the founder whether Row Level Security is on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.secrets.findings import Acceptances, Finding, counts, sort_findings
from launchready_tui.checks.secrets.rules import RuleFileError
from launchready_tui.checks.secrets.scan import evidence_list, rules_for
from launchready_tui.checks.secrets.target import extra_rule_files, repo_target
from launchready_tui.checks.secrets.web import (
    Crawl,
    bundle_findings,
    crawl,
    fetch_maps,
    map_findings,
    probe_exposed,
)
from launchready_tui.checks.secrets_repo import describe, judge
from launchready_tui.checks.targets import host_of
from launchready_tui.core.model import Outcome, Status


def _pages(ctx: CheckContext, quick: bool) -> list[str]:
    pages = [ctx.options.extra.get("secrets_url") or f"https://{ctx.project.domain}/"]
    if not quick and ctx.project.app_url and host_of(ctx.project.app_url) != host_of(pages[0]):
        pages.append(ctx.project.app_url)
    return pages


async def _crawl_once(ctx: CheckContext, pages: list[str], follow: bool) -> Crawl:
    # secrets.bundle and secrets.source_maps run side by side: one crawl per run serves both (a re-run crawls again)
    key = ("secrets-crawl", tuple(pages), follow)
    return await ctx.shared.once(key, lambda: crawl(ctx, pages, follow_imports=follow))


def _ruleset(ctx: CheckContext) -> Any:
    target = repo_target(ctx)
    return rules_for(target.git_root, extra_rule_files(ctx)).ruleset


def _accept(ctx: CheckContext, findings: list[Finding]) -> list[Finding]:
    acc = Acceptances.load(ctx.project.accepted)
    return sort_findings([acc.apply(f) for f in findings])


def _judge_bundle(findings: list[Finding]) -> tuple[Status, bool, str]:
    status, blocker = judge(findings)
    if status is not Status.PASS:
        return status, blocker, ""
    open_public = [f for f in findings if f.verdict == "public" and not f.accepted]
    if any(f.warn_in_bundle for f in open_public):
        return Status.WARN, False, "a Google/Firebase AIza key ships to browsers: confirm it is restricted to " \
                                   "your site and to the APIs it needs (not Gemini)"
    if any(f.ask_rls for f in open_public):
        return Status.MANUAL, False, "a Supabase anon key ships to browsers, as designed: it is only safe when " \
                                     "Row Level Security is on for every table; confirm it"
    return Status.PASS, False, ""


async def _bundle(ctx: CheckContext, check_id: str, quick: bool) -> Outcome:
    try:
        ruleset = _ruleset(ctx)
    except RuleFileError as exc:
        return Outcome(Status.ERROR, f"the rule file cannot be used: {exc}")
    pages = _pages(ctx, quick)
    result = await _crawl_once(ctx, pages, follow=not quick)
    target = pages[0]
    if not result.pages:
        return Outcome(Status.ERROR, f"could not load the page to find its scripts: {'; '.join(result.page_errors)}",
                       {"errors": result.page_errors}, target=target)
    findings = await asyncio.to_thread(bundle_findings, result, ruleset)
    exposed: list[Any] = []
    probe_errors: list[str] = []
    if not quick:
        exposed, probe_errors = await probe_exposed(ctx, result.pages[0], ruleset)
        for item in exposed:
            findings += item.findings
    findings = _accept(ctx, findings)
    listed, hidden = evidence_list(findings)
    ev: dict[str, Any] = {
        "findings": listed, "counts": counts(findings), "pages": result.pages,
        "scripts": [s.url for s in result.scripts], "inline_scripts": len(result.inline),
        "third_party_scripts": result.third_party, "bytes_scanned": result.bytes,
    }
    if hidden:
        ev["findings_not_listed"] = hidden
    if result.errors or probe_errors or result.page_errors:
        ev["errors"] = result.page_errors + result.errors + probe_errors
    if result.capped:
        ev["capped"] = "stopped at the script or size cap; the rest was not scanned"
    if exposed:
        ev["exposed_files"] = [{"url": e.url, "kind": e.kind} for e in exposed]
    status, blocker, note = _judge_bundle(findings)
    scripts = f"{len(result.scripts)} script(s), {len(result.inline)} inline"
    if exposed:
        names = ", ".join(e.url for e in exposed)
        summary = f"served to anyone: {names}"
        if status is Status.FAIL:
            summary += f"; keys in the JavaScript: {describe(findings)}"
        return Outcome(Status.FAIL, summary, ev, blocker=True, target=target,
                       fix=fix_for(check_id, provider="exposed_env", url=exposed[0].url))
    if status in (Status.FAIL, Status.WARN) and note == "":
        return Outcome(status, f"keys in the JavaScript every visitor downloads: {describe(findings)} ({scripts})",
                       ev, blocker=blocker, target=target, fix=fix_for(check_id))
    if note:
        return Outcome(status, note + f" ({scripts})", ev, target=target, fix=fix_for(check_id, provider="public_key"))
    if result.errors and not result.scripts:
        return Outcome(Status.ERROR, f"found scripts but could not download them: {result.errors[0]}", ev,
                       target=target)
    public = counts(findings)["public"]
    extra = f"; {public} public-by-design key(s) noted" if public else ""
    return Outcome(Status.PASS, f"no secret keys in the site's JavaScript ({scripts}{extra})", ev, target=target)


async def secrets_bundle_quick(ctx: CheckContext) -> Outcome:
    return await _bundle(ctx, "secrets.bundle_quick", quick=True)


async def secrets_bundle(ctx: CheckContext) -> Outcome:
    return await _bundle(ctx, "secrets.bundle", quick=False)


async def secrets_source_maps(ctx: CheckContext) -> Outcome:
    try:
        ruleset = _ruleset(ctx)
    except RuleFileError as exc:
        return Outcome(Status.ERROR, f"the rule file cannot be used: {exc}")
    pages = _pages(ctx, quick=False)
    result = await _crawl_once(ctx, pages, follow=True)
    target = pages[0]
    if not result.pages:
        return Outcome(Status.ERROR, f"could not load the page to find its scripts: {'; '.join(result.page_errors)}",
                       {"errors": result.page_errors}, target=target)
    maps, errors = await fetch_maps(ctx, result.scripts)
    findings = _accept(ctx, await asyncio.to_thread(map_findings, maps, ruleset))
    listed, hidden = evidence_list(findings)
    ev: dict[str, Any] = {
        "findings": listed, "counts": counts(findings),
        "maps": [{"url": m.url, "sources": len(m.sources), "declared": m.declared} for m in maps],
        "scripts_checked": len(result.scripts),
    }
    if hidden:
        ev["findings_not_listed"] = hidden
    if errors:
        ev["errors"] = errors
    if not maps:
        return Outcome(Status.PASS, f"no public source maps ({len(result.scripts)} script(s) checked)", ev,
                       target=target)
    status, blocker = judge(findings)
    n_sources = sum(len(m.sources) for m in maps)
    if status is Status.FAIL or status is Status.WARN:
        return Outcome(status, f"public source maps give away your original code, with keys in it: "
                               f"{describe(findings)}", ev, blocker=blocker, target=target,
                       fix=fix_for("secrets.source_maps"))
    return Outcome(Status.WARN, f"{len(maps)} public source map(s) publish {n_sources} original source file(s) "
                                "(no keys in them)", ev, target=target, fix=fix_for("secrets.source_maps"))
