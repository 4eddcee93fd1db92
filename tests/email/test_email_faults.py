"""Faults on a real DNS server: timeouts and failures are ``error`` ("could not check"), never "missing"; TXT
split into many strings; a 4 KB TXT answer that needs TCP; non-ASCII garbage; CNAME loops."""

from __future__ import annotations

from typing import Any

import pytest
from emailtest_support import email_dns, serve_zones

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.email_dkim import dkim_outcome
from launchready_tui.checks.email_dmarc import dmarc_outcome
from launchready_tui.checks.email_mx import bimi_outcome, mta_sts_outcome, mx_outcome, tls_rpt_outcome
from launchready_tui.checks.email_spf import spf_outcome
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project
from launchready_tui.lab.zones import dkim_txt, txt

OUTCOMES = {"email.spf": spf_outcome, "email.dkim": dkim_outcome, "email.dmarc": dmarc_outcome,
            "email.mx": mx_outcome, "email.mta_sts": mta_sts_outcome, "email.tls_rpt": tls_rpt_outcome,
            "email.bimi": bimi_outcome}

BIG_IP4 = " ".join(f"ip4:198.51.{i // 256}.{i % 256}" for i in range(200))


def _split(value: str, size: int) -> str:
    """A TXT value as many short strings (RFC 7208 §3.3 joins them without spaces)."""
    parts = [value[i:i + size] for i in range(0, len(value), size)]
    return " ".join('"' + p + '"' for p in parts)


def _zones() -> dict[str, str]:
    return {
        "acme.example": "\n".join([
            "@ A 192.0.2.1",
            "@ MX 10 mx.acme.example.",
            "mx A 192.0.2.2",
            f"@ TXT {_split('v=spf1 ip4:192.0.2.0/24 include:_spf.acme.example -all', 7)}",
            "_spf TXT \"v=spf1 ip4:198.51.100.0/24 -all\"",
            f"@ TXT {txt('verification=' + 'x' * 4000)}",  # 4 KB: the TXT answer only fits over TCP
            f"google._domainkey TXT {_split(dkim_txt(2048), 40)}",
            '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:d@acme.example"',
        ]),
        "big.example": f"@ TXT {txt('v=spf1 ' + BIG_IP4 + ' -all')}",
        "garbage.example": "\n".join([
            '@ TXT "v=spf1 a:\\255\\254garbage.example -all"',
            '@ TXT "\\200\\201 not spf at all"',
            '_dmarc TXT "v=DMARC1; p=re\\195\\169ject"',
            'google._domainkey TXT "v=DKIM1; k=rsa; p=\\195\\169\\195\\169"',
        ]),
        "loops.example": "\n".join([
            '@ TXT "v=spf1 include:a.loops.example -all"',
            "a CNAME b.loops.example.",
            "b CNAME a.loops.example.",
            "@ MX 10 mx.loops.example.",
            "mx CNAME mx2.loops.example.",
            "mx2 CNAME mx.loops.example.",
        ]),
    }


def _ctx(server: Any, domain: str, timeout: float = 1.0, senders: tuple[str, ...] = ("google-workspace",)
         ) -> CheckContext:
    project = Project(domain=domain)
    project.email.senders = list(senders)
    return CheckContext(project=project, resolver=email_dns(server, timeout).resolver, http=None,  # type: ignore[arg-type]
                        options=CheckOptions())


@pytest.mark.parametrize("mode", ["timeout", "servfail", "refused"])
async def test_dns_failure_is_error_for_every_check(mode: str) -> None:
    async with serve_zones(_zones()) as server:
        server.set_fault("*", mode=mode)  # type: ignore[arg-type]
        outcomes = {cid: await fn(_ctx(server, "acme.example", 0.3), email_dns(server, 0.3))
                    for cid, fn in OUTCOMES.items()}
    for cid, out in outcomes.items():
        assert out.status is Status.ERROR, f"{cid}: {out.status} {out.summary}"
        assert out.summary.startswith("could not check"), out.summary
        assert "missing" not in out.summary and "no SPF" not in out.summary and "no DMARC" not in out.summary


async def test_split_strings_and_a_4kb_answer_over_tcp() -> None:
    async with serve_zones(_zones()) as server:
        spf = await spf_outcome(_ctx(server, "acme.example"), email_dns(server))
        dkim = await dkim_outcome(_ctx(server, "acme.example"), email_dns(server))
        big = await spf_outcome(_ctx(server, "big.example", senders=()), email_dns(server))
    assert spf.evidence["record"] == "v=spf1 ip4:192.0.2.0/24 include:_spf.acme.example -all"
    assert spf.evidence["lookups"] == 1
    assert dkim.status is Status.PASS and dkim.evidence["found"][0]["key"]["bits"] == 2048
    assert big.evidence["record"].startswith("v=spf1 ip4:198.51.0.0") and big.evidence["lookups"] == 0
    assert big.status is Status.WARN and "bytes" in big.summary  # over 512 bytes: some receivers need TCP


async def test_non_ascii_garbage_is_a_syntax_error_not_a_crash() -> None:
    async with serve_zones(_zones()) as server:
        spf = await spf_outcome(_ctx(server, "garbage.example"), email_dns(server))
        dmarc = await dmarc_outcome(_ctx(server, "garbage.example"), email_dns(server))
        dkim = await dkim_outcome(_ctx(server, "garbage.example"), email_dns(server))
    assert spf.status is Status.FAIL
    syntax = next(f for f in spf.evidence["findings"] if f["code"] == "spf.syntax")
    assert "U+FFFD" in syntax["message"] and syntax["detail"]["problems"][0]["position"] == 7
    assert dmarc.status is Status.FAIL and "not a policy" in dmarc.summary
    assert dkim.status is Status.FAIL and any(f["code"] == "dkim.bad_key" for f in dkim.evidence["findings"])


async def test_cname_loops() -> None:
    async with serve_zones(_zones()) as server:
        spf = await spf_outcome(_ctx(server, "loops.example"), email_dns(server))
        mx = await mx_outcome(_ctx(server, "loops.example"), email_dns(server))
    missing = next(f for f in spf.evidence["findings"] if f["code"] == "spf.include_missing")
    assert missing["permerror"] and "CNAME" in missing["message"]
    assert spf.status is Status.FAIL
    assert mx.status is Status.FAIL and any(f["code"] == "mx.no_address" for f in mx.evidence["findings"])
