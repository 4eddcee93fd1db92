"""The seven stages as data: goal, checks, deliverable, failure signal and the manual checklist.

Screens, the headless report and the handover document all read this one table, so a stage is
described once. Manual items are things only a person can confirm; their answers live in the
project file under ``answers`` keyed by the item id.
"""

from __future__ import annotations

from dataclasses import dataclass

from launchready_tui.core import catalogue
from launchready_tui.core.catalogue import CheckSpec


@dataclass(frozen=True, slots=True)
class ManualItem:
    id: str  # stable, e.g. "audit.registrar_login"; key under `answers:` in the project file
    text: str


@dataclass(frozen=True, slots=True)
class StageSpec:
    number: int
    id: str
    title: str
    goal: str
    failure_signal: str
    deliverable: str
    manual_items: tuple[ManualItem, ...]

    @property
    def checks(self) -> tuple[CheckSpec, ...]:
        return catalogue.for_stage(self.number)


def _m(stage_id: str, *items: tuple[str, str]) -> tuple[ManualItem, ...]:
    return tuple(ManualItem(f"{stage_id}.{key}", text) for key, text in items)


STAGES: tuple[StageSpec, ...] = (
    StageSpec(
        1, "audit", "Quick audit",
        goal="Know in ten minutes where the product is hosted, who controls the domain, and the worst "
        "risks before anyone else finds them.",
        failure_signal="Nobody can say who owns the domain or DNS, keys are visible in the site's "
        "JavaScript, or onboarding mail lands in spam.",
        deliverable="A risk list ranked by business impact, each line naming its fix.",
        manual_items=_m(
            "audit",
            ("registrar_login", "You can log in to the domain registrar yourself (not only a freelancer)."),
            ("dns_login", "You can log in to the DNS provider (e.g. Cloudflare) yourself."),
            ("hosting_login", "You can log in to the hosting platform and see the production project."),
            ("auto_renew", "Domain auto-renew is on and the card on file is valid."),
        ),
    ),
    StageSpec(
        2, "routing", "Domain and routing",
        goal="Every name a customer may type lands on one canonical HTTPS address, in at most one redirect.",
        failure_signal="A redirect loop, a certificate warning on any host, or www and apex serving "
        "different sites.",
        deliverable="A DNS map: records by host, documented, exportable as Markdown.",
        manual_items=_m(
            "routing",
            ("canonical_choice", "You decided whether the canonical host is the apex or www."),
            ("old_domains", "Old or alternative domains redirect to the canonical one."),
            ("unused_subdomains", "Subdomains pointing at services you no longer use are deleted."),
        ),
    ),
    StageSpec(
        3, "edge", "Edge delivery",
        goal="Static assets are served fast from a CDN, compressed and cached; API and signed-in pages "
        "are never cached.",
        failure_signal="One user sees another user's data from a cache, or a traffic spike takes the "
        "origin down.",
        deliverable="A caching table: what is cached where, for how long, and what must never be.",
        manual_items=_m(
            "edge",
            ("cache_rules", "CDN cache rules reviewed: no rule caches /api or signed-in pages."),
            ("ddos_plan", "You know how to turn on 'under attack' / rate limiting at your edge."),
        ),
    ),
    StageSpec(
        4, "deploy", "Production deploy",
        goal="Secrets live only in the platform's env/secret manager, every env var is documented, "
        "and a bad deploy can be rolled back in minutes.",
        failure_signal="A key in git history or in the JavaScript bundle, or nobody knows how to roll back.",
        deliverable="An env-var inventory per environment (names, never values) and the rollback steps.",
        manual_items=_m(
            "deploy",
            ("secret_manager", "Production secrets are set in the platform's secret manager, not in files."),
            ("rotated", "Any key that was ever committed or shipped to the browser has been rotated."),
            ("staging", "Staging uses its own database and its own keys."),
            ("rollback_tested", "You rolled back a deploy once, on purpose, and it worked."),
            ("db_backups", "Database backups are on and a restore was tried."),
        ),
    ),
    StageSpec(
        5, "monitoring", "Monitoring and alerting",
        goal="You hear about an outage from an alert, not from a customer.",
        failure_signal="No uptime check on login or the API, or alerts go to an inbox nobody reads.",
        deliverable="Monitor definitions (Gatus config) and a confirmed alert route.",
        manual_items=_m(
            "monitoring",
            ("alert_phone", "Alerts reach a phone at night (push or SMS), not only e-mail."),
            ("on_call", "Someone is named to respond during the launch week."),
        ),
    ),
    StageSpec(
        6, "load", "Load sanity test and AI paths",
        goal="Know what traffic level is safe today, what breaks first, and that the AI feature cannot "
        "be talked into leaking its prompt or keys.",
        failure_signal="p95 above target or errors above 1 % at the expected launch traffic, or an AI "
        "answer that leaks the system prompt.",
        deliverable="A capacity note: safe users today, what breaks first, and the numbers.",
        manual_items=_m(
            "load",
            ("ai_spend_cap", "A monthly spend cap is set at the AI provider."),
            ("rate_limits", "Per-user rate limits exist on the AI and signup endpoints."),
        ),
    ),
    StageSpec(
        7, "handover", "Handover",
        goal="The founder can run the product after the consultant leaves: who owns what, how to roll "
        "back, whom to call.",
        failure_signal="An account only a departed freelancer can log in to, or no written rollback.",
        deliverable="The handover document (Markdown, HTML, PDF).",
        manual_items=_m(
            "handover",
            ("walkthrough", "The founder walked the rollback steps with the consultant."),
            ("access_removed", "Access of people who left has been removed."),
        ),
    ),
)

BY_NUMBER: dict[int, StageSpec] = {s.number: s for s in STAGES}


def get(number: int) -> StageSpec:
    if number not in BY_NUMBER:
        raise KeyError(f"there is no stage {number}; stages are 1 to 7")
    return BY_NUMBER[number]
