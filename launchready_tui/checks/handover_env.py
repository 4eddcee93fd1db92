"""The environment-variable matrix of the handover (handover.md §1.5): names × environments, never values.

Built from the stage-4 inventory (``deploy.env_documented``'s evidence: the names the code reads,
where they are documented, per-environment files and platform configs). One thing the inventory does
not give is "same as prod": that is computed here by comparing, in memory, the values of local
``.env.<environment>`` files in the repository folder; only the boolean leaves this module, and the
values are dropped at once. Never values, never hashes of values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launchready_tui.checks.handover_data import actions_env_home, platform

SET, MISSING, SAME, UNKNOWN, PLATFORM = "set", "missing", "same as prod", "not known", "set by the platform"
# Names that hold credentials; public-prefix names ship to the browser and are not secrets by design.
_SECRET_NAME = re.compile(r"SECRET|PRIVATE|PASSWORD|PASSWD|TOKEN|API_?KEY|ACCESS_KEY|CREDENTIAL|DATABASE_URL|"
                          r"_DSN$|WEBHOOK|JWT|SIGNING|SERVICE_ROLE|AUTH_KEY|SMTP_PASS")
_PUBLIC_NAME = re.compile(r"PUBLISHABLE|ANON_KEY|SENTRY_DSN|MEASUREMENT_ID|^NEXT_PUBLIC_|^VITE_|^REACT_APP_|"
                          r"^EXPO_PUBLIC_|^NUXT_PUBLIC_|^PUBLIC_|^GATSBY_")
MAX_ENV_FILE_BYTES = 256 * 1024


@dataclass(slots=True)
class EnvRow:
    name: str
    secret: bool
    cells: dict[str, str] = field(default_factory=dict)  # environment -> SET / MISSING / SAME / UNKNOWN / PLATFORM
    where: list[str] = field(default_factory=list)
    documented: bool = False
    read_at: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "secret": self.secret, "cells": dict(self.cells), "where": list(self.where),
                "documented": self.documented, "read_at": list(self.read_at)}


@dataclass(slots=True)
class EnvMatrix:
    environments: list[str]
    rows: list[EnvRow]
    undocumented: list[str]
    documented_in: list[str]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"environments": list(self.environments), "rows": [r.to_json() for r in self.rows],
                "undocumented": list(self.undocumented), "documented_in": list(self.documented_in),
                "notes": list(self.notes)}


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return bool(_SECRET_NAME.search(upper)) and not _PUBLIC_NAME.search(upper)


def _env_order(environments: list[str]) -> list[str]:
    rank = {"production": 0, "staging": 1, "preview": 2, "development": 3}
    return sorted(dict.fromkeys(environments), key=lambda e: (rank.get(e, 9), e))


def same_as_production(root: Path | None, names: set[str], environments: list[str]) -> dict[str, list[str]]:
    """Which names have the production value in another environment's local ``.env.<env>`` file.

    Values are compared in memory and dropped; only ``{name: [environment, …]}`` is returned.
    """
    if root is None or "production" not in environments:
        return {}
    from launchready_tui.checks.secrets.env_vars import environment_of, parse_dotenv

    files: dict[str, Path] = {}
    for path in sorted(root.glob(".env.*")):
        env = environment_of(path.name)
        if env and path.is_file() and path.stat().st_size <= MAX_ENV_FILE_BYTES:
            files.setdefault(env, path)
    if "production" not in files:
        return {}

    def values(path: Path) -> dict[str, str]:
        try:
            return parse_dotenv(path.name, path.read_text(encoding="utf-8", errors="replace")).values
        except OSError:
            return {}

    prod = values(files["production"])
    out: dict[str, list[str]] = {}
    for env, path in files.items():
        if env == "production":
            continue
        other = values(path)
        for name in names:
            if prod.get(name) and other.get(name) == prod.get(name):
                out.setdefault(name, []).append(env)
        other.clear()
    prod.clear()
    return out


def build_matrix(evidence: dict[str, Any], environments: list[str], root: Path | None,
                 platform_ids: list[str]) -> EnvMatrix:
    """The matrix from ``deploy.env_documented`` evidence (see checks/deploy.py) and the project's environments."""
    read_by_code: dict[str, list[str]] = {str(k): [str(x) for x in (v or [])]
                                          for k, v in (evidence.get("read_by_code") or {}).items()}
    undocumented = sorted(str(x) for x in evidence.get("undocumented") or [])
    stale = [str(x) for x in evidence.get("stale") or []]
    platform_provided = {str(x) for x in evidence.get("platform_provided") or []}
    per_env: dict[str, dict[str, Any]] = {str(k): v for k, v in (evidence.get("environments") or {}).items()
                                          if isinstance(v, dict)}
    documented_in = [str(x) for x in evidence.get("documented_in") or []]
    envs = _env_order(list(environments) + list(per_env))
    names = set(read_by_code) | set(stale)
    same = same_as_production(root, names, envs)
    homes = [p.env_home for p in (platform(pid) for pid in platform_ids) if p and p.env_home]
    rows: list[EnvRow] = []
    for name in sorted(names):
        row = EnvRow(name=name, secret=is_secret_name(name), documented=name not in undocumented,
                     read_at=read_by_code.get(name, [])[:3])
        for env in envs:
            info = per_env.get(env)
            if name in platform_provided:
                cell = PLATFORM
            elif env in same.get(name, []):
                cell = SAME
            elif info is None:
                cell = UNKNOWN
            elif name in (info.get("missing") or []):
                cell = MISSING
            elif name in (info.get("declared_in_platform_config") or []) or info.get("file"):
                cell = SET
            else:
                cell = UNKNOWN
            row.cells[env] = cell
            files = [str(f) for f in info.get("file") or []] if info else []
            if cell in (SET, SAME) and files:
                row.where.extend(f for f in files if f not in row.where)
            if cell == SET and info and name in (info.get("declared_in_platform_config") or []):
                row.where.append(f"platform config ({env})")
        if any(w.startswith(".github/workflows/") for w in read_by_code.get(name, [])):
            row.where.append(actions_env_home())
        if name not in platform_provided:
            row.where.extend(h for h in homes if h not in row.where)
        if row.documented and documented_in and name not in platform_provided:
            row.where.append("listed in " + ", ".join(documented_in))
        if name in stale:
            row.where.append("listed but no longer read by the code")
        rows.append(row)
    notes = []
    if not per_env:
        notes.append("no per-environment files or platform configs were found, so which environment sets each "
                     "variable is not known to launchready: confirm it in your platform's settings")
    if same:
        notes.append("'same as prod' was computed by comparing local .env files in memory; no value was kept")
    return EnvMatrix(environments=envs, rows=rows, undocumented=undocumented, documented_in=documented_in,
                     notes=notes)
