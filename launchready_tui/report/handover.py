"""The handover document: build it, gate it for secrets, and export it as Markdown, HTML and PDF.

* ``build_from_context(ctx)`` - the document model (report/handover_model.py) from the project file, this
  session's check results and the vault's account records, plus the values the gate must never see;
* ``check_no_secrets(doc, text, values)`` - the no-secret gate of handover.md §2: no vault value of kind
  token/webhook/smtp/secret (nor a recovery-code location, unless that edition was asked for), nothing the
  shared redaction patterns or the stage-4 secret rules call a secret. On a hit it raises
  ``SecretInDocument`` naming the field, and nothing is written;
* ``export(doc, request, values)`` - writes ``<stem>.md``, ``.html``, ``.pdf`` into a folder: never over an
  existing file without ``force``, atomically (temp file + rename), a read-only or missing folder is a
  plain ExportError. If the PDF renderer fails, the HTML (printable to PDF from any browser) is written
  instead and the note says so.

Renderers: report/handover_render.py (md, html) and report/handover_pdf.py (fpdf2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launchready_tui.core.redact import find_secrets
from launchready_tui.report.handover_model import HandoverDoc, HandoverSources, build_document
from launchready_tui.report.handover_render import render_html, render_markdown

if TYPE_CHECKING:
    from launchready_tui.checks.base import CheckContext

log = logging.getLogger("launchready.handover")
FORMATS = ("md", "html", "pdf")
SUFFIX = {"md": ".md", "html": ".html", "pdf": ".pdf"}
# Redaction kinds too generic for a document full of prose, URLs and variable names; the specific token
# shapes and the stage-4 rules still apply.
_GATE_IGNORED_KINDS = frozenset({"high-entropy string"})

__all__ = [
    "FORMATS", "ExportError", "ExportRequest", "SecretInDocument", "build_from_context", "check_no_secrets",
    "export", "presenter_copy", "render_html", "render_markdown",
]


class ExportError(Exception):
    """The export could not be written; ``str()`` is one plain sentence (exit code 2 in the CLI)."""


class SecretInDocument(ExportError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(slots=True)
class ExportRequest:
    directory: Path
    formats: tuple[str, ...] = FORMATS
    force: bool = False
    include_recovery: bool = False
    presenter: bool = False  # the wizard in presenter mode: e-mail addresses and home folders masked in the copy


def presenter_copy(doc: HandoverDoc) -> HandoverDoc:
    """The document with every string through presenter-mode redaction (e-mail local parts, home folders, key
    previews cut to four characters): what a consultant exports while sharing the screen may be opened on that
    screen. The new owner's copy is exported with presenter mode off."""
    from dataclasses import replace

    from launchready_tui.core.redact import redact_text
    from launchready_tui.report.handover_model import Bullets, Checklist, Code, KeyValues, Para, Table

    def r(text: str) -> str:
        return redact_text(text, presenter=True)

    def block(b: Any) -> Any:
        if isinstance(b, Para | Code):
            return replace(b, text=r(b.text))
        if isinstance(b, Bullets | Checklist):
            return replace(b, items=[r(i) for i in b.items])
        if isinstance(b, KeyValues):
            return replace(b, pairs=[(r(k), r(v)) for k, v in b.pairs])
        if isinstance(b, Table):
            return replace(b, columns=[r(c) for c in b.columns], rows=[[r(c) for c in row] for row in b.rows])
        return b

    sections = [replace(s, title=r(s.title), blocks=[block(b) for b in s.blocks]) for s in doc.sections]
    return replace(doc, title=r(doc.title), subtitle=r(doc.subtitle), sections=sections)


# --------------------------------------------------------------------------------------------------------
# Building


def _read_vault(store: Any, project: Any) -> tuple[dict[str, Any] | None, list[tuple[str, str]], str]:
    """Account records and the secret values of every vault ref; (None, [], reason) when the vault fails."""
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.accounts import entries, load_record, vault_refs
    from launchready_tui.vault.store import SECRET_KINDS

    try:
        records = {e.service: load_record(store, e.service) for e in entries(project)}
        secrets: list[tuple[str, str]] = []
        for key in vault_refs(project):
            if key.split(":", 1)[0] in SECRET_KINDS:
                value = store.get(key)
                if value:
                    secrets.append((key, value))
    except VaultError as exc:
        return None, [], f"Owner names and logins are kept in the vault, which could not be read for this export " \
                         f"({exc.message.splitlines()[0]}); only their status is shown."
    where = _tilde(store.backend_name)  # the consultant's home folder means nothing to the new owner
    if not store.persistent:
        return records, secrets, ("No secrets are stored on this machine (vault: none): details entered in this run "
                                  "are shown; others appear as their status.")
    return records, secrets, f"Owner names and logins were read from the vault ({where}) at export time."


