"""Stage 4: keys in the working tree (``secrets.repo_tree``) and in git history (``secrets.repo_history``).

Both run the same rules (built-in + the repository's ``.gitleaks.toml``) in a worker thread that stops
when the check is cancelled (the history's ``git log`` process is killed). Public-by-design keys are
reported as notes (verdict ``public``), accepted findings stay listed, marked as accepted.
History findings say whether the key is still in HEAD: either way the advice starts with "rotate the
key" — deleting the line or rewriting history does not un-leak it.
"""

from __future__ import annotations

from collections import Counter

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.secrets.control import Cancelled, run_blocking
from launchready_tui.checks.secrets.findings import Acceptances, Finding, counts
from launchready_tui.checks.secrets.gitcmd import GitError, has_commits, head_ref, is_partial_clone
from launchready_tui.checks.secrets.rules import RuleFileError
from launchready_tui.checks.secrets.scan import evidence_list, history_findings, rules_for, tree_findings
from launchready_tui.checks.secrets.target import extra_rule_files, repo_target
from launchready_tui.core.model import Outcome, Status

BLOCKING = ("critical",)
FAILING = ("critical", "high", "medium")


def judge(findings: list[Finding]) -> tuple[Status, bool]:
    """(status, blocker) for a set of findings: open secrets fail, low/review ones warn, public notes pass."""
    open_ = [f for f in findings if f.verdict == "secret" and not f.accepted]
    if any(f.severity in FAILING for f in open_):
        return Status.FAIL, any(f.severity in BLOCKING for f in open_)
    if open_:
        return Status.WARN, False
    return Status.PASS, False


def describe(findings: list[Finding], limit: int = 3) -> str:
    """"OpenAI key in src/server.js:3, Stripe key in scripts/seed.js:2" (the worst first)."""
    open_ = [f for f in findings if f.verdict == "secret" and not f.accepted]
    seen: dict[str, Finding] = {}
    for f in open_:
        seen.setdefault(f.fingerprint, f)
    parts = [f"{noun(f)} ({f.preview}) in {f.where}" for f in list(seen.values())[:limit]]
    more = len(seen) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def noun(f: Finding) -> str:
    if f.rule_id == "database-url-password":
        return "database password"
    if f.rule_id in ("private-key", "gcp-service-account-json"):
        return "private key"
    return f"{f.provider} key"


def _common(findings: list[Finding], notes: list[str]) -> dict[str, object]:
    listed, hidden = evidence_list(findings)
    ev: dict[str, object] = {"findings": listed, "counts": counts(findings)}
    if hidden:
        ev["findings_not_listed"] = hidden
    if notes:
        ev["notes"] = notes
    return ev


def _public_note(findings: list[Finding]) -> str:
    public = {f.fingerprint: f for f in findings if f.verdict == "public"}
    if not public:
        return ""
    names = sorted(Counter(f.provider for f in public.values()))
    return f"; {len(public)} public-by-design key(s) noted ({', '.join(names)})"


async def secrets_repo_tree(ctx: CheckContext) -> Outcome:
    target = repo_target(ctx)
    if target.path is None:
        return Outcome(Status.ERROR if target.missing else Status.SKIPPED, target.reason)
    try:
        choice = rules_for(target.git_root or target.path, extra_rule_files(ctx))
    except RuleFileError as exc:
        return Outcome(Status.ERROR, f"the rule file cannot be used: {exc}")
    acceptances = Acceptances.load(ctx.project.accepted, target.git_root or target.path)
    try:
        result, findings = await run_blocking(ctx, "secrets.repo_tree", tree_findings, target.path, choice.ruleset,
                                              acceptances)
    except Cancelled:
        return Outcome(Status.SKIPPED, "cancelled before the scan finished")
    except GitError as exc:
        return Outcome(Status.ERROR, f"could not list the repository's files: {exc}")
    notes = list(result.notes)
    ev = _common(findings, notes)
    ev.update(files_scanned=result.files_scanned, bytes_scanned=result.bytes_scanned,
              skipped={why: {"count": len(paths), "examples": paths[:5]} for why, paths in result.skipped.items()},
              rules=["built-in launchready.toml", *choice.user_files])
    if result.submodules:
        ev["submodules"] = result.submodules
    if acceptances.unused():
        ev["unused_acceptances"] = acceptances.unused()
    status, blocker = judge(findings)
    skipped_n = sum(len(v) for v in result.skipped.values())
    tail = f" ({result.files_scanned} files scanned, {skipped_n} skipped{_public_note(findings)})"
    if status is Status.PASS:
        accepted = counts(findings)["accepted"]
        acc = f", {accepted} accepted finding(s)" if accepted else ""
        return Outcome(Status.PASS, f"no keys in the working tree{acc}{tail}", ev, target=str(target.path))
    summary = f"{'keys' if counts(findings)['secrets'] > 1 else 'a key'} in the code: {describe(findings)}"
    return Outcome(status, summary + tail, ev, blocker=blocker, target=str(target.path),
                   fix=fix_for("secrets.repo_tree", files=", ".join(sorted({f.file or '' for f in findings
                                                                           if f.verdict == 'secret'}))[:300]))


