"""The handover document as PDF, with fpdf2 and the bundled DejaVu Sans (handover.md §2).

fpdf2 is a declared dependency (LGPL-3.0-only; depended on, never vendored). Its core fonts are Latin-1
only and raise on "—" (measured), so the four DejaVu Sans styles shipped in assets/fonts/ are
registered for regular, bold, italic and bold-italic. Characters the font lacks (CJK) and right-to-left
scripts (no text shaping without uharfbuzz) are detected up front and named on the cover, pointing to
the HTML version that shows them correctly; the PDF never silently drops a name.

A4 portrait, 15 mm margins, tables with repeated headings across page breaks, a footer with the page
number, document metadata (title, creation date = generation time, so a re-export is reproducible).
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from datetime import datetime
from importlib import resources
from pathlib import Path

from launchready_tui.report.handover_model import (
    INLINE_CODE,
    Block,
    Bullets,
    Checklist,
    Code,
    HandoverDoc,
    KeyValues,
    Para,
    Table,
)

FONT = "DejaVuSans"
_STYLES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf",
           "BI": "DejaVuSans-BoldOblique.ttf"}
BODY_PT = 9.5
SMALL_PT = 8
TABLE_WIDE_PT = 7.5  # tables of more than five columns (accounts, env vars)
MIN_SPACE_FOR_HEADING_MM = 45  # a section title never sits alone at the foot of a page
MIN_SPACE_AFTER_LABEL_MM = 16  # "Notes for the next owner:" and at least two lines of what it introduces
_FILLS = {"note": (240, 243, 246), "warning": (255, 238, 238), "muted": (246, 246, 246)}


def font_dir() -> Path:
    return Path(str(resources.files("launchready_tui").joinpath("assets", "fonts")))


@functools.cache
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # an fpdf2 dependency

    font = TTFont(str(font_dir() / _STYLES[""]), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def coverage_problems(doc: HandoverDoc) -> list[str]:
    """Sentences about text the PDF cannot show as written (missing glyphs, right-to-left scripts)."""
    chars = {ch for _where, text in doc.texts() for ch in text}
    missing = sorted(ch for ch in chars if ord(ch) >= 32 and ord(ch) not in _covered() and not ch.isspace())
    rtl = any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in chars)
    out = []
    if missing:
        # Named by code point: the characters themselves cannot be drawn in this very note.
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:6]) + (", …" if len(missing) > 6 else "")
        out.append(f"Some characters are not in this PDF's font and appear blank here ({len(missing)} different, "
                   f"e.g. {shown}); the HTML and Markdown versions of this document show them.")
    if rtl:
        out.append("Right-to-left names may appear with their letters in storage order in this PDF; the HTML "
                   "version shows them correctly.")
    return out


def _plain(text: str) -> str:
    return INLINE_CODE.sub(lambda m: m.group(1), text)


def render_pdf(doc: HandoverDoc) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    footer_text = f"{doc.title} · {doc.generated_at[:10]}"

    class HandoverPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(100)
            self.cell(0, 5, f"{footer_text} · page {self.page_no()} of {{nb}}", align="C")
            self.set_text_color(0)

    pdf = HandoverPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=16)
    for style, file in _STYLES.items():
        pdf.add_font(FONT, style, str(font_dir() / file))
    pdf.set_title(doc.title)
    pdf.set_author("launchready")
    pdf.set_creator("launchready")
    pdf.set_creation_date(datetime.fromisoformat(doc.generated_at.replace("Z", "+00:00")))
    logging.getLogger("fpdf").setLevel(logging.ERROR)  # missing-glyph warnings: we say it on the cover instead

    width = pdf.epw

    def para(text: str, kind: str = "text", size: float = BODY_PT, style: str = "") -> None:
        pdf.set_font(FONT, style, size)
        fill = kind in _FILLS
        if fill:
            pdf.set_fill_color(*_FILLS[kind])
        if kind == "muted":
            pdf.set_text_color(70)
        pdf.multi_cell(width, size * 0.5, _plain(text), fill=fill, padding=(1.2, 1.8) if fill else 0,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.set_text_color(0)
        pdf.ln(1.5)

    def items(entries: list[str], bullet: str) -> None:
        pdf.set_font(FONT, "", BODY_PT)
        for entry in entries:
            pdf.set_x(pdf.l_margin + 2)
            pdf.cell(5, BODY_PT * 0.5, bullet)
            pdf.multi_cell(width - 7, BODY_PT * 0.5, _plain(entry), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.ln(0.6)
        pdf.ln(1.2)

    def table(columns: list[str] | None, rows: list[list[str]], widths: list[float] | None, size: float,
              bold_first: bool = False) -> None:
        pdf.set_font(FONT, "", size)
        pdf.set_draw_color(150)
        pdf.set_fill_color(255)  # fpdf2 tables reuse the current fill colour for body cells
        heads = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))
        with pdf.table(col_widths=tuple(widths) if widths else None, width=width, text_align="LEFT",
                       line_height=size * 0.48, padding=(0.9, 1.2), headings_style=heads,
                       first_row_as_headings=columns is not None, repeat_headings=1, v_align="TOP") as t:
            if columns is not None:
                head = t.row()
                for c in columns:
                    head.cell(_plain(c))
            key_style = FontFace(emphasis="BOLD") if bold_first else None
            for values in rows:
                row = t.row()
                for i, v in enumerate(values):
                    row.cell(_plain(v), style=key_style if i == 0 else None)
        pdf.set_draw_color(0)
        pdf.ln(2)

    def block(b: Block) -> None:
        if isinstance(b, Para):
            if b.kind == "label":
                if pdf.will_page_break(MIN_SPACE_AFTER_LABEL_MM):  # a lead-in never ends a page alone
                    pdf.add_page()
                para(b.text, "text", BODY_PT, "B")
            else:
                para(b.text, b.kind)
        elif isinstance(b, Bullets):
            items(b.items, "•")
        elif isinstance(b, Checklist):
            items(b.items, "☐")
        elif isinstance(b, KeyValues):
            table(None, [[k, v] for k, v in b.pairs], [1, 2.6], BODY_PT, bold_first=True)
        elif isinstance(b, Table):
            size = BODY_PT if len(b.columns) <= 4 else SMALL_PT if len(b.columns) == 5 else TABLE_WIDE_PT
            table(b.columns, b.rows, b.widths, size)
        elif isinstance(b, Code):
            if b.caption:
                para(b.caption, "text", SMALL_PT, "I")
            pdf.set_font(FONT, "", 7.5)
            pdf.set_fill_color(*_FILLS["muted"])
            pdf.multi_cell(width, 3.6, b.text, fill=True, padding=1.5, new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                           align="L")
            pdf.ln(2)
        else:  # pragma: no cover - the model has no other block type
            raise TypeError(f"unknown block {type(b).__name__}")

    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(width, 9, doc.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    para(doc.subtitle, "muted", SMALL_PT)
    for problem in coverage_problems(doc):
        para(problem, "warning", SMALL_PT)
    for i, section in enumerate(doc.sections, 1):
        if i > 1 and pdf.will_page_break(MIN_SPACE_FOR_HEADING_MM):
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font(FONT, "B", 13)
        pdf.start_section(f"{i}. {section.title}")  # PDF outline (bookmarks)
        pdf.multi_cell(width, 7, f"{i}. {section.title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        y = pdf.get_y()
        pdf.set_draw_color(60)
        pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
        pdf.set_draw_color(0)
        pdf.ln(2.5)
        for b in section.blocks:
            block(b)
    return bytes(pdf.output())