def _tilde(text: str) -> str:
    home = str(Path.home())
    return text.replace(home + os.sep, "~" + os.sep) if len(home) > 1 else text


MAX_DNS_VALUE = 90  # long TXT values (DKIM keys) are public but unreadable in a table: shortened, length kept


def dns_map_blocks(dns_map: Any) -> list[Any]:
    """The stage-2 DNS map (report/dns_map.DnsMap) as document blocks: every record with its meaning."""
    from launchready_tui.report.dns_map import _txt_text
    from launchready_tui.report.handover_model import Bullets, Para, Table

    rows: list[list[str]] = []
    notes: list[str] = []
    for entry in dns_map.hosts:
        for rec in entry.records:
            value = _txt_text(rec.value) if rec.type == "TXT" else rec.value
            if len(value) > MAX_DNS_VALUE:
                value = f"{value[:MAX_DNS_VALUE - 1]}… ({len(value)} characters)"
            rows.append([entry.host, rec.type, value, rec.meaning])
        notes += [f"{entry.host}: {note}" for note in entry.notes]
    asked = ", ".join(dns_map.nameservers) or "the system resolver"
    blocks: list[Any] = [Para(f"Read from {asked} on {dns_map.generated_at}, after the final DNS changes.")]
    if rows:
        blocks.append(Table(["Name", "Type", "Value", "What it does"], rows, [1.5, 0.7, 2.1, 2.55], name="dns"))
    if notes or dns_map.problems:
        blocks.append(Bullets(list(dict.fromkeys([*dns_map.problems, *notes]))))
    blocks.append(Para("Export every record from your DNS provider before any change (Cloudflare: DNS → Records → "
                       "Export); it is the only complete copy.", "muted"))
    return blocks


async def collect_dns_blocks(ctx: CheckContext) -> list[Any] | None:
    """A fresh DNS map through the run's resolver; None when checks/dns_map.py is not built or fails."""
    try:
        from launchready_tui.checks.dns_map import collect_dns_map
    except ImportError:
        return None
    try:
        return dns_map_blocks(await collect_dns_map(ctx))
    except Exception:  # another part's failure must not stop the handover: the evidence-based table is used
        log.exception("collecting the DNS map failed")
        return None


async def build_from_context(ctx: CheckContext, *, include_recovery: bool = False, generated_at: Any = None,
                             collect_dns: bool = True) -> tuple[HandoverDoc, list[tuple[str, str]]]:
    """(document, gate values) for this session: the values are (vault key, value) pairs to refuse.

    ``collect_dns`` reads the DNS map afresh (about 40 queries through ``ctx.resolver``)."""
    store = ctx.options.extra.get("vault")
    records: dict[str, Any] | None = None
    secrets: list[tuple[str, str]] = []
    note = ("Owner names and logins are kept in the vault, which was not opened for this document; only their "
            "status is shown.")
    if store is not None:
        records, secrets, note = await asyncio.to_thread(_read_vault, store, ctx.project)
    src = HandoverSources(project=ctx.project, results=dict(ctx.results), records=records, vault_note=note,
                          records_complete=bool(getattr(store, "persistent", True)),
                          include_recovery=include_recovery, generated_at=generated_at,
                          dns_map=await collect_dns_blocks(ctx) if collect_dns else None)
    doc = build_document(src)
    return doc, gate_values(records, secrets, include_recovery)


def gate_values(records: dict[str, Any] | None, secrets: list[tuple[str, str]],
                include_recovery: bool) -> list[tuple[str, str]]:
    values = list(secrets)
    if not include_recovery:
        values += [(f"account:{svc} recovery location", rec.recovery_location)
                   for svc, rec in (records or {}).items() if rec is not None and rec.recovery_location]
    return values


# --------------------------------------------------------------------------------------------------------
# The no-secret gate


def _stage4_matches(text: str) -> list[str]:
    """Rule ids of the stage-4 secret rules (gitleaks format) that match ``text``; [] when not built."""
    try:
        from launchready_tui.checks.secrets.scan import rules_for, scanner_for
    except ImportError:
        return []
    try:
        scanner = scanner_for(rules_for(None).ruleset)
        ids = [str(getattr(m.rule, "id", "secret rule")) for m in scanner.scan(text)]
        return sorted(dict.fromkeys(ids), key=lambda i: i.startswith("generic"))  # the specific name first
    except Exception:  # the gate keeps its other two layers if the rule engine breaks
        log.exception("stage-4 secret rules failed in the handover gate")
        return []


