"""Markdown (the master) and self-contained printable HTML for the handover document.

Both only format report/handover_model.HandoverDoc. Markdown: GitHub-flavoured tables with ``|``
escaped and line breaks as ``<br>``, diffable and pasteable into GitHub or Notion. HTML: one file, CSS
inline, no external font, script, image or link; every string escaped; ``@media print`` starts each
section on a new page and keeps table rows whole, so any browser prints it to PDF (the fallback when
the PDF renderer fails).
"""

from __future__ import annotations

import html

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

# --------------------------------------------------------------------------------------------------------
# Markdown


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>") or " "


def _md_inline(text: str) -> str:
    return text.replace("\r", "").replace("\n", "  \n")


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Para):
        text = _md_inline(block.text)
        if block.kind == "label":
            return [f"**{text}**", ""]
        if block.kind in ("note", "warning", "muted"):
            return ["> " + text.replace("\n", "\n> "), ""]
        return [text, ""]
    if isinstance(block, Bullets):
        return [f"- {_md_inline(item)}" for item in block.items] + [""]
    if isinstance(block, Checklist):
        return [f"- [ ] {_md_inline(item)}" for item in block.items] + [""]
    if isinstance(block, KeyValues):
        out = ["| | |", "|---|---|"]
        out += [f"| **{_md_cell(k)}** | {_md_cell(v)} |" for k, v in block.pairs]
        return [*out, ""]
    if isinstance(block, Table):
        out = ["| " + " | ".join(_md_cell(c) for c in block.columns) + " |",
               "|" + "---|" * len(block.columns)]
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
        return [*out, ""]
    if isinstance(block, Code):
        fence = "~~~~" if "```" in block.text else "```"
        caption = [f"_{block.caption}_", ""] if block.caption else []
        return [*caption, fence, block.text, fence, ""]
    raise TypeError(f"unknown block {type(block).__name__}")


def render_markdown(doc: HandoverDoc) -> str:
    out = [f"# {doc.title}", "", f"{doc.subtitle}", ""]
    out += ["Contents: " + " · ".join(f"{i}. {s.title}" for i, s in enumerate(doc.sections, 1)), ""]
    for i, section in enumerate(doc.sections, 1):
        out += [f"## {i}. {section.title}", ""]
        for block in section.blocks:
            out += _md_block(block)
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------------------------------
# HTML

CSS = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Segoe UI", system-ui, -apple-system, sans-serif; font-size: 10.5pt;
       line-height: 1.45; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #333; padding-bottom: .2rem; margin-top: 2.2rem; }
.subtitle { color: #444; margin: 0 0 1rem; }
nav ol { columns: 2; padding-left: 1.4rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; }
th, td { border: 1px solid #999; padding: .3rem .45rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #eee; }
table.kv th { width: 28%; background: #f5f5f5; }
p.note, p.muted, p.warning { padding: .35rem .6rem; border-left: 4px solid #777; background: #f6f6f6; }
p.warning { border-left-color: #b00; background: #fff3f3; }
p.label { margin-bottom: .2rem; }
p.muted { color: #444; }
ul.checklist { list-style: none; padding-left: .3rem; }
ul.checklist li::before { content: "\\2610\\00a0"; }
pre { white-space: pre-wrap; background: #f6f6f6; border: 1px solid #ccc; padding: .6rem; font-size: 9pt; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f0f0f0; padding: 0 .15rem; }
.caption { font-style: italic; color: #444; margin-bottom: .2rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  nav { display: none; }
  section { break-before: page; }
  section#cover { break-before: auto; }
  tr, p, pre, li { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
""".strip()


def _h(text: str) -> str:
    """Escape, then turn `code` spans into <code> (the only inline markup) and newlines into <br>."""
    escaped = html.escape(text, quote=True)
    escaped = INLINE_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    return escaped.replace("\n", "<br>")


def _html_block(block: Block) -> str:
    if isinstance(block, Para):
        if block.kind == "label":
            return f'<p class="label"><strong>{_h(block.text)}</strong></p>'
        cls = f' class="{block.kind}"' if block.kind != "text" else ""
        return f"<p{cls}>{_h(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_h(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Checklist):
        return '<ul class="checklist">' + "".join(f"<li>{_h(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, KeyValues):
        rows = "".join(f"<tr><th scope=\"row\">{_h(k)}</th><td>{_h(v)}</td></tr>" for k, v in block.pairs)
        return f'<table class="kv"><tbody>{rows}</tbody></table>'
    if isinstance(block, Table):
        total = sum(block.widths) if block.widths else 0
        cols = ""
        if block.widths and total:
            cols = "<colgroup>" + "".join(f'<col style="width:{w / total * 100:.1f}%">' for w in block.widths) \
                + "</colgroup>"
        head = "".join(f'<th scope="col">{_h(c)}</th>' for c in block.columns)
        body = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in block.rows)
        return f"<table>{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, Code):
        caption = f'<div class="caption">{html.escape(block.caption)}</div>' if block.caption else ""
        return f"{caption}<pre>{html.escape(block.text)}</pre>"
    raise TypeError(f"unknown block {type(block).__name__}")


def render_html(doc: HandoverDoc) -> str:
    toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in doc.sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(doc.title)}</title>",
        f"<style>\n{CSS}\n</style></head><body>",
        f"<header><h1>{html.escape(doc.title)}</h1><p class=\"subtitle\">{html.escape(doc.subtitle)}</p></header>",
        f"<nav><ol>{toc}</ol></nav>",
    ]
    for i, section in enumerate(doc.sections, 1):
        parts.append(f'<section id="{html.escape(section.id)}"><h2>{i}. {html.escape(section.title)}</h2>')
        parts += [_html_block(b) for b in section.blocks]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
