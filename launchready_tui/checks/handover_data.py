"""Stage-7 inputs that are not check results: the platform table and the project file's handover keys.

The project file may hold (all optional, all non-secret; EXTENSION_KEYS in core/project.py)::

    handover: {from: "Ann Lee (consultant)", to: "Bob Stone (founder)", leaving: ["Ann Lee"],
               next_review: 2027-03-01}
    contacts:
      primary:   {name: Bob Stone, role: Founder, phone: "+1 555 0100", email: bob@acme.example}
      secondary: {name: Cara Diaz, role: CTO, email: cara@acme.example}
      incident_commander: Bob Stone
      room: "#incidents on Slack"
      escalation: {ack_minutes: 10, everyone_after_minutes: 5}
      severity: {incident: "sign-in or checkout down for anyone", major: "down for everyone or data exposed"}
      vendors: [{name: Cloudflare, url: https://dash.cloudflare.com/?to=/:account/support}]
      registrar: {abuse: abuse@registrar.example, transfer: "auth code via registrar dashboard"}
    deploy:   {platform: vercel, how: "git push main", health_url: https://api.acme.example/health,
               logs: "vercel logs", last_good_release: {id: dpl_123, date: 2026-11-20}}
    rollback: {steps: ["vercel rollback", "check /health"], tested_on: 2026-11-21,
               last_compatible_release: v1.4.2}

Parsing is lenient: a value of the wrong shape is ignored and named in ``problems`` (shown in the
check's evidence), never a crash.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import yaml

from launchready_tui.core.project import Project


@dataclass(frozen=True, slots=True)
class PlatformInfo:
    id: str
    name: str
    deploy: str
    rollback: str
    caveat: str
    env_home: str
    logs: str


@functools.cache
def _table() -> dict[str, Any]:
    path = resources.files("launchready_tui").joinpath("assets", "handover", "platforms.yaml")
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def platform(platform_id: str | None) -> PlatformInfo | None:
    key = (platform_id or "").lower()
    raw = (_table().get("platforms") or {}).get(key)
    if not isinstance(raw, dict):
        return None
    return PlatformInfo(key, *(str(raw.get(k, "")).strip() for k in
                               ("name", "deploy", "rollback", "caveat", "env_home", "logs")))


def known_platforms() -> list[str]:
    return sorted(_table().get("platforms") or {})


def every_platform_caveat() -> str:
    return str(_table().get("every_platform", "")).strip()


def actions_env_home() -> str:
    return str(_table().get("actions_env_home", "")).strip()


def support_link(provider: str | None) -> str | None:
    link = (_table().get("support") or {}).get((provider or "").lower())
    return str(link) if link else None


# --------------------------------------------------------------------------------------------------------
# Project-file keys


@dataclass(slots=True)
class Person:
    name: str = ""
    role: str = ""
    phone: str = ""
    email: str = ""

    @property
    def reachable(self) -> bool:
        return bool(self.name and (self.phone or self.email))

    def line(self) -> str:
        parts = [self.name or "not answered"]
        if self.role:
            parts[0] += f" ({self.role})"
        parts += [p for p in (self.phone, self.email) if p]
        return " · ".join(parts)


@dataclass(slots=True)
class Contacts:
    primary: Person | None = None
    secondary: Person | None = None
    incident_commander: str = ""
    room: str = ""
    ack_minutes: int | None = None
    everyone_after_minutes: int | None = None
    severity: dict[str, str] = field(default_factory=dict)
    vendors: list[tuple[str, str]] = field(default_factory=list)
    registrar: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class HandoverMeta:
    from_: str = ""
    to: str = ""
    leaving: list[str] = field(default_factory=list)
    next_review: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DeployInfo:
    platform: str = ""
    how: str = ""
    health_url: str = ""
    logs: str = ""
    last_good_release: dict[str, str] = field(default_factory=dict)  # id, date
    last_deploy: dict[str, str] = field(default_factory=dict)
    rollback_steps: list[str] = field(default_factory=list)
    tested_on: str = ""
    last_compatible_release: str = ""
    problems: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    if isinstance(value, date):
        return value.isoformat()
    return ""


def _mapping(project: Project, key: str, problems: list[str]) -> dict[str, Any]:
    raw = project.extra.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"'{key}' in the project file should be a mapping; it was ignored")
        return {}
    return raw


def _person(raw: Any, where: str, problems: list[str]) -> Person | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return Person(name=raw.strip())
    if not isinstance(raw, dict):
        problems.append(f"{where} should be a mapping with name, role, phone, email; it was ignored")
        return None
    return Person(**{k: _text(raw.get(k)) for k in ("name", "role", "phone", "email")})


def _minutes(raw: Any, where: str, problems: list[str]) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw <= 24 * 60:
        return raw
    problems.append(f"{where} should be a number of minutes; it was ignored")
    return None


def contacts(project: Project) -> Contacts:
    problems: list[str] = []
    raw = _mapping(project, "contacts", problems)
    out = Contacts(problems=problems)
    out.primary = _person(raw.get("primary"), "contacts.primary", problems)
    out.secondary = _person(raw.get("secondary"), "contacts.secondary", problems)
    out.incident_commander = _text(raw.get("incident_commander"))
    out.room = _text(raw.get("room"))
    esc = raw.get("escalation") if isinstance(raw.get("escalation"), dict) else {}
    out.ack_minutes = _minutes(esc.get("ack_minutes"), "contacts.escalation.ack_minutes", problems)
    out.everyone_after_minutes = _minutes(esc.get("everyone_after_minutes"),
                                          "contacts.escalation.everyone_after_minutes", problems)
    sev = raw.get("severity") if isinstance(raw.get("severity"), dict) else {}
    out.severity = {k: _text(v) for k, v in sev.items() if _text(v)}
    for i, item in enumerate(raw.get("vendors") or []):
        if isinstance(item, dict) and _text(item.get("name")):
            out.vendors.append((_text(item.get("name")), _text(item.get("url"))))
        else:
            problems.append(f"contacts.vendors[{i}] needs a name (and a url); it was ignored")
    reg = raw.get("registrar") if isinstance(raw.get("registrar"), dict) else {}
    out.registrar = {k: _text(v) for k, v in reg.items() if _text(v)}
    return out


def handover_meta(project: Project) -> HandoverMeta:
    problems: list[str] = []
    raw = _mapping(project, "handover", problems)
    leaving = raw.get("leaving") or []
    if isinstance(leaving, str):
        leaving = [leaving]
    if not isinstance(leaving, list):
        problems.append("handover.leaving should be a list of names; it was ignored")
        leaving = []
    return HandoverMeta(from_=_text(raw.get("from")), to=_text(raw.get("to")),
                        leaving=[_text(x) for x in leaving if _text(x)], next_review=_text(raw.get("next_review")),
                        problems=problems)


def deploy_info(project: Project) -> DeployInfo:
    problems: list[str] = []
    dep = _mapping(project, "deploy", problems)
    rb = _mapping(project, "rollback", problems)
    out = DeployInfo(platform=_text(dep.get("platform")).lower(), how=_text(dep.get("how")),
                     health_url=_text(dep.get("health_url")) or (project.health_url or ""),
                     logs=_text(dep.get("logs")), tested_on=_text(rb.get("tested_on")),
                     last_compatible_release=_text(rb.get("last_compatible_release")), problems=problems)
    for key in ("last_good_release", "last_deploy"):
        raw = dep.get(key)
        if isinstance(raw, dict):
            setattr(out, key, {k: _text(raw.get(k)) for k in ("id", "date") if _text(raw.get(k))})
        elif raw is not None:
            setattr(out, key, {"id": _text(raw)})
    steps = rb.get("steps")
    if isinstance(steps, str):
        out.rollback_steps = [s.strip() for s in steps.splitlines() if s.strip()]
    elif isinstance(steps, list):
        out.rollback_steps = [_text(s) for s in steps if _text(s)]
    elif steps is not None:
        problems.append("rollback.steps should be a list of steps; it was ignored")
    if out.platform and platform(out.platform) is None:
        known = ", ".join(known_platforms())
        problems.append(f"deploy.platform {out.platform!r} is not one launchready knows ({known}); its generic "
                        "steps are shown")
    return out


def answer(project: Project, key: str) -> tuple[bool | None, str]:
    """A yes/no manual answer under ``answers:`` (``true``, ``"yes"`` or ``{answer: yes, note: …}``)."""
    raw = project.answers.get(key)
    note = ""
    if isinstance(raw, dict):
        note = _text(raw.get("note"))
        raw = raw.get("answer")
    if isinstance(raw, bool):
        return raw, note
    if isinstance(raw, str) and raw.strip().lower() in ("yes", "no", "true", "false"):
        return raw.strip().lower() in ("yes", "true"), note
    return None, note
