"""Review findings in the words the wizard shows (R2): the risk list's fix lines, the detail pane's fix text, and
the handover document exported in presenter mode.

* The risk list showed the first *line* of each fix: fix texts are hard-wrapped YAML, so lines stopped
  mid-sentence ("…a location that has its own add_header") or said only "Publish these records:".
* The detail pane printed the hard-wrapped lines as they were: in a 50-column pane "point the / DNS / records"
  became a ragged column.
* The handover exported from the wizard while presenting carried login e-mail addresses and the consultant's
  home folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from launchready_tui.checks.fixes import fix_for
from launchready_tui.report.handover import ExportRequest, export
from launchready_tui.report.handover_model import HandoverDoc, KeyValues, Para, Section, Table, first_step
from launchready_tui.report.handover_text import fix_headline
from launchready_tui.widgets.deliverable import DETAIL_HINT
from launchready_tui.widgets.detail import WRAPPED_AT, reflow

ASSETS = Path(__file__).parents[2] / "launchready_tui" / "assets" / "fixes"


def test_fix_headline_ends_at_a_sentence_and_points_at_the_full_steps() -> None:
    fix = fix_for("http.security_headers", "nginx", host="acme.example", headers="  X-Frame-Options: DENY")
    assert fix is not None
    first_line = fix.splitlines()[0]
    head = fix_headline(fix, more=DETAIL_HINT)
    assert head != first_line and len(head) > len(first_line)  # the old line stopped mid-sentence
    assert head.endswith("— full steps in the check's detail pane")
    assert not head.split(" — ")[0].endswith(("(", ",", " a", " the"))


def test_fix_headline_of_a_list_intro_and_of_numbered_steps() -> None:
    assert fix_headline("Publish these records:\n\n  TXT v=spf1 -all\n", more=DETAIL_HINT) == \
        "Publish these records — full steps in the check's detail pane"
    steps = "1. Rotate the key now: it is already public.\n2. Move the call to your server."
    assert fix_headline(steps, more=DETAIL_HINT) == "1. Rotate the key now: it is already public." + DETAIL_HINT
    assert fix_headline("Turn on auto-renew.", more=DETAIL_HINT) == "Turn on auto-renew."
    long = "word " * 80
    cut = fix_headline(long.strip(), more=DETAIL_HINT)
    assert cut.endswith("word … — full steps in the check's detail pane")  # cut between words, never inside one


def test_the_handover_next_action_is_a_whole_first_step() -> None:
    fix = ("Fix each e-mail record listed above at your DNS provider (each has its own fix in the e-mail checks),\n"
           "then export the handover again.\n\n  TXT _dmarc v=DMARC1; p=none")
    assert first_step(fix) == ("Fix each e-mail record listed above at your DNS provider (each has its own fix in the "
                               "e-mail checks), then export the handover again. (full steps: the wizard or "
                               "`launchready audit`)")


def test_reflow_joins_wrapped_prose_and_keeps_code_lists_and_short_lines() -> None:
    prose = "x" * (WRAPPED_AT - 10) + " point the"
    text = (f"{prose}\nDNS records at the CDN.\n\n"
            "Publish these records:\n  TXT  v=spf1 include:_spf.google.com -all\n"
            "API_KEY\nDATABASE_URL\n"
            "1. First step, which is long enough to have been wrapped by the author of the text here\n"
            "   continued.\n"
            "2. Second step.")
    out = reflow(text).splitlines()
    assert out[0] == f"{prose} DNS records at the CDN."
    assert "  TXT  v=spf1 include:_spf.google.com -all" in out  # indented code keeps its line
    assert "API_KEY" in out and "DATABASE_URL" in out  # short lines were meant as lines
    assert "   continued." in out and "2. Second step." in out


def test_every_shipped_fix_text_keeps_its_indented_lines_after_reflow() -> None:
    checked = 0
    for path in sorted(ASSETS.glob("*.yaml")):
        for variant, text in (yaml.safe_load(path.read_text()).get("fix") or {}).items():
            indented = [ln for ln in text.splitlines() if ln[:1].isspace() and ln.strip()]
            flowed = reflow(text).splitlines()
            missing = [ln for ln in indented if ln not in flowed]
            assert not missing, (path.name, variant, missing[:2])
            checked += 1
    assert checked > 50


def _doc() -> HandoverDoc:
    accounts = Table(["Account", "Login e-mail"], [["DNS provider", "ann.lee@gmail.com"]], name="accounts")
    home = str(Path.home())
    return HandoverDoc(
        title="Handover: Acme", subtitle="acme.example", generated_at="2026-11-28T04:00:00Z",
        sections=[Section("accounts", "Account owners", [
            accounts, Para(f"Owner names were read from the vault (encrypted file {home}/.local/vault.enc)."),
            KeyValues([("Primary", "Ann Lee, ann.lee@acme.example")])])],
        file_stem="handover-acme.example-2026-11-28")


@pytest.mark.parametrize("presenter", [True, False])
def test_the_handover_exported_while_presenting_masks_addresses_and_home(tmp_path: Path, presenter: bool) -> None:
    written, _notes = export(_doc(), ExportRequest(tmp_path, ("md", "html", "pdf"), presenter=presenter), [])
    md = next(p for p in written if p.suffix == ".md").read_text()
    html = next(p for p in written if p.suffix == ".html").read_text()
    home = str(Path.home())
    if presenter:
        for text in (md, html):
            assert "ann.lee@" not in text and "•••@gmail.com" in text and "•••@acme.example" in text
            assert f"{home}/" not in text and "~/.local/vault.enc" in text
    else:  # the new owner's copy keeps the addresses: the control that the check above can fail
        assert "ann.lee@gmail.com" in md and "ann.lee@acme.example" in md
    assert next(p for p in written if p.suffix == ".pdf").read_bytes().startswith(b"%PDF")


def test_the_presenter_copy_leaves_the_document_itself_untouched(tmp_path: Path) -> None:
    doc = _doc()
    export(doc, ExportRequest(tmp_path, ("md",), presenter=True), [])
    assert "ann.lee@gmail.com" in doc.sections[0].blocks[0].rows[0][1]  # type: ignore[union-attr]


def test_the_live_chart_says_not_run_for_a_retired_endpoint_during_the_run() -> None:
    from launchready_tui.loadgen.live import LiveChart

    chart = LiveChart()
    chart.on_event({"type": "plan", "endpoints": ["home", "login"], "users": [10, 25], "slo_ms": {"login": 500}})
    chart.on_event({"type": "tick", "step": 0, "endpoints": {"login": {"completed": 5, "p95_ms": 606}}})
    chart.on_event({"type": "retired", "endpoint": "login", "reason": "p95 606 ms at 10 users (target < 500 ms)"})
    chart.on_event({"type": "step", "step": 1})
    chart.on_event({"type": "tick", "step": 1, "endpoints": {"home": {"completed": 9, "p95_ms": 6},
                                                            "login": {"completed": 0}}})  # an empty tick
    lines = chart.lines()
    later = lines[lines.index("25 users") + 1:]
    login = next(ln for ln in later if ln.strip().startswith("login"))
    assert "not run: p95 606 ms at 10 users" in login and "no answer yet" not in login


def test_the_next_action_stops_before_indented_records() -> None:
    fix = "Add to launchready.yaml:\n  contacts:\n    primary: {name: ..., phone: ...}\n"
    assert first_step(fix) == "Add to launchready.yaml (full steps: the wizard or `launchready audit`)"


def test_notes_for_the_next_owner_reach_the_handover_document(tmp_path: Path) -> None:
    from launchready_tui.core.project import Project
    from launchready_tui.report.handover_model import HandoverSources, build_document
    from launchready_tui.report.handover_render import render_markdown
    from launchready_tui.vault.accounts import AccountRecord, save_account
    from launchready_tui.vault.memory import MemoryStore

    project = Project(domain="acme.example", product="Acme AI")
    store = MemoryStore()
    note = "Auto-renew is on; the invoices go to the shared billing inbox."
    save_account(project, store, "registrar", AccountRecord(owner="Ann Lee", twofa=True, notes=note), {})
    save_account(project, store, "dns", AccountRecord(owner="Ann Lee", twofa=True), {})
    records = {"registrar": AccountRecord.from_json(store.get("account:registrar") or ""),
               "dns": AccountRecord.from_json(store.get("account:dns") or "")}
    md = render_markdown(build_document(HandoverSources(project=project, results={}, records=records)))
    accounts = md.split("## 2. Account owners", 1)[1].split("## 3.", 1)[0]
    assert "Notes for the next owner" in accounts and f"Domain registrar: {note}" in accounts


def test_a_pdf_lead_in_never_ends_a_page_alone(tmp_path: Path) -> None:
    """"Notes for the next owner:" sat at the foot of page 1 with its notes on page 2. Filler paragraphs move the
    label down the page line by line; at every offset the label and its first item share a page."""
    import shutil
    import subprocess

    from launchready_tui.report.handover_model import Bullets
    from launchready_tui.report.handover_pdf import render_pdf

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed (Debian package 'poppler-utils')")
    checked = 0
    for filler in range(30, 52):
        blocks = [Para(f"Filler line {i}.") for i in range(filler)]
        blocks += [Para("Notes for the next owner:", "label"), Bullets(["Registrar: the card ends 4242."])]
        doc = HandoverDoc(title="Handover: Acme", subtitle="acme.example", generated_at="2026-11-28T04:00:00Z",
                          sections=[Section("accounts", "Account owners", blocks)], file_stem="h")
        pdf = tmp_path / f"h{filler}.pdf"
        pdf.write_bytes(render_pdf(doc))
        pages = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True,
                               timeout=60).stdout.split("\f")
        with_label = [i for i, page in enumerate(pages) if "Notes for the next owner:" in page]
        with_item = [i for i, page in enumerate(pages) if "the card ends 4242" in page]
        assert with_label == with_item, (filler, with_label, with_item)
        checked += len(pages) > 1
    assert checked, "no offset pushed the label onto a second page: the test proves nothing"


def test_the_handover_risk_table_names_the_check_before_its_id(tmp_path: Path) -> None:
    from launchready_tui.core.model import CheckResult, Impact, Status
    from launchready_tui.core.project import Project
    from launchready_tui.report.handover_model import HandoverSources, build_document
    from launchready_tui.report.handover_render import render_markdown

    result = CheckResult(id="handover.rollback", title="Rollback steps", status=Status.FAIL, stage=7,
                         impact=Impact.DOWNTIME, summary="no written rollback", fix="Write docs/ROLLBACK.md.")
    md = render_markdown(build_document(HandoverSources(project=Project(domain="acme.example"),
                                                        results={result.id: result})))
    assert "| Rollback steps<br>handover.rollback | ✖ FAIL |" in md


def test_a_shortened_fix_never_ends_inside_brackets() -> None:
    fix = ("At Lab Registrar: renew flawed.test now (several years is cheap insurance; it currently expires "
           "2026-12-18), turn on auto-renew, check the card on file, and make sure the contact inbox is read.")
    head = fix_headline(fix, more=DETAIL_HINT).removesuffix(DETAIL_HINT)
    assert head.count("(") == head.count(")"), head
    assert not head.endswith((";", "(", "; …")), head
