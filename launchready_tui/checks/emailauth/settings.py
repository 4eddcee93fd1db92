"""What the email checks need to know about the founder's setup, gathered from every place it can come from.

* ``project.email``: ``sends_mail``, ``senders`` (provider ids), ``dkim_selectors``.
* ``project.answers`` (written by the wizard's panels): ``email.header_selectors`` (selectors read from a pasted
  e-mail), ``email.report_address`` (where DMARC/TLS-RPT reports go; PII, never a secret).
* ``ctx.options.extra`` (set by ``launchready email``): ``email.senders``, ``email.selectors``,
  ``email.report_address``, ``email.headers`` (a pasted header block), ``email.sends_mail``.

Also: which DNS host serves the domain (from its NS records), so fix text can name the right menus.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from launchready_tui.checks.emailauth.answers import ANSWER_REPORT_ADDRESS, ANSWER_SELECTORS
from launchready_tui.checks.emailauth.dkim_signature import is_selector
from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.providers import Provider, table

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext

_ADDRESS = re.compile(r"[^@\s<>,;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                      r"[A-Za-z0-9])?)+")

# NS host pattern -> provider id of the fix guides (the same ids as assets/providers.yaml).
DNS_HOSTS: tuple[tuple[str, str], ...] = (
    (r"\.ns\.cloudflare\.com$", "cloudflare"),
    (r"awsdns-\d+\.", "aws"),
    (r"\.vercel-dns\.com$", "vercel"),
    (r"\.nsone\.net$", "netlify"),
    (r"\.domaincontrol\.com$", "godaddy"),
    (r"\.registrar-servers\.com$", "namecheap"),
    (r"^ns-cloud-[a-e]\d\.googledomains\.com$", "gcp"),
    (r"^ns[1-3]\.digitalocean\.com$", "digitalocean"),
    (r"\.azure-dns\.", "azure"),
    (r"\.gandi\.net$", "gandi"),
    (r"\.porkbun\.com$", "porkbun"),
    (r"\.dnsimple\.com$", "dnsimple"),
)


@dataclass(slots=True)
class EmailSettingsView:
    domain: str
    sending: bool = True
    sender_ids: list[str] = field(default_factory=list)
    senders: list[Provider] = field(default_factory=list)
    unknown_senders: list[str] = field(default_factory=list)
    selectors: dict[str, str] = field(default_factory=dict)  # selector -> where it came from
    report_address: str | None = None
    headers: str | None = None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int)]
    return []


def valid_report_address(text: str | None) -> str | None:
    if not text:
        return None
    text = text.strip().removeprefix("mailto:")
    return text if _ADDRESS.fullmatch(text) else None


def email_settings(ctx: CheckContext) -> EmailSettingsView:
    project = ctx.project
    extra = ctx.options.extra
    view = EmailSettingsView(project.domain.lower().rstrip("."))
    sends = extra.get("email.sends_mail")
    view.sending = bool(project.email.sends_mail if sends is None else sends)
    providers = table()
    for pid in dict.fromkeys([*project.email.senders, *_strings(extra.get("email.senders"))]):
        view.sender_ids.append(pid)
        provider = providers.get(pid)
        if provider is None:
            view.unknown_senders.append(pid)
        else:
            view.senders.append(provider)
    sources = (
        (project.email.dkim_selectors, "project file"),
        (_strings(project.answers.get(ANSWER_SELECTORS)), "pasted e-mail"),
        (_strings(extra.get("email.selectors")), "command line"),
    )
    for values, source in sources:
        for sel in values:
            sel = sel.strip().lower()
            if sel and is_selector(sel):
                view.selectors.setdefault(sel, source)
    headers = extra.get("email.headers")
    if isinstance(headers, str) and headers.strip():
        from launchready_tui.checks.emailauth.headers import selectors_from_headers

        view.headers = headers
        for sel in selectors_from_headers(headers, view.domain):
            view.selectors.setdefault(sel, "pasted e-mail")
    view.report_address = valid_report_address(extra.get("email.report_address")) or valid_report_address(
        project.answers.get(ANSWER_REPORT_ADDRESS) if isinstance(project.answers.get(ANSWER_REPORT_ADDRESS), str)
        else None)
    return view


async def dns_host(ctx: CheckContext, dns: EmailDns, domain: str) -> str | None:
    """The fix-guide variant for the DNS host of ``domain``: the founder's choice or ``stack.providers`` when
    known, else read from the NS records (one query)."""
    from launchready_tui.checks.provider_pick import provider_for

    chosen = provider_for(ctx, "dns")
    if chosen:
        return chosen
    answer = await dns.query(domain, "NS")
    for record in answer.records if answer.ok else []:
        host = record.lower().rstrip(".")
        for pattern, key in DNS_HOSTS:
            if re.search(pattern, host):
                return key
    return None


def relative_name(name: str, domain: str) -> str:
    """"@" for the apex, "_dmarc" for _dmarc.<domain>: what DNS panels call the record's name."""
    n, d = name.lower().rstrip("."), domain.lower().rstrip(".")
    if n == d:
        return "@"
    return n[: -len(d) - 1] if n.endswith("." + d) else n


def new_dns(ctx: CheckContext) -> EmailDns:
    return EmailDns(ctx.resolver, cancel_event=ctx.cancel_event)


# Which email checks ran in which run. The wizard keeps one context for the session and gives each run its own
# cancel event (ctx.results is shared between runs), so a result may only be reused by email.summary when it
# was produced under the same cancel event: otherwise a re-check after a DNS edit would show the old answer.
_RUNS: weakref.WeakKeyDictionary[asyncio.Event, set[str]] = weakref.WeakKeyDictionary()


def mark_ran(ctx: CheckContext, check_id: str) -> None:
    _RUNS.setdefault(ctx.cancel_event, set()).add(check_id)


def ran_this_run(ctx: CheckContext, check_id: str) -> bool:
    return check_id in _RUNS.get(ctx.cancel_event, set())
