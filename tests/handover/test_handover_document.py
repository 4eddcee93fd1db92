"""The handover document: golden Markdown for a fixed model, self-contained HTML, the PDF rendered with poppler
(pdftoppm to PNG, pdftotext for the words), non-Latin names, and the no-secret gate."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from launchready_tui.core.model import CheckResult, Impact, Status
from launchready_tui.core.project import Endpoint, Project
from launchready_tui.report.handover import (
    ExportError,
    ExportRequest,
    SecretInDocument,
    check_no_secrets,
    export,
    gate_values,
)
from launchready_tui.report.handover_model import HandoverSources, build_document
from launchready_tui.report.handover_render import render_html, render_markdown
from launchready_tui.vault.accounts import AccountRecord, save_account
from launchready_tui.vault.memory import MemoryStore

GOLDEN = Path(__file__).parent / "golden" / "handover_golden.md"
WHEN = datetime(2026, 11, 27, 23, 59, tzinfo=UTC)
SECTIONS = ["Cover", "Account owners", "DNS map", "E-mail authentication", "Environment variables",
            "Deploy and rollback", "Monitoring and alerts", "Capacity note", "Contacts and escalation",
            "Known risks and open items", "Dates", "Appendix"]
RECOVERY = "1Password vault Ops → item 'Registrar recovery'"


def _r(check_id: str, status: Status, summary: str, evidence: dict[str, Any] | None = None,
       impact: Impact = Impact.OPS, stage: int = 7, fix: str | None = None) -> CheckResult:
    return CheckResult(id=check_id, title=check_id, status=status, summary=summary, stage=stage, impact=impact,
                       evidence=evidence or {}, fix=fix)


def fixed_sources(tmp: Path, names: dict[str, str] | None = None, include_recovery: bool = False) -> HandoverSources:
    names = names or {}
    project = Project(domain="acme.example", product="Acme AI", app_url="https://app.acme.example",
                      endpoints=[Endpoint(name="home", url="https://acme.example/")], environments=["production",
                                                                                                    "staging"])
    project.source = tmp / "launchready.yaml"
    project.extra.update({
        "handover": {"from": "Cara Diaz (consultant)", "to": names.get("to", "Bob Stone (founder)"),
                     "next_review": "2027-03-01"},
        "contacts": {"primary": {"name": "Bob Stone", "role": "Founder", "phone": "+1 555 0100"},
                     "incident_commander": "Bob Stone", "room": "#incidents | war room",
                     "escalation": {"ack_minutes": 10, "everyone_after_minutes": 5}},
        "deploy": {"platform": "vercel", "how": "git push main", "logs": "vercel logs",
                   "last_good_release": {"id": "dpl_7", "date": "2026-11-20"}},
    })
    project.answers["deploy.staging_separate"] = {"answer": "n/a", "note": "single environment product"}
    store = MemoryStore()
    save_account(project, store, "registrar",
                 AccountRecord(owner=names.get("owner", "Ольга Петрова"), backup_owner=names.get("backup", "Zoë Ōkubo"),
                               login_email="ops@acme.example", twofa=True, twofa_method="hardware key",
                               recovery_location=RECOVERY),
                 {"provider": "namecheap", "renewal": "2027-12-01", "verified_on": "2026-11-20",
                  "verified_by": "Bob Stone"})
    save_account(project, store, "dns", AccountRecord(owner="Σοφία Παπαδοπούλου", login_email="sofia@gmail.com",
                                                      twofa=False), {"provider": "cloudflare"})
    records = {"registrar": AccountRecord.from_json(store.get("account:registrar") or ""),
               "dns": AccountRecord.from_json(store.get("account:dns") or "")}
    results = {r.id: r for r in [
        _r("handover.email_recheck", Status.FAIL, "re-checked: DMARC fail; SPF pass",
           {"checked_at": "2026-11-27T23:58:00Z", "missing": ["email.bimi"],
            "results": [{"id": "email.spf", "title": "SPF", "status": "pass", "summary": "v=spf1 … -all",
                         "evidence": {"name": "acme.example", "record": "v=spf1 include:_spf.google.com -all"}},
                        {"id": "email.dmarc", "title": "DMARC", "status": "fail", "summary": "no DMARC record",
                         "evidence": {}}]}, Impact.EMAIL_DELIVERY),
        _r("handover.env_vars", Status.PASS, "2 variable(s) listed",
           {"matrix": {"environments": ["production", "staging"], "undocumented": [], "documented_in": [".env.example"],
                       "notes": [], "rows": [
                           {"name": "DATABASE_URL", "secret": True, "cells": {"production": "set", "staging": "set"},
                            "where": ["Vercel → Project → Settings → Environment Variables"], "documented": True,
                            "read_at": []},
                           {"name": "STRIPE_SECRET_KEY", "secret": True,
                            "cells": {"production": "set", "staging": "same as prod"},
                            "where": [".env.production", "listed in .env.example"], "documented": True,
                            "read_at": []}]}}),
        _r("handover.rollback", Status.MANUAL, "Vercel's rollback is printed",
           {"platform": "vercel", "platform_name": "Vercel", "deploy": "git push main",
            "rollback_steps": ["Vercel: `vercel rollback [deployment-id or url]`"],
            "caveats": ["Restores a previous build.", "A rollback does not undo schema migrations."],
            "verify": {"health_url": "https://api.acme.example/health", "logs": "vercel logs"},
            "last_good_release": {"id": "dpl_7", "date": "2026-11-20"}, "runbooks": [], "runbook_text": ""},
           Impact.DOWNTIME),
        _r("load.capacity", Status.WARN, "AI breaks first at 50 users",
           {"note": "Safe today: ≈ 40 users. AI generation breaks first.", "safe_users": 40,
            "breaks_first": "generate"}, Impact.SLOW_DEMO, 6),
        _r("domain.registration", Status.WARN, "expires in 20 days",
           {"expires": "2026-12-17T00:00:00+00:00", "days_left": 20.0, "registrar": "Namecheap"}, Impact.DOWNTIME, 1,
           fix="Turn on auto-renew at Namecheap and check the card on file.\nThen renew for two years."),
        _r("tls.cert_expiry", Status.PASS, "75 days left",
           {"certificates": [{"hosts": ["acme.example", "www.acme.example"], "not_after": "2027-02-10T00:00:00+00:00",
                              "days_left": 75.0}]}, Impact.DOWNTIME, 2),
    ]}
    return HandoverSources(project=project, results=results, records=records, vault_note="Read from a test vault.",
                           include_recovery=include_recovery, generated_at=WHEN, tool_version="9.9.9")


# ---- the model and Markdown ------------------------------------------------------------------------------


def test_golden_markdown(tmp_path: Path) -> None:
    text = render_markdown(build_document(fixed_sources(tmp_path)))
    if os.environ.get("LAUNCHREADY_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), "run with LAUNCHREADY_UPDATE_GOLDEN=1 after a deliberate change"


def test_every_section_present_even_with_nothing_answered(tmp_path: Path) -> None:
    project = Project(domain="empty.example", endpoints=[Endpoint(name="home", url="https://empty.example/")])
    doc = build_document(HandoverSources(project=project, results={}, generated_at=WHEN))
    assert [s.title for s in doc.sections] == SECTIONS
    md = render_markdown(doc)
    for title in SECTIONS:
        assert f". {title}" in md
    assert md.count("not answered") >= 15
    assert doc.file_stem == "handover-empty.example-2026-11-27"


def test_markdown_cells_escape_pipes_and_newlines(tmp_path: Path) -> None:
    md = render_markdown(build_document(fixed_sources(tmp_path)))
    assert "#incidents \\| war room" in md  # a pipe in a value does not break the table
    row = next(line for line in md.splitlines() if line.startswith("| Domain registrar"))
    assert row.count(" | ") == 6 and "<br>" in row


def test_recovery_location_only_in_the_private_edition(tmp_path: Path) -> None:
    shared = render_markdown(build_document(fixed_sources(tmp_path)))
    private = render_markdown(build_document(fixed_sources(tmp_path, include_recovery=True)))
    assert RECOVERY not in shared and "location recorded in the vault" in shared
    assert RECOVERY in private


def test_appendix_lists_not_applicable_items_with_reasons(tmp_path: Path) -> None:
    src = fixed_sources(tmp_path)
    src.project.answers["handover.access_removed"] = {"done": True, "note": "N/A: nobody has left"}
    src.project.answers["audit.auto_renew"] = {"done": True, "note": "renewed by hand"}
    appendix = render_markdown(build_document(src)).split("## 12. Appendix", 1)[1]
    assert "Staging separate from production — N/A: single environment product" in appendix
    assert "Access of people who left has been removed. — N/A: nobody has left" in appendix
    assert "auto-renew" not in appendix


def test_risks_include_expiry_personal_mailbox_and_ranked_findings(tmp_path: Path) -> None:
    md = render_markdown(build_document(fixed_sources(tmp_path)))
    risks = md.split("## 10. Known risks and open items", 1)[1].split("## 11.", 1)[0]
    assert "domain acme.example expires on 2026-12-17 (20 days)" in risks
    assert "Account on a personal mailbox: dns" in risks
    assert risks.index("domain.registration") < risks.index("load.capacity")  # downtime before slow-demo
    assert "- domain.registration: Turn on auto-renew at Namecheap and check the card on file." in risks


# ---- HTML ----------------------------------------------------------------------------------------------


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action", "data")]


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    src = fixed_sources(tmp_path, names={"owner": "<script>alert('x')</script>", "to": "Bob & <b>Co</b>"})
    html = render_html(build_document(src))
    parser = _Refs()
    parser.feed(html)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert all(ref.startswith("#") for ref in parser.refs), parser.refs  # in-page anchors only
    assert "@import" not in html and "url(" not in html and "http-equiv" not in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Bob &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "@media print" in html and "break-before: page" in html and "break-inside: avoid" in html
    assert "<code>vercel rollback [deployment-id or url]</code>" in html
    for title in SECTIONS:
        assert f"{title}</h2>" in html


# ---- the no-secret gate -------------------------------------------------------------------------------


def test_gate_refuses_a_vault_value_and_names_the_field(tmp_path: Path) -> None:
    src = fixed_sources(tmp_path)
    token = "tok-live-7c1f3e9a2b"
    src.project.extra["contacts"]["room"] = f"call {token}"
    doc = build_document(src)
    with pytest.raises(SecretInDocument) as info:
        check_no_secrets(doc, render_markdown(doc), [("token:betterstack", token)])
    assert "Contacts and escalation" in info.value.field and "Incident room" in info.value.field
    assert token not in str(info.value)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("sk-proj-Zq8xK2mN4pL7vR1tY5wB9cD3fG6hJ0kA", "API key"),
        ("https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/cccccccccccccccccccccccc", "Slack webhook"),
        ("POSTMARK_SERVER_TOKEN: 5f3c1a2b-9d8e-4f7a-8b6c-1d2e3f4a5b6c", "postmark-server-token"),  # stage-4 rules
    ],
)
def test_gate_refuses_secret_shapes(tmp_path: Path, value: str, why: str) -> None:
    src = fixed_sources(tmp_path)
    src.project.extra["contacts"]["severity"] = {"major": f"checkout down; page with {value}"}
    doc = build_document(src)
    with pytest.raises(SecretInDocument) as info:
        check_no_secrets(doc, render_markdown(doc), [])
    assert why in str(info.value) and "A major incident is" in info.value.field
    assert value not in str(info.value)


def test_gate_refuses_recovery_locations_unless_private(tmp_path: Path) -> None:
    src = fixed_sources(tmp_path, include_recovery=True)
    doc = build_document(src)
    values = gate_values(src.records, [], include_recovery=False)  # the shared edition must not carry them
    with pytest.raises(SecretInDocument):
        check_no_secrets(doc, render_markdown(doc), values)
    check_no_secrets(doc, render_markdown(doc), gate_values(src.records, [], include_recovery=True))


def test_gate_passes_a_clean_document(tmp_path: Path) -> None:
    doc = build_document(fixed_sources(tmp_path))
    check_no_secrets(doc, render_markdown(doc) + render_html(doc), gate_values(fixed_sources(tmp_path).records, [],
                                                                               False))


# ---- export: files, overwrite, read-only ----------------------------------------------------------------


def test_export_never_overwrites_without_force(tmp_path: Path) -> None:
    doc = build_document(fixed_sources(tmp_path))
    out = tmp_path / "out"
    written, _notes = export(doc, ExportRequest(out, ("md", "html")), [])
    assert [p.name for p in written] == ["handover-acme.example-2026-11-27.md", "handover-acme.example-2026-11-27.html"]
    (out / written[0].name).write_text("edited by hand")
    with pytest.raises(ExportError) as info:
        export(doc, ExportRequest(out, ("md", "html")), [])
    assert "already exist" in str(info.value) and "--force" in str(info.value)
    assert (out / written[0].name).read_text() == "edited by hand"
    export(doc, ExportRequest(out, ("md",), force=True), [])
    assert (out / written[0].name).read_text().startswith("# Handover: Acme AI")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_export_into_a_path_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    """Root ignores chmod, so the unwritable target used here is a folder path whose parent is a file."""
    blocker = tmp_path / "report.txt"
    blocker.write_text("a file, not a folder")
    doc = build_document(fixed_sources(tmp_path))
    with pytest.raises(ExportError) as info:
        export(doc, ExportRequest(blocker / "handover"), [])
    assert "part of the path is a file" in str(info.value)
    with pytest.raises(ExportError) as again:
        export(doc, ExportRequest(blocker), [])
    assert "is a file, not a folder" in str(again.value)


def test_export_refuses_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="choose from md, html, pdf"):
        export(build_document(fixed_sources(tmp_path)), ExportRequest(tmp_path, ("docx",)), [])


def test_pdf_failure_falls_back_to_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import launchready_tui.report.handover_pdf as pdf_mod

    def broken(doc: Any) -> bytes:
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(pdf_mod, "render_pdf", broken)
    written, notes = export(build_document(fixed_sources(tmp_path)), ExportRequest(tmp_path / "o", ("pdf",)), [])
    assert [p.suffix for p in written] == [".html"]
    assert "print it to PDF" in notes[0] and "renderer exploded" in notes[0]


# ---- PDF through poppler --------------------------------------------------------------------------------


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path:
        return path
    msg = f"{tool} is not installed (Debian package 'poppler-utils'; `make test` installs it when run as root)"
    if os.environ.get("LAUNCHREADY_REQUIRE_REAL_SERVERS") == "1":
        pytest.fail(f"LAUNCHREADY_REQUIRE_REAL_SERVERS=1 but {msg}", pytrace=False)
    pytest.skip(msg)


def test_pdf_renders_and_holds_every_section_and_name(tmp_path: Path) -> None:
    pdftoppm, pdftotext = _poppler("pdftoppm"), _poppler("pdftotext")
    names = {"owner": "Ольга Петрова", "backup": "Zoë Ōkubo", "to": "田中 太郎 / أحمد"}
    written, notes = export(build_document(fixed_sources(tmp_path, names=names)),
                            ExportRequest(tmp_path / "out", ("pdf",)), [])
    pdf = written[0]
    assert pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run([pdftoppm, "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
                                   for p in pages)
    raw = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60).stdout
    text = " ".join(raw.split())  # table cells wrap names across lines; reading order keeps each cell together
    for i, title in enumerate(SECTIONS, 1):
        assert f"{i}. {title}" in text, title
    for word in ("Ольга Петрова", "Zoë Ōkubo", "Σοφία Παπαδοπούλου", "—", "→", "✖ FAIL", "vercel rollback"):
        assert word in text, word
    # CJK is not in DejaVu Sans and Arabic needs shaping: both are said on the cover, not dropped silently
    assert "not in this PDF's font" in text and "Right-to-left" in text
    assert any("not in this PDF's font" in n for n in notes)
    assert RECOVERY not in text
