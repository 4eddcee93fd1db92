"""The check catalogue: every check id of the contract, its stage, default impact and where it lives.

Functions are named by "module:function" strings, not imported, so loading the catalogue costs nothing
and a stage can tell which of its checks are built yet (the module exists) without running them.
A check function is ``async def <id with dots as underscores>(ctx: CheckContext) -> Outcome``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from launchready_tui.core.model import Impact

_PKG = "launchready_tui.checks"


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    title: str
    stage: int
    impact: Impact
    module: str  # module name under launchready_tui.checks, or a dotted absolute module name
    timeout_s: float = 30.0
    network: bool = True  # False: works on local files or answers only
    # True: on cancel the check is not killed at once; it sees ``cancel_event`` and reports what it
    # measured so far (the load test stops its generator within a second and keeps the partial steps)
    winds_down: bool = False

    @property
    def function_name(self) -> str:
        return self.id.replace(".", "_")

    @property
    def module_path(self) -> str:
        return self.module if "." in self.module else f"{_PKG}.{self.module}"

    def is_built(self) -> bool:
        """True when the module implementing this check exists (no import, no side effects)."""
        try:
            return importlib.util.find_spec(self.module_path) is not None
        except ModuleNotFoundError:
            return False


def _c(
    check_id: str, title: str, stage: int, impact: Impact, module: str,
    timeout_s: float = 30.0, network: bool = True, winds_down: bool = False,
) -> CheckSpec:
    return CheckSpec(check_id, title, stage, impact, module, timeout_s, network, winds_down)


I = Impact  # noqa: E741 - short alias keeps the table readable

CHECKS: tuple[CheckSpec, ...] = (
    # Stage 1 - quick audit
    _c("dns.resolves", "Domain resolves", 1, I.DOWNTIME, "dns_basics", 20),
    _c("stack.providers", "Hosting, CDN, DNS provider and registrar", 1, I.OPS, "providers"),
    _c("dns.cloudflare_proxy", "Cloudflare proxy status", 1, I.SECURITY, "providers"),
    _c("domain.registration", "Domain registration and expiry", 1, I.DOWNTIME, "rdap"),
    _c("dns.dnssec_caa", "DNSSEC and CAA", 1, I.SECURITY, "dns_basics"),
    _c("http.https_works", "HTTPS works", 1, I.BROKEN_LOGIN, "https_basics"),
    _c("http.response_time", "Response times of core endpoints", 1, I.SLOW_DEMO, "response_time", 90),
    _c("http.security_headers", "Security headers", 1, I.SECURITY, "headers"),
    _c("dns.ipv6", "IPv6 reachability", 1, I.DOWNTIME, "dns_basics"),
    _c("secrets.bundle_quick", "Keys in the live JavaScript (quick)", 1, I.DATA_LEAK, "secrets_web", 60),
    _c("email.summary", "Email authentication summary", 1, I.EMAIL_DELIVERY, "email_summary", 45),
    # Stage 2 - domain and routing
    _c("routing.http_to_https", "HTTP redirects to HTTPS", 2, I.SECURITY, "routing"),
    _c("routing.canonical_host", "One canonical host (apex or www)", 2, I.SEO, "routing"),
    _c("routing.redirect_chain", "Redirect chains without loops", 2, I.BROKEN_LOGIN, "routing"),
    _c("routing.subdomains", "Subdomains resolve, serve TLS and are claimed", 2, I.SECURITY, "subdomains", 60),
    _c("tls.cert_valid", "Certificates valid on every host", 2, I.BROKEN_LOGIN, "tls_certs"),
    _c("tls.cert_expiry", "Certificate expiry", 2, I.DOWNTIME, "tls_certs"),
    _c("tls.protocols", "TLS protocol versions", 2, I.SECURITY, "tls_certs"),
    _c("http.hsts", "HSTS", 2, I.SECURITY, "headers"),
    _c("http.mixed_content", "Mixed content", 2, I.SECURITY, "mixed_content"),
    _c("http.cookies", "Cookie flags", 2, I.BROKEN_LOGIN, "headers"),
    # Stage 3 - edge delivery
    _c("edge.cdn", "CDN in front of the site", 3, I.SLOW_DEMO, "providers"),
    _c("edge.static_cache", "Static assets cached", 3, I.SLOW_DEMO, "edge_cache"),
    _c("edge.compression", "Compression", 3, I.SLOW_DEMO, "edge_cache"),
    _c("edge.api_not_cached", "API routes never cached", 3, I.DATA_LEAK, "edge_cache"),
    _c("edge.auth_pages_not_cached", "Signed-in pages never cached", 3, I.DATA_LEAK, "edge_cache"),
    _c("edge.http2", "HTTP/2", 3, I.SLOW_DEMO, "edge_cache"),
    _c("edge.waf", "WAF / DDoS protection", 3, I.SECURITY, "providers"),
    # Stage 4 - production deploy
    _c("secrets.repo_tree", "No keys in the working tree", 4, I.DATA_LEAK, "secrets_repo", 120, False),
    _c("secrets.repo_history", "No keys in git history", 4, I.DATA_LEAK, "secrets_repo", 300, False),
    _c("secrets.bundle", "No keys in JavaScript bundles", 4, I.DATA_LEAK, "secrets_web", 120),
    _c("secrets.source_maps", "No public source maps", 4, I.DATA_LEAK, "secrets_web", 120),
    _c("deploy.env_ignored", ".env files ignored and never committed", 4, I.DATA_LEAK, "deploy", 60, False),
    _c("deploy.env_documented", "Env vars documented per environment", 4, I.OPS, "deploy", 60, False),
    _c("deploy.public_prefix_secrets", "No secrets behind public env prefixes", 4, I.DATA_LEAK, "deploy",
       60, False),
    _c("deploy.runtime_pinned", "Build and runtime versions match", 4, I.DOWNTIME, "deploy", 60, False),
    _c("deploy.staging_separate", "Staging separate from production", 4, I.OPS, "deploy", 10, False),
    _c("deploy.rollback_path", "A rollback path exists", 4, I.DOWNTIME, "deploy", 10, False),
    # Stage 5 - monitoring and alerting
    _c("monitor.health_endpoint", "Health endpoint", 5, I.OPS, "monitoring"),
    _c("monitor.uptime_service", "Uptime monitoring", 5, I.OPS, "monitoring"),
    _c("monitor.alert_route", "Alerts reach a person", 5, I.OPS, "monitoring"),
    _c("monitor.error_tracking", "Error tracking", 5, I.OPS, "monitoring"),
    _c("monitor.status_page", "Status page", 5, I.OPS, "monitoring"),
    # Stage 6 - load sanity test and AI paths
    _c("load.core_p95", "Core endpoints p95 under load", 6, I.SLOW_DEMO, "load", 900, winds_down=True),
    _c("load.ai_p95", "AI endpoints p95 under load", 6, I.SLOW_DEMO, "load", 900, winds_down=True),
    _c("load.error_rate", "Error rate under load", 6, I.DOWNTIME, "load", 900, winds_down=True),
    _c("load.capacity", "Capacity note", 6, I.DOWNTIME, "load", 900, winds_down=True),
    _c("load.generator_health", "Load generator health", 6, I.OPS, "load", 900, winds_down=True),
    _c("ai.latency", "AI endpoint latency", 6, I.SLOW_DEMO, "ai_probes", 300),
    _c("ai.prompt_injection", "Prompt-injection probes", 6, I.DATA_LEAK, "ai_probes", 900),
    _c("ai.cost_guard", "AI cost guard", 6, I.COST, "ai_probes", 900),  # waits for the run's other phases
    # Stage 7 - handover
    _c("handover.accounts", "Every account has an owner, a backup and 2FA", 7, I.OPS, "handover", 30, False),
    _c("handover.env_vars", "Env vars listed per environment", 7, I.OPS, "handover", 60, False),
    _c("handover.rollback", "Rollback steps", 7, I.DOWNTIME, "handover", 10, False),
    _c("handover.contacts", "Contacts and escalation", 7, I.OPS, "handover", 10, False),
    _c("handover.email_recheck", "Final email-authentication re-check", 7, I.EMAIL_DELIVERY, "handover", 60),
    _c("handover.export", "Handover document exported", 7, I.OPS, "handover", 60, False),
    # Email (shown in stage 1 through email.summary, re-run in stage 7); stage 0 = not listed in a stage
    _c("email.spf", "SPF", 0, I.EMAIL_DELIVERY, "email_spf"),
    _c("email.dkim", "DKIM", 0, I.EMAIL_DELIVERY, "email_dkim"),
    _c("email.dmarc", "DMARC", 0, I.EMAIL_DELIVERY, "email_dmarc"),
    _c("email.mx", "MX", 0, I.EMAIL_DELIVERY, "email_mx"),
    _c("email.mta_sts", "MTA-STS", 0, I.EMAIL_DELIVERY, "email_mx"),
    _c("email.tls_rpt", "TLS-RPT", 0, I.EMAIL_DELIVERY, "email_mx"),
    _c("email.bimi", "BIMI", 0, I.EMAIL_DELIVERY, "email_mx"),
)

BY_ID: dict[str, CheckSpec] = {c.id: c for c in CHECKS}
EMAIL_CHECK_IDS: tuple[str, ...] = tuple(c.id for c in CHECKS if c.stage == 0)


def get(check_id: str) -> CheckSpec:
    try:
        return BY_ID[check_id]
    except KeyError:
        raise KeyError(f"unknown check id {check_id!r}") from None


def for_stage(number: int) -> tuple[CheckSpec, ...]:
    return tuple(c for c in CHECKS if c.stage == number)
