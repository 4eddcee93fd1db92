"""Stage 4 deploy hygiene: ``.env`` files ignored and never committed, env vars documented per
environment, no secrets behind public prefixes, runtime versions that agree, and two manual items
(staging separate from production, a rollback path) with hints read from the repository.

All of it is local (git and files), run in a worker thread; nothing is sent anywhere. The file list and
the inventory of env reads and ``.env`` files are made once per run (``ctx.shared``) for the checks that
need them.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.fixes import fix_for
from launchready_tui.checks.secrets import env_vars as ev_mod
from launchready_tui.checks.secrets.gitcmd import GitError, has_commits, run_git
from launchready_tui.checks.secrets.runtimes import disagreements, find_pins
from launchready_tui.checks.secrets.target import RepoTarget, repo_target
from launchready_tui.checks.secrets.tree import list_git_files, list_plain_files
from launchready_tui.core.model import Outcome, Status

MAX_CODE_FILES = 20_000
MAX_CODE_BYTES = 1024 * 1024
_ENV_GLOBS = (".env", ".env.*", "*.env", "**/.env", "**/.env.*")


def _target_or_outcome(ctx: CheckContext) -> RepoTarget | Outcome:
    target = repo_target(ctx)
    if target.path is None:
        return Outcome(Status.ERROR if target.missing else Status.SKIPPED, target.reason)
    return target


def _files(target: RepoTarget) -> list[str]:
    root = target.git_root or target.path
    assert root is not None
    return list_git_files(root)[0] if target.git_root else list_plain_files(root)


async def _repo_files(ctx: CheckContext) -> tuple[Path, list[str]] | Outcome:
    """(root, tracked or plain files) of the project's repository, listed once per run; an Outcome when the
    repository is not configured or cannot be listed."""
    target = _target_or_outcome(ctx)
    if isinstance(target, Outcome):
        return target
    root = target.git_root or target.path
    assert root is not None
    try:
        files = await ctx.shared.once(("repo-files", str(root)), lambda: asyncio.to_thread(_files, target))
    except GitError as exc:
        return Outcome(Status.ERROR, f"could not list the repository's files: {exc}")
    return root, files


def _read(root: Path, rel: str) -> str:
    try:
        with (root / rel).open("rb") as fh:
            return fh.read(MAX_CODE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------------------
# deploy.env_ignored


def _env_state(repo: Path) -> dict[str, Any]:
    on_disk = sorted(
        str(p.relative_to(repo)) for p in repo.glob("**/.env*")
        if p.is_file() and ".git" not in p.parts and "node_modules" not in p.parts
    )
    real = [p for p in on_disk if not ev_mod.is_example_env(p.rsplit("/", 1)[-1])]
    not_ignored = [p for p in real if run_git(repo, "check-ignore", "-q", "--", p, check=False).returncode == 1]
    tracked_raw = run_git(repo, "ls-files", "-z", "--", *_ENV_GLOBS, check=False).stdout.split(b"\0")
    tracked = sorted({t.decode("utf-8", "replace") for t in tracked_raw if t
                      and not ev_mod.is_example_env(t.decode("utf-8", "replace").rsplit("/", 1)[-1])})
    history: dict[str, str] = {}
    if has_commits(repo):
        out = run_git(repo, "log", "--all", "--diff-filter=A", "--name-only", "--format=%x1e%H %as", "--",
                      *_ENV_GLOBS, check=False, timeout=120).stdout.decode("utf-8", "replace")
        for block in out.split("\x1e"):
            lines = [ln for ln in block.splitlines() if ln.strip()]
            if not lines:
                continue
            head = lines[0]
            for name in lines[1:]:
                if not ev_mod.is_example_env(name.rsplit("/", 1)[-1]):
                    history[name] = head  # git log is newest first: the last one kept is the first commit
    rule_ok = run_git(repo, "check-ignore", "-q", "--no-index", "--", ".env", check=False).returncode == 0
    return {"on_disk": real, "not_ignored": not_ignored, "tracked": tracked,
            "committed_in_history": [{"file": f, "first_commit": h.split()[0], "date": h.split()[1]}
                                     for f, h in sorted(history.items())],
            "gitignore_covers_env": rule_ok}


async def deploy_env_ignored(ctx: CheckContext) -> Outcome:
    target = _target_or_outcome(ctx)
    if isinstance(target, Outcome):
        return target
    repo = target.git_root
    if repo is None:
        return Outcome(Status.ERROR, f"{target.path} is not a git repository: cannot tell what is ignored or "
                                     "committed")
    try:
        state = await asyncio.to_thread(_env_state, repo)
    except GitError as exc:
        return Outcome(Status.ERROR, f"could not ask git: {exc}")
    problems = []
    if state["tracked"]:
        problems.append(f"{', '.join(state['tracked'])} {'is' if len(state['tracked']) == 1 else 'are'} committed now")
    history_only = [h["file"] for h in state["committed_in_history"] if h["file"] not in state["tracked"]]
    if history_only:
        problems.append(f"{', '.join(history_only)} was committed once (still readable in history)")
    if state["not_ignored"]:
        problems.append(f"{', '.join(state['not_ignored'])} on disk is not ignored (one `git add .` from leaking)")
    if problems and not state["gitignore_covers_env"]:
        problems.append(".gitignore does not ignore .env")
    if problems:
        return Outcome(Status.FAIL, "; ".join(problems), state, blocker=bool(state["tracked"] or history_only),
                       target=str(repo), fix=fix_for("deploy.env_ignored"))
    if not state["gitignore_covers_env"]:
        return Outcome(Status.WARN, ".gitignore does not ignore .env: the first .env you create could be committed",
                       state, target=str(repo), fix=fix_for("deploy.env_ignored"))
    return Outcome(Status.PASS, ".env files are ignored and none was ever committed", state, target=str(repo))


# ---------------------------------------------------------------------------------------------------------
# deploy.env_documented / deploy.public_prefix_secrets


def _read_inventory(root: Path, files: list[str]) -> dict[str, Any]:
    code = [(rel, _read(root, rel)) for rel in files[:MAX_CODE_FILES] if ev_mod.is_code_file(rel)]
    reads = ev_mod.find_reads(code)
    env_files = {}
    names = {p.name for p in root.iterdir() if p.is_file() and (p.name.startswith(".env") or p.name.endswith(".env"))}
    for name in sorted(names):
        env_files[name] = ev_mod.parse_dotenv(name, _read(root, name))
    return {"root": root, "files": files, "reads": reads, "env_files": env_files}


async def _inventory(ctx: CheckContext) -> dict[str, Any] | Outcome:
    """Env variables the code reads and the ``.env`` files at the root, read once per run."""
    listed = await _repo_files(ctx)
    if isinstance(listed, Outcome):
        return listed
    root, files = listed
    return await ctx.shared.once(("env-inventory", str(root)), lambda: asyncio.to_thread(_read_inventory, root, files))


def _platform_envs(root: Path, files: list[str]) -> dict[str, set[str]]:
    """Variables named per environment in platform configs (vercel.json, netlify.toml, fly.toml, render.yaml,
    compose files, Actions environments)."""
    out: dict[str, set[str]] = {}
    for rel in files:
        base = rel.rsplit("/", 1)[-1]
        text = None
        if base == "fly.toml":
            text = _read(root, rel)
            m = re.search(r"(?ms)^\[env\](.*?)(?=^\[|\Z)", text)
            if m:
                out.setdefault("production", set()).update(re.findall(r"(?m)^\s*([A-Z_][A-Z0-9_]*)\s*=", m.group(1)))
        elif base == "netlify.toml":
            text = _read(root, rel)
            for ctx_name, body in re.findall(r"(?ms)^\[context\.([\w-]+)\.environment\](.*?)(?=^\[|\Z)", text):
                env = {"production": "production", "deploy-preview": "preview", "branch-deploy": "staging"}.get(
                    ctx_name, ctx_name)
                out.setdefault(env, set()).update(re.findall(r"(?m)^\s*([A-Z_][A-Z0-9_]*)\s*=", body))
        elif base == "vercel.json":
            text = _read(root, rel)
            m = re.search(r'"env"\s*:\s*\{([^}]*)\}', text)
            if m:
                out.setdefault("production", set()).update(re.findall(r'"([A-Z_][A-Z0-9_]*)"\s*:', m.group(1)))
        elif base in ("render.yaml", "render.yml"):
            text = _read(root, rel)
            out.setdefault("production", set()).update(re.findall(r"-\s*key:\s*([A-Z_][A-Z0-9_]*)", text))
    return out


async def deploy_env_documented(ctx: CheckContext) -> Outcome:
    inv = await _inventory(ctx)
    if isinstance(inv, Outcome):
        return inv
    reads: ev_mod.EnvReads = inv["reads"]
    env_files: dict[str, ev_mod.DotenvFile] = inv["env_files"]
    examples = {n: f for n, f in env_files.items() if ev_mod.is_example_env(n)}
    documented = set().union(*(f.keys for f in examples.values())) if examples else set()
    needed = {n for n in reads.names if not ev_mod.PLATFORM_VARS.match(n)}
    undocumented = sorted(needed - documented)
    stale = sorted(n for n in documented - set(reads.names) if not ev_mod.PLATFORM_VARS.match(n))
    per_env: dict[str, dict[str, list[str]]] = {}
    for name, f in env_files.items():
        env = ev_mod.environment_of(name)
        if env:
            per_env.setdefault(env, {"file": [name], "missing": sorted(needed - set(f.keys))})
    for env, names in (await asyncio.to_thread(_platform_envs, inv["root"], inv["files"])).items():
        per_env.setdefault(env, {"file": [], "missing": []})
        per_env[env]["declared_in_platform_config"] = sorted(names)
        per_env[env]["missing"] = sorted(set(per_env[env]["missing"]) | (needed - names - documented))
    evidence: dict[str, Any] = {
        "read_by_code": {n: w[:3] for n, w in sorted(reads.names.items())},
        "documented_in": sorted(examples), "undocumented": undocumented, "stale": stale,
        "dynamic_reads": reads.dynamic[:20], "environments": per_env,
        "lint": [p for f in env_files.values() for p in f.problems][:50],
        "platform_provided": sorted(n for n in reads.names if ev_mod.PLATFORM_VARS.match(n)),
    }
    target_s = str(inv["root"])
    if not reads.names:
        return Outcome(Status.PASS, "the code reads no environment variables", evidence, target=target_s)
    if not examples:
        return Outcome(Status.FAIL, f"the code reads {len(needed)} variable(s) but there is no .env.example listing "
                                    f"them: {', '.join(sorted(needed)[:8])}", evidence, target=target_s,
                       fix=fix_for("deploy.env_documented", names="\n".join(f"{n}=" for n in sorted(needed))))
    if undocumented:
        return Outcome(Status.FAIL, f"{len(undocumented)} variable(s) read by the code are missing from "
                                    f"{', '.join(sorted(examples))}: {', '.join(undocumented[:8])}", evidence,
                       target=target_s,
                       fix=fix_for("deploy.env_documented", names="\n".join(f"{n}=" for n in undocumented)))
    if stale or evidence["lint"]:
        what = f"{len(stale)} listed but never read ({', '.join(stale[:6])})" if stale else ""
        lint = f"{len(evidence['lint'])} formatting problem(s)" if evidence["lint"] else ""
        return Outcome(Status.WARN, "every variable is documented, but " + "; ".join(x for x in (what, lint) if x),
                       evidence, target=target_s, fix=fix_for("deploy.env_documented", names=""))
    return Outcome(Status.PASS, f"all {len(needed)} variable(s) the code reads are in "
                                f"{', '.join(sorted(examples))}", evidence, target=target_s)


async def deploy_public_prefix_secrets(ctx: CheckContext) -> Outcome:
    inv = await _inventory(ctx)
    if isinstance(inv, Outcome):
        return inv
    reads: ev_mod.EnvReads = inv["reads"]
    env_files: dict[str, ev_mod.DotenvFile] = inv["env_files"]
    flagged: dict[str, list[str]] = {}
    for name, where in reads.names.items():
        if ev_mod.public_prefix_secret(name):
            flagged.setdefault(name, []).extend(where[:3])
    for fname, f in env_files.items():
        for key, line in f.keys.items():
            if ev_mod.public_prefix_secret(key):
                flagged.setdefault(key, []).append(f"{fname}:{line}")
    public_names = sorted({n for n in list(reads.names) + [k for f in env_files.values() for k in f.keys]
                           if ev_mod.public_prefix_of(n)})
    evidence = {"flagged": [{"name": n, "prefix": ev_mod.public_prefix_of(n), "where": w}
                            for n, w in sorted(flagged.items())],
                "public_names_seen": public_names}
    target_s = str(inv["root"])
    if flagged:
        names = ", ".join(sorted(flagged))
        return Outcome(Status.FAIL, f"these look like secrets but their prefix ships them to every browser: {names}",
                       evidence, blocker=True, target=target_s,
                       fix=fix_for("deploy.public_prefix_secrets", names=names))
    return Outcome(Status.PASS, f"no secret-looking names behind public prefixes ({len(public_names)} public "
                                "name(s) checked)", evidence, target=target_s)


# ---------------------------------------------------------------------------------------------------------
# deploy.runtime_pinned


async def deploy_runtime_pinned(ctx: CheckContext) -> Outcome:
    listed = await _repo_files(ctx)
    if isinstance(listed, Outcome):
        return listed
    root, files = listed
    pins = await asyncio.to_thread(find_pins, root, files)
    evidence: dict[str, Any] = {"pins": [{"runtime": p.runtime, "source": p.source, "value": p.raw} for p in pins]}
    bad = disagreements(pins)
    if bad:
        parts = [f"{rt}: " + ", ".join(f"{p.source} says {p.raw}" for p in ps) for rt, ps in bad.items()]
        return Outcome(Status.FAIL, "build and runtime versions disagree — " + "; ".join(parts), evidence,
                       target=str(root), fix=fix_for("deploy.runtime_pinned"))
    uses_node = (root / "package.json").is_file()
    uses_python = any((root / n).is_file() for n in ("pyproject.toml", "requirements.txt", "Pipfile", "setup.py"))
    missing = [rt for rt, used in (("node", uses_node), ("python", uses_python))
               if used and not any(p.runtime == rt for p in pins)]
    if missing:
        return Outcome(Status.WARN, f"no pinned {' or '.join(missing)} version: the platform picks its default, "
                                    "which changes under you", evidence, target=str(root),
                       fix=fix_for("deploy.runtime_pinned"))
    if not pins:
        return Outcome(Status.SKIPPED, "no Node or Python project found to check", evidence, target=str(root))
    summary = "; ".join(f"{rt} {sorted({p.raw for p in pins if p.runtime == rt})[0]}"
                        for rt in ("node", "python") if any(p.runtime == rt for p in pins))
    return Outcome(Status.PASS, f"versions pinned and in agreement ({summary}, {len(pins)} place(s))", evidence,
                   target=str(root))


# ---------------------------------------------------------------------------------------------------------
# deploy.staging_separate / deploy.rollback_path (manual, with hints)

_PLATFORM_FILES = {"vercel.json": "vercel", ".vercel": "vercel", "netlify.toml": "netlify", "fly.toml": "fly",
                   "render.yaml": "render", "render.yml": "render", "Procfile": "heroku", "app.json": "heroku",
                   "wrangler.toml": "cloudflare", "wrangler.jsonc": "cloudflare", "railway.json": "railway",
                   "railway.toml": "railway"}


def _platforms(root: Path, files: list[str]) -> list[str]:
    found = {_PLATFORM_FILES[f] for f in files if f in _PLATFORM_FILES}
    found |= {_PLATFORM_FILES[n] for n in _PLATFORM_FILES if (root / n).exists()}
    return sorted(found)


def _workflow_hints(root: Path, files: list[str]) -> dict[str, Any]:
    envs: set[str] = set()
    prod_on_push = False
    workflows = [f for f in files if f.startswith(".github/workflows/") and f.endswith((".yml", ".yaml"))]
    for rel in workflows:
        text = _read(root, rel)
        envs |= {e.strip("'\" ").lower() for e in re.findall(r"(?m)^\s*environment:\s*([\w'\" -]+)$", text)}
        envs |= {e.lower() for e in re.findall(r"(?m)^\s*name:\s*(staging|production|preview)\s*$", text)}
        if re.search(r"(?i)production|prod\b", text) and re.search(r"(?m)^on:\s*push\b|^\s*push:", text) \
                and "staging" not in text.lower():
            prod_on_push = True
    return {"workflows": workflows, "environments": sorted(envs), "production_on_every_push": prod_on_push}


def _answer(ctx: CheckContext, check_id: str) -> tuple[bool | None, str]:
    raw = ctx.project.answers.get(check_id)
    if isinstance(raw, dict):
        note = str(raw.get("note", "") or "")
        raw = raw.get("answer")
    else:
        note = ""
    if isinstance(raw, bool):
        return raw, note
    if isinstance(raw, str) and raw.strip().lower() in ("yes", "no", "true", "false"):
        return raw.strip().lower() in ("yes", "true"), note
    return None, note


async def _hint_files(ctx: CheckContext) -> tuple[Path, list[str]] | None:
    """Root and files for the manual items' hints (none without a repository; no file hints when it cannot
    be listed: a hint is never worth an error)."""
    target = repo_target(ctx)
    if target.path is None:
        return None
    listed = await _repo_files(ctx)
    return (target.git_root or target.path), ([] if isinstance(listed, Outcome) else listed[1])


async def deploy_staging_separate(ctx: CheckContext) -> Outcome:
    hints: dict[str, Any] = {}
    if (found := await _hint_files(ctx)) is not None:
        root, files = found
        hints = await asyncio.to_thread(_workflow_hints, root, files)
        hints["platforms"] = _platforms(root, files)
        hints["env_files"] = sorted(p.name for p in root.glob(".env.*") if ev_mod.environment_of(p.name))
    platform = (hints.get("platforms") or [None])[0]
    answer, note = _answer(ctx, "deploy.staging_separate")
    fix = fix_for("deploy.staging_separate", provider=platform)
    if answer is not None:
        return Outcome(Status.PASS if answer else Status.FAIL,
                       "confirmed: staging is separate from production" if answer
                       else "no separate staging: changes reach customers untested", {"hints": hints, "note": note},
                       fix=None if answer else fix)
    seen = []
    if "staging" in hints.get("environments", []):
        seen.append("a GitHub Actions 'staging' environment deploys before production")
    if hints.get("production_on_every_push"):
        seen.append("a workflow deploys every push straight to production")
    question = ("Do you have a staging (or preview) environment with its own database and its own keys, where a "
                "change is tried before customers see it?")
    summary = question + (f" Seen in the repo: {'; '.join(seen)}." if seen else "")
    return Outcome(Status.MANUAL, summary, {"question": question, "hints": hints}, fix=fix)


async def deploy_rollback_path(ctx: CheckContext) -> Outcome:
    hints: dict[str, Any] = {}
    if (found := await _hint_files(ctx)) is not None:
        root, files = found
        hints["platforms"] = _platforms(root, files)
        hints["runbooks"] = [f for f in files if re.search(r"(?i)(rollback|runbook|deploy(ment)?)\.md$", f)]
        hints["migrations"] = sorted({f.split("/migrations/")[0] + "/migrations" for f in files if "/migrations/" in f
                                      or f.startswith("migrations/")})[:5]
    platform = (hints.get("platforms") or [None])[0]
    fix = fix_for("deploy.rollback_path", provider=platform)
    answer, note = _answer(ctx, "deploy.rollback_path")
    if answer is not None:
        return Outcome(Status.PASS if answer else Status.FAIL,
                       "confirmed: there is a tested way back to the previous release" if answer
                       else "no rollback path: a bad deploy stays live until a fix is written",
                       {"hints": hints, "note": note}, fix=fix)
    seen = []
    if hints.get("runbooks"):
        seen.append(f"rollback notes in {', '.join(hints['runbooks'][:3])}")
    if hints.get("migrations"):
        seen.append("database migrations exist: a rollback does not undo them")
    question = ("If a deploy breaks sign-in at 6 pm, how do you get the previous version back, who can do it, and "
                "have you tried it once?")
    summary = question + (f" Seen in the repo: {'; '.join(seen)}." if seen else "")
    return Outcome(Status.MANUAL, summary, {"question": question, "hints": hints}, fix=fix)