def check_no_secrets(doc: HandoverDoc, rendered: str, values: Sequence[tuple[str, str]]) -> None:
    """Raise SecretInDocument (naming the field) if a secret would be written; see the module docstring."""
    pieces = doc.texts()
    for key, value in values:
        if len(value) < 4:
            continue  # too short to tell apart from ordinary words; such values are not secrets anyway
        for where, text in pieces:
            if value in text:
                raise SecretInDocument(f"{where} contains the vault value {key}; remove it there and export again",
                                       where)
        if value in rendered:
            raise SecretInDocument(f"the rendered document contains the vault value {key}", "rendered document")
    for where, text in pieces:
        for kind, _start, _end in find_secrets(text):
            if kind not in _GATE_IGNORED_KINDS:
                raise SecretInDocument(f"{where} looks like a {kind}; the handover lists where secrets live, never "
                                       "a secret: move it to the vault", where)
        rules = _stage4_matches(text)
        if rules:
            raise SecretInDocument(f"{where} matches the secret rule {rules[0]}; move the value to the vault", where)


# --------------------------------------------------------------------------------------------------------
# Writing


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _prepare_folder(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} is a file, not a folder; choose a folder for --output")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ExportError(f"cannot create the folder {directory}: a file is in the way") from None
    except NotADirectoryError:
        raise ExportError(f"cannot create the folder {directory}: part of the path is a file") from None
    except PermissionError:
        raise ExportError(f"cannot create the folder {directory}: permission denied") from None
    except OSError as exc:
        raise ExportError(f"cannot create the folder {directory}: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write to {directory}: the folder is read-only for you")


def export(doc: HandoverDoc, request: ExportRequest,
           values: Sequence[tuple[str, str]]) -> tuple[list[Path], list[str]]:
    """Write the requested formats; returns (paths written, notes). Raises ExportError / SecretInDocument."""
    formats = tuple(dict.fromkeys(request.formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ExportError(f"unknown format {', '.join(unknown) or '(none)'}; choose from md, html, pdf")
    if request.presenter:
        doc = presenter_copy(doc)
    markdown = render_markdown(doc)
    html_text = render_html(doc)
    check_no_secrets(doc, markdown + html_text, values)  # before anything touches the disk
    directory = request.directory.expanduser()
    _prepare_folder(directory)
    targets = {f: directory / f"{doc.file_stem}{SUFFIX[f]}" for f in formats}
    existing = [p for p in targets.values() if p.exists()]
    if existing and not request.force:
        names = ", ".join(p.name for p in existing)
        raise ExportError(f"{names} already exist{'s' if len(existing) == 1 else ''} in {directory}; nothing was "
                          "written (use --force to replace, or choose another --output folder)")
    for p in existing:
        if p.is_dir():
            raise ExportError(f"{p} is a folder; nothing was written")
    notes: list[str] = []
    payloads: dict[str, bytes] = {}
    if "md" in formats:
        payloads["md"] = markdown.encode("utf-8")
    if "html" in formats:
        payloads["html"] = html_text.encode("utf-8")
    if "pdf" in formats:
        try:
            from launchready_tui.report.handover_pdf import coverage_problems, render_pdf

            payloads["pdf"] = render_pdf(doc)
            notes += coverage_problems(doc)
        except Exception as exc:  # fpdf2 missing or failing: the HTML prints to PDF from any browser
            log.exception("PDF rendering failed")
            notes.append(f"the PDF could not be rendered ({type(exc).__name__}: {exc}); the HTML version was written "
                         "instead: open it in a browser and print it to PDF")
            del targets["pdf"]
            if "html" not in payloads:
                payloads["html"] = html_text.encode("utf-8")
                targets["html"] = directory / f"{doc.file_stem}.html"
                if targets["html"].exists() and not request.force:
                    raise ExportError(f"{targets['html'].name} already exists in {directory}; nothing more was "
                                      "written (use --force)") from None
    written: list[Path] = []
    try:
        for fmt, path in targets.items():
            _atomic_write(path, payloads[fmt])
            written.append(path)
    except PermissionError:
        raise ExportError(f"cannot write to {directory}: permission denied"
                          + (f" (already written: {', '.join(p.name for p in written)})" if written else "")) from None
    except OSError as exc:
        raise ExportError(f"cannot write to {directory}: {exc.strerror or exc}"
                          + (f" (already written: {', '.join(p.name for p in written)})" if written else "")) from None
    return written, notes
