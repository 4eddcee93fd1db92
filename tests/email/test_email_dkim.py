"""DKIM: the dkimpy key records (zlib licence, data/dkim) parsed and served over DNS, and selector discovery.

Discovery zones are built from the provider table's patterns (email-providers.json): a Google TXT key, SendGrid
CNAMEs into a stand-in sendgrid.net zone, a dangling CNAME, a CNAME loop, a wildcard, and domains whose selector
cannot be guessed (which must give ``manual``, never "no DKIM").
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from emailtest_support import DATA, email_dns, serve_zones

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.checks.email_dkim import dkim_outcome
from launchready_tui.checks.emailauth.dkim import key_record_findings, parse_dkim_key, without_testing_flag
from launchready_tui.checks.emailauth.errors import DkimParseError
from launchready_tui.core.model import Status
from launchready_tui.core.project import Project
from launchready_tui.lab.zones import dkim_txt, txt

# file -> (parses, key type, bits, finding codes)
DKIMPY: dict[str, tuple[bool, str | None, int | None, set[str]]] = {
    "test.txt": (True, "rsa", 1024, {"dkim.short_key"}),
    "test2.txt": (True, "rsa", 1024, {"dkim.short_key"}),
    "1024_testkey_wo_markers.pub.txt": (True, "rsa", 1024, {"dkim.short_key"}),
    "1024_testkey_wo_markers.pub.rsa.txt": (True, "rsa", 1024, {"dkim.short_key"}),
    "2048_testkey_wo_markers.pub.txt": (True, "rsa", 2048, set()),
    "2048_testkey_PKCS8.key.pub.txt": (True, "rsa", 2048, set()),
    "2048_testkey_wo_markers.pub.rsa.txt": (True, "rsa", 2048, set()),
    "eximtest.dns": (True, "ed25519", 256, set()),
    "ed25519test.dns": (True, "ed25519", 256, set()),
    "badk.txt": (False, None, None, {"dkim.unknown_key_type"}),
    "badversion.txt": (False, None, None, {"dkim.bad_version"}),
    "test_bad.txt": (False, None, None, {"dkim.bad_key"}),
    "test_tlsrpt.txt": (True, "rsa", 1024, {"dkim.not_for_mail", "dkim.short_key"}),
}


def _record(name: str) -> str:
    return (DATA / "dkim" / name).read_text().strip()


def test_every_dkimpy_record_is_covered() -> None:
    files = {p.name for p in (DATA / "dkim").iterdir() if not p.name.startswith("LICENSE")}
    assert files == set(DKIMPY)


@pytest.mark.parametrize("name", sorted(DKIMPY))
def test_dkimpy_records(name: str) -> None:
    parses, key_type, bits, codes = DKIMPY[name]
    key, findings = key_record_findings(_record(name), "s._domainkey.example.com")
    assert (key is not None) is parses
    if key is not None:
        assert (key.key_type, key.bits) == (key_type, bits)
    assert {f.code for f in findings} == codes
    if not parses:
        assert [f.severity.value for f in findings] == ["fail"]


def test_pkcs1_and_spki_give_the_same_size() -> None:
    spki = parse_dkim_key(_record("2048_testkey_wo_markers.pub.txt"))
    pkcs1 = parse_dkim_key(_record("2048_testkey_wo_markers.pub.rsa.txt"))
    assert (spki.der_format, pkcs1.der_format) == ("spki", "pkcs1") and spki.bits == pkcs1.bits == 2048


@pytest.mark.parametrize(("record", "code"), [
    ("v=DKIM1; p=", None),
    ("v=DKIM1; k=rsa; h=sha1; p=" + _record("test.txt").split("p=")[1], "dkim.sha1_only"),
    ("v=DKIM1; k=ed25519; t=y:s; p=" + _record("eximtest.dns").split("p=")[1], "dkim.testing"),
    ("k=rsa; v=DKIM1; p=abc", "dkim.bad_version"),
    ("v=DKIM1; k=rsa", "dkim.no_key"),
    ("v=DKIM1; p=!!!", "dkim.bad_key"),
    ("v=DKIM1; k=ed25519; p=AAAA", "dkim.bad_key"),
    ("v=DKIM1; p=a; p=b", "dkim.duplicate_tag"),
])
def test_own_key_cases(record: str, code: str | None) -> None:
    key, findings = key_record_findings(record, "s._domainkey.example.com")
    if record == "v=DKIM1; p=":
        assert key is not None and key.revoked and [f.code for f in findings] == ["dkim.revoked"]
        return
    assert code in {f.code for f in findings}


def _short_rsa_record(bits: int) -> str:
    # cryptography refuses to generate keys under 1024 bits; a public modulus of the right size is enough here.
    modulus = (1 << (bits - 1)) | 0xABCDEF12345 | 1
    der = rsa.RSAPublicNumbers(65537, modulus).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def test_rsa_below_1024_fails() -> None:
    key, findings = key_record_findings(_short_rsa_record(512), "s._domainkey.example.com")
    assert key is not None and key.bits == 512 and [f.code for f in findings] == ["dkim.weak_key"]
    assert findings[0].severity.value == "fail"


def test_the_fix_for_test_mode_is_the_same_record_without_t_y() -> None:
    key = parse_dkim_key("v=DKIM1; k=ed25519; t=y:s; p=" + _record("eximtest.dns").split("p=")[1])
    assert without_testing_flag(key) == "v=DKIM1; k=ed25519; t=s; p=" + _record("eximtest.dns").split("p=")[1]


def test_bad_input_only_raises_the_typed_error() -> None:
    for text in ("", ";;;", "v=DKIM1", "=", "p=" + "A" * 20000):
        with pytest.raises(DkimParseError):
            parse_dkim_key(text)


# -------------------------------------------------------------------------------------------- discovery


def _ctx(server: Any, domain: str, *, senders: list[str] | None = None, selectors: list[str] | None = None,
         extra: dict[str, Any] | None = None, sends_mail: bool = True) -> CheckContext:
    project = Project(domain=domain)
    project.email.senders = senders or []
    project.email.dkim_selectors = selectors or []
    project.email.sends_mail = sends_mail
    return CheckContext(project=project, resolver=email_dns(server).resolver, http=None,  # type: ignore[arg-type]
                        options=CheckOptions(extra=extra or {}))


def _zones() -> dict[str, str]:
    k2048 = txt(dkim_txt(2048))
    return {
        "google.example": f"google._domainkey TXT {k2048}\n@ TXT \"v=spf1 include:_spf.google.com -all\"",
        # SendGrid: s1/s2 CNAMEs to the provider; s2's target was removed (dangling)
        "grid.example": ("s1._domainkey CNAME s1.domainkey.u123.wl042.sendgrid.net.\n"
                         "s2._domainkey CNAME s2.domainkey.u123.wl042.sendgrid.net."),
        "sendgrid.net": f"s1.domainkey.u123.wl042 TXT {k2048}",
        "loop.example": "selector1._domainkey CNAME selector2._domainkey.loop.example.\n"
                        "selector2._domainkey CNAME selector1._domainkey.loop.example.",
        # Amazon SES: random-token selectors nobody can guess; _domainkey exists
        "ses.example": f"abcdef0123456789abcdef0123456789._domainkey TXT {k2048}",
        "nothing.example": "www A 192.0.2.1",
        "custom.example": f"mykey2026._domainkey TXT {k2048}",
        "revoked.example": 'google._domainkey TXT "v=DKIM1; p="',
        "testing.example": f"google._domainkey TXT {txt(dkim_txt(2048) + '; t=y')}",
    }


async def test_found_by_provider_selector_and_inferred_from_spf() -> None:
    async with serve_zones(_zones()) as server:
        out = await dkim_outcome(_ctx(server, "google.example"), email_dns(server))
    assert out.status is Status.PASS and out.summary == "DKIM keys found: google (2048-bit RSA)"
    found = out.evidence["found"]
    assert [p["name"] for p in found] == ["google._domainkey.google.example"]
    assert "google-workspace" in out.evidence["inferred_providers"]


async def test_provider_cnames_and_a_dangling_one() -> None:
    async with serve_zones(_zones()) as server:
        out = await dkim_outcome(_ctx(server, "grid.example", senders=["sendgrid"]), email_dns(server))
    assert out.status is Status.FAIL
    s1 = next(p for p in out.evidence["found"] if p["selector"] == "s1")
    assert s1["provider"] == "sendgrid" and s1["key"]["bits"] == 2048
    dangling = next(f for f in out.evidence["findings"] if f["code"] == "dkim.dangling")
    assert dangling["name"] == "s2._domainkey.grid.example"
    assert "s2.domainkey.u123.wl042.sendgrid.net" in dangling["message"] and "SendGrid" in dangling["message"]
    assert out.fix is not None and "delete this CNAME" in out.fix


async def test_a_cname_loop_is_a_fail() -> None:
    async with serve_zones(_zones()) as server:
        out = await dkim_outcome(_ctx(server, "loop.example", senders=["microsoft-365"]), email_dns(server))
    assert out.status is Status.FAIL
    assert {f["code"] for f in out.evidence["findings"]} == {"dkim.cname_loop"}


async def test_unguessable_selector_is_manual_with_the_reason() -> None:
    async with serve_zones(_zones()) as server:
        out = await dkim_outcome(_ctx(server, "ses.example", senders=["amazon-ses"]), email_dns(server))
    assert out.status is Status.MANUAL
    assert "which does not mean there is none" in out.summary
    assert "_domainkey.ses.example exists" in out.summary and "Amazon SES" in out.summary
    assert out.fix is not None and "--selector" in out.fix and "Easy DKIM" in out.fix


async def test_nothing_found_is_manual_not_missing() -> None:
    async with serve_zones(_zones()) as server:
        out = await dkim_outcome(_ctx(server, "nothing.example"), email_dns(server))
    assert out.status is Status.MANUAL and out.evidence["domainkey_node"] == "absent"
    assert "no DKIM" not in out.summary.replace("no DKIM key found under", "")


async def test_selector_from_the_project_the_cli_or_a_pasted_header() -> None:
    header = ("DKIM-Signature: v=1; a=rsa-sha256; d=custom.example; s=mykey2026; h=from:to; bh=x=; b=y=\n"
              "From: hello@custom.example\nTo: a@b.example\nSubject: hi\n")
    async with serve_zones(_zones()) as server:
        by_project = await dkim_outcome(_ctx(server, "custom.example", selectors=["mykey2026"]), email_dns(server))
        by_cli = await dkim_outcome(_ctx(server, "custom.example", extra={"email.selectors": ["MyKey2026"]}),
                                    email_dns(server))
        by_header = await dkim_outcome(_ctx(server, "custom.example", extra={"email.headers": header}),
                                       email_dns(server))
        without = await dkim_outcome(_ctx(server, "custom.example"), email_dns(server))
    for out, source in ((by_project, "project file"), (by_cli, "command line"), (by_header, "pasted e-mail")):
        assert out.status is Status.PASS, out.summary
        assert out.evidence["found"][0]["source"] == source
    assert without.status is Status.MANUAL


async def test_revoked_only_fails_and_test_mode_warns_with_the_record() -> None:
    async with serve_zones(_zones()) as server:
        revoked = await dkim_outcome(_ctx(server, "revoked.example"), email_dns(server))
        testing = await dkim_outcome(_ctx(server, "testing.example"), email_dns(server))
    assert revoked.status is Status.FAIL and "revoked" in revoked.summary
    assert testing.status is Status.WARN and testing.fix is not None
    assert "t=y" not in testing.fix.split("publish", 1)[1] and "v=DKIM1; k=rsa; p=" in testing.fix


async def test_non_sending_domain_needs_no_key() -> None:
    async with serve_zones(_zones()) as server:
        out = await dkim_outcome(_ctx(server, "nothing.example", sends_mail=False), email_dns(server))
    assert out.status is Status.PASS and "sends no mail" in out.summary


async def test_timeouts_on_known_selectors_are_error() -> None:
    async with serve_zones(_zones()) as server:
        server.set_fault("_domainkey.google.example", mode="timeout")
        out = await dkim_outcome(_ctx(server, "google.example", selectors=["google"]), email_dns(server, 0.3))
    assert out.status is Status.ERROR and out.summary.startswith("could not check DKIM")


def test_data_readme_is_kept(tmp_path: Path) -> None:
    assert (DATA / "dkim" / "LICENSE.dkimpy").is_file() and (DATA / "README.md").is_file()


async def test_a_sender_whose_key_is_unseen_gets_a_note_not_a_verdict() -> None:
    async with serve_zones(_zones()) as server:
        out = await dkim_outcome(_ctx(server, "google.example", senders=["google-workspace", "amazon-ses", "sendgrid"]),
                                 email_dns(server))
    assert out.status is Status.PASS
    notes = [f["message"] for f in out.evidence["findings"] if f["code"] == "dkim.sender_key_unseen"]
    assert len(notes) == 2
    assert any("Amazon SES" in n and "random tokens" in n for n in notes)
    assert any("SendGrid" in n and "s1, s2" in n for n in notes)