async def secrets_repo_history(ctx: CheckContext) -> Outcome:
    target = repo_target(ctx)
    if target.path is None:
        return Outcome(Status.ERROR if target.missing else Status.SKIPPED, target.reason)
    repo = target.git_root
    if repo is None:
        return Outcome(Status.ERROR, f"{target.path} is not a git repository, so it has no history to scan")
    if not has_commits(repo):
        return Outcome(Status.PASS, "the repository has no commits yet: nothing in history", target=str(repo))
    try:
        choice = rules_for(repo, extra_rule_files(ctx))
    except RuleFileError as exc:
        return Outcome(Status.ERROR, f"the rule file cannot be used: {exc}")
    acceptances = Acceptances.load(ctx.project.accepted, repo)
    merges = bool(ctx.options.extra.get("secrets_merges", False))
    try:
        result, findings = await run_blocking(ctx, "secrets.repo_history", history_findings, repo, choice.ruleset,
                                              acceptances, merges=merges)
    except Cancelled:
        return Outcome(Status.SKIPPED, "cancelled before the history scan finished")
    except GitError as exc:
        return Outcome(Status.ERROR, f"could not read the history: {exc}")
    notes: list[str] = []
    if result.shallow:
        notes.append("shallow clone: only the fetched part of the history was scanned "
                     "(run `git fetch --unshallow` for all of it)")
    if is_partial_clone(repo):
        notes.append("partial clone: objects that were never downloaded could not be scanned")
    if head_ref(repo) is None:
        notes.append("HEAD is detached: every branch and tag was still scanned")
    notes += [f"skipped: {s}" for s in result.skipped]
    ev = _common(findings, notes)
    ev.update(commits_scanned=result.commits_scanned, commits_total=result.commits_total,
              bytes_read=result.bytes_read, rules=["built-in launchready.toml", *choice.user_files])
    if acceptances.unused():
        ev["unused_acceptances"] = acceptances.unused()
    status, blocker = judge(findings)
    cover = f"{result.commits_scanned} of {result.commits_total} commits"
    if result.error and status is not Status.FAIL:
        return Outcome(Status.ERROR, f"{result.error} (no keys in the part scanned)", ev, target=str(repo))
    open_ = [f for f in findings if f.verdict == "secret" and not f.accepted]
    if status is Status.PASS:
        if result.shallow:
            return Outcome(Status.WARN, f"no keys in the {cover} present, but this is a shallow clone: older "
                                        "history was not scanned", ev, target=str(repo),
                           fix=fix_for("secrets.repo_history", provider="shallow"))
        return Outcome(Status.PASS, f"no keys in git history ({cover} on every branch{_public_note(findings)})", ev,
                       target=str(repo))
    now = {f.fingerprint for f in open_ if f.at_head}
    only_history = {f.fingerprint for f in open_} - now
    parts = []
    if now:
        parts.append(f"{len(now)} still in the code now")
    if only_history:
        parts.append(f"{len(only_history)} only in history (deleted, but anyone with a clone has them)")
    summary = f"keys committed to git: {describe(findings)} — {', '.join(parts)} ({cover})"
    if result.error:
        summary += f"; the scan stopped early: {result.error}"
    return Outcome(status, summary, ev, blocker=blocker, target=str(repo),
                   fix=fix_for("secrets.repo_history", provider="in_head" if now else "history_only"))
