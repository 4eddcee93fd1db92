"""``email.spf`` as a check: configured senders, the non-sending template, the fix text for the DNS host."""

from __future__ import annotations

from typing import Any

from emailtest_support import email_dns, serve_zones

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.email_spf import spf_outcome
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project

ZONES = {
    "google.com": '_spf TXT "v=spf1 include:_netblocks.google.com ~all"\n_netblocks TXT "v=spf1 ip4:192.0.2.0/25 ~all"',
    "mcsv.net": 'servers TXT "v=spf1 ip4:203.0.113.0/26 ?all"',
    "cloudflare.com": "",
    "acme.example": '@ NS ada.ns.cloudflare.com.\n@ TXT "v=spf1 ip4:198.51.100.7 -all"',
    "parked.example": '@ TXT "v=spf1 mx ~all"\n@ MX 0 .',
}


def _ctx(server: Any, domain: str, senders: list[str], sends_mail: bool = True) -> CheckContext:
    project = Project(domain=domain)
    project.email.senders = senders
    project.email.sends_mail = sends_mail
    return CheckContext(project=project, resolver=email_dns(server).resolver, http=None,  # type: ignore[arg-type]
                        options=CheckOptions())


async def test_a_mailbox_provider_missing_from_spf_fails_with_the_record_to_publish() -> None:
    async with serve_zones(ZONES) as server:
        out = await spf_outcome(_ctx(server, "acme.example", ["google-workspace"]), email_dns(server))
    assert out.status is Status.FAIL and not out.blocker  # a missing sender is serious, but not permerror
    assert "does not include _spf.google.com" in out.summary
    assert out.evidence["proposed"]["record"] == "v=spf1 ip4:198.51.100.7 include:_spf.google.com -all"
    assert out.fix is not None
    assert out.fix.startswith("Cloudflare dashboard → acme.example → DNS → Records")  # NS at Cloudflare
    assert "DNS lookups after this change: 2 of 10." in out.fix


async def test_optional_and_subdomain_senders() -> None:
    async with serve_zones(ZONES) as server:
        marketing = await spf_outcome(_ctx(server, "acme.example", ["mailchimp"]), email_dns(server))
        resend = await spf_outcome(_ctx(server, "acme.example", ["resend"]), email_dns(server))
    assert marketing.status is Status.WARN and "servers.mcsv.net" in marketing.summary
    assert resend.status is Status.PASS
    note = next(f for f in resend.evidence["findings"] if f["code"] == "spf.sender_elsewhere")
    assert "send.<the domain you added in Resend>" in note["message"]


async def test_a_domain_that_sends_no_mail() -> None:
    async with serve_zones(ZONES) as server:
        out = await spf_outcome(_ctx(server, "parked.example", [], sends_mail=False), email_dns(server))
    assert out.status is Status.WARN and "exactly 'v=spf1 -all'" in out.summary
    assert out.evidence["proposed"]["record"] == "v=spf1 -all"
    assert out.fix is not None and "Value: v=spf1 -all" in out.fix and not out.blocker
