"""Secrets hidden behind an encoding: base64 (standard and URL-safe), hex and percent-encoding.

A key base64-encoded in a JS bundle, a ``.env`` committed as base64 in a Kubernetes Secret, a
``data:text/plain;base64,…`` URL or a percent-encoded query string is invisible to the rules. gitleaks
8.20+ decodes such text (``--max-decode-depth``, default 5 since #1994; ``detect/codec/``), and this
module does the same job in our engine, with the same choices where they are about correctness:

* **Candidates** (gitleaks ``encodings.go``): base64 = runs of ``[A-Za-z0-9+/_-]`` of 16 or more
  characters plus up to two ``=``; hex = runs of 32+ hex digits; percent = text with ``%XX`` escapes.
  A base64 run must contain one of ``0123456789+/-_`` (gitleaks ``likelyBase64Chars``: skips long
  identifiers at the cost of ~1 % of encodings). Where readings overlap, percent wins over hex, hex over base64.
* **Decoding** (gitleaks ``base64.go``/``ascii.go``): standard alphabet first, then URL-safe; a result
  counts only if every byte is printable ASCII or whitespace (0x09-0x7e). That single test is what keeps
  images in ``data:`` URLs, source-map ``mappings``, git SHAs, hashes and random blobs silent: they
  decode to binary.
* **Depth**: decoded text is searched again for encoded segments, up to ``max_depth`` passes; it stops
  as soon as a pass finds nothing new, so a high cap costs nothing on ordinary text.
* **Reporting** (gitleaks ``segment.go``, ``detect.go``): only a rule match that overlaps decoded text is
  new (the rest was seen in the pass before); it is reported at the bounds of the *encoded* text in the
  original (so a byte offset or line number points at what the user can find in the file), with the
  chain of encodings and the depth. A decoded secret already found as-is is not reported twice.

Where we differ from gitleaks, and why:
* We rescan a short window (the line before the segment, then its decoded text)
  instead of the whole fragment with every segment replaced: the cost then grows with what decodes, not
  with the file (a 5 MB bundle has ~14,000 base64-shaped runs and almost none decode to text).
* Candidates are found with ``bytes.translate`` + ``bytes.find`` (C speed) rather than a regex: ~20 ms
  for a 5 MB bundle instead of 80-140 ms with ``re``.
* Base64 wrapped at 64 or 76 columns (``base64`` CLI, PEM, YAML block scalars) is joined before decoding,
  so a key that straddles a line break is still found; percent candidates are bounded to URL-ish
  characters instead of gitleaks' ``%XX.*%XX`` (which can span a whole one-line bundle).
* Work is capped per scan (segments and decoded characters): a hostile file cannot make a scan explode.

Hand-written because no library finds *encoded segments inside text*; the decoding itself is the
standard library's ``binascii`` and ``urllib.parse``. The raw secret lives only in the returned matches.
"""

from __future__ import annotations

import binascii
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from launchready_tui.checks.secrets.engine import Match

DEFAULT_MAX_DEPTH = 5  # gitleaks' default since its #1994; passes stop early when nothing decodes
MIN_BASE64 = 16  # gitleaks: shorter runs are mostly identifiers and decode to too little to matter
MIN_HEX = 32
MIN_PERCENT = 12  # a percent segment shorter than this cannot hold a key
MAX_SEGMENTS = 5_000  # per scan, all depths: decoded-to-text segments are rare in real files
MAX_DECODED_CHARS = 4 * 1024 * 1024
CONTEXT_BEFORE = 160  # characters of the same line kept before a segment (`OPENAI_API_KEY: <b64>`)
_WRAP_WIDTHS = frozenset((60, 64, 72, 76))  # line widths of wrapped base64 (PEM 64, MIME/base64 CLI 76)

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
_B64_CLASS = bytes(0x61 if i in _B64_ALPHABET else 0x20 for i in range(256))  # alphabet -> 'a', rest -> ' '
_B64_NEEDLE = b"a" * MIN_BASE64
_LIKELY = b"0123456789+/_-"
# The first character of every 4-character group carries the top 6 bits of a byte: for ASCII (< 0x80) it
# is one of the first 32 letters of the alphabet, A-Z or a-f. Other characters there mean binary.
_HEADS = (string.ascii_uppercase + "abcdef").encode()
_HEX_RUN = re.compile(b"[0-9A-Fa-f]{" + str(MIN_HEX).encode() + b",}")
_PRINTABLE = bytes(range(0x09, 0x7F))
_URL_SAFE = str.maketrans("-_", "+/")
_WHITESPACE = str.maketrans("", "", "\t\n\r")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# What a percent-encoded value is made of: unreserved characters, query punctuation and escapes.
_PERCENT_SPAN = re.compile(r"(?:[\w.~+\-=&:/@!*]|%[0-9A-Fa-f]{2})*")
_PERCENT_BACK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.~+-=&:/@!*%")


@dataclass(slots=True)
class Segment:
    """An encoded stretch of text and what it decodes to."""

    start: int  # in the text it was found in
    end: int
    decoded: str
    kind: str  # "base64", "hex" or "percent"


def find_segments(text: str) -> list[Segment]:
    """Encoded segments of ``text`` that decode to printable text, in order, not overlapping."""
    found = _base64_and_hex(text)
    if "%" in text:  # percent wins where readings overlap (gitleaks' precedence): base64 inside it is
        percent = _percent(text)  # decoded in the next pass, from the percent-decoded text
        if percent:
            found = [b for b in found if not any(p.start < b.end and b.start < p.end for p in percent)] + percent
            found.sort(key=lambda s: s.start)
    return found


def _base64_and_hex(text: str) -> list[Segment]:
    raw = text.encode("latin-1", "replace")  # one byte per character, so offsets stay character offsets
    classes = raw.translate(_B64_CLASS)
    size = len(classes)
    out: list[Segment] = []
    find = classes.find
    pos = find(_B64_NEEDLE)
    # One pass, cheapest tests first: a 5 MB bundle has ~14,000 runs and almost none decode to text.
    while pos >= 0:
        start = pos  # a run's start: the search resumed after a non-alphabet byte
        end = find(b" ", start + MIN_BASE64)
        if end < 0:
            end = size
        pos = find(_B64_NEEDLE, end)
        length = end - start
        if out and start < out[-1].end:
            continue  # inside a wrapped value joined below
        if length in _WRAP_WIDTHS:
            joined = _join_wrapped(text, classes, start, end)
            if joined is not None:
                out.append(joined)
                continue
        if length >= MIN_HEX:
            hex_hit = _HEX_RUN.search(raw, start, end)
            if hex_hit is not None:
                decoded = _decode_hex(hex_hit.group().decode("ascii"))
                if decoded is not None:
                    out.append(Segment(hex_hit.start(), hex_hit.end(), decoded, "hex"))
                    continue
        # (bytes, C-speed: runs are ASCII, so bytes == characters)
        if raw[start:end:4].translate(None, _HEADS) or len(raw[start:end].translate(None, _LIKELY)) == length:
            continue  # cannot decode to ASCII, or looks like an identifier (gitleaks' likelyBase64Chars)
        seg_end = _with_padding(text, end)
        decoded = _decode_base64(text[start:seg_end])
        if decoded is not None:
            out.append(Segment(start, seg_end, decoded, "base64"))
    return out


def _join_wrapped(text: str, classes: bytes, start: int, end: int) -> Segment | None:
    """Base64 wrapped at a fixed width (every line but the last full): joined across line breaks."""
    width = end - start
    parts = [text[start:end]]
    while True:
        gap = end
        while gap < len(text) and text[gap] in " \t\r":
            gap += 1
        if gap >= len(text) or text[gap] != "\n":
            break
        nxt = gap + 1
        while nxt < len(text) and text[nxt] in " \t":
            nxt += 1
        stop = classes.find(b" ", nxt)
        stop = len(text) if stop < 0 else stop
        if stop == nxt:
            break
        parts.append(text[nxt:stop])
        end = stop
        if stop - nxt != width:
            break  # the last, shorter line
    if len(parts) == 1:
        return None
    padded = _with_padding(text, end)
    decoded = _decode_base64("".join(parts) + text[end:padded])
    return Segment(start, padded, decoded, "base64") if decoded is not None else None


def _with_padding(text: str, end: int) -> int:
    for _ in range(2):
        if end < len(text) and text[end] == "=":
            end += 1
    return end


def _decode_base64(value: str) -> str | None:
    body = value.rstrip("=")
    if len(body) % 4 == 1:
        return None
    if "-" in body or "_" in body:
        if "+" in body or "/" in body:
            return None  # both alphabets at once: not one base64 value
        body = body.translate(_URL_SAFE)
    try:
        data = binascii.a2b_base64(body + "=" * (-len(body) % 4), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    return _printable(data)


def _decode_hex(value: str) -> str | None:
    if len(value) % 2:
        value = value[:-1]
    try:
        return _printable(binascii.unhexlify(value))
    except (binascii.Error, ValueError):
        return None


def _printable(data: bytes) -> str | None:
    if not data or data.translate(None, _PRINTABLE):
        return None
    text = data.decode("ascii")
    return text if text.strip() else None


def _percent(text: str) -> list[Segment]:
    out: list[Segment] = []
    covered = -1
    for hit in _PERCENT.finditer(text):
        if hit.start() < covered:
            continue
        start = hit.start()
        lo = max(0, start - 512)
        while start > lo and text[start - 1] in _PERCENT_BACK:
            start -= 1
        m = _PERCENT_SPAN.match(text, start, min(len(text), hit.start() + 4096))
        end = m.end() if m else hit.end()
        covered = end
        value = text[start:end]
        if len(value) < MIN_PERCENT:
            continue
        try:
            decoded = unquote(value, errors="strict")
        except UnicodeDecodeError:
            continue  # escapes that are not UTF-8: binary, not text
        if decoded != value and decoded.translate(_WHITESPACE).isprintable():
            out.append(Segment(start, end, decoded, "percent"))
    return out


# -- rescanning -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Layer:
    """Decoded text waiting to be searched for further segments: where it came from in the original."""

    text: str
    origin: tuple[int, int]  # the top-level encoded span in the original text
    chain: tuple[str, ...]


def decoded_matches(scan_plain: Callable[[str], list[Match]], text: str, plain: list[Match],
                    locate: Callable[[int], tuple[int, int, str]], max_depth: int = DEFAULT_MAX_DEPTH) -> list[Match]:
    """Matches that only show after decoding, reported at the encoded span of ``text``.

    ``scan_plain(snippet)`` runs the rules (no decoding) over a snippet; ``plain`` are the matches of the
    undecoded text; ``locate(offset)`` gives (line, column, line text) of an offset in ``text``."""
    if max_depth <= 0:
        return []
    seen = {(m.rule.id, m.secret) for m in plain}
    out: list[Match] = []
    budget = [MAX_SEGMENTS, MAX_DECODED_CHARS]
    done: set[str] = set()  # decoded values already rescanned: a blob repeated 1,000 times costs one rescan
    layers = [_Layer(text, (-1, -1), ())]
    for depth in range(1, max_depth + 1):
        next_layers: list[_Layer] = []
        for layer in layers:
            for seg in find_segments(layer.text):
                if budget[0] <= 0 or budget[1] <= 0:
                    return out
                origin = (seg.start, seg.end) if depth == 1 else layer.origin
                where = locate(origin[0])
                if "gitleaks:allow" in where[2] or seg.decoded in done:
                    continue  # allowed inline (as gitleaks reads it: on the original line), or seen already
                done.add(seg.decoded)
                budget[0] -= 1
                budget[1] -= len(seg.decoded)
                chain = (*layer.chain, seg.kind)
                out += _rescan(scan_plain, text, layer.text, seg, origin, chain, depth, seen, where)
                next_layers.append(_Layer(seg.decoded, origin, chain))
        if not next_layers:
            break
        layers = next_layers
    return out


def _rescan(scan_plain: Callable[[str], list[Match]], original: str, text: str, seg: Segment,
            origin: tuple[int, int], chain: tuple[str, ...], depth: int, seen: set[tuple[str, str]],
            where: tuple[int, int, str]) -> list[Match]:
    # The line before the segment stays (`OPENAI_API_KEY: <base64>` keeps its keyword); the decoded text is
    # the end of the snippet, as an encoded value is a whole value: rules that want a terminator after the
    # secret (quote, space or end of text) see one.
    line_start = text.rfind("\n", max(0, seg.start - CONTEXT_BEFORE), seg.start) + 1
    before = text[max(line_start, seg.start - CONTEXT_BEFORE):seg.start]
    snippet = before + seg.decoded
    lo, hi = len(before), len(before) + len(seg.decoded)
    out: list[Match] = []
    line, column, _line_text = where
    encoded = original[origin[0]:origin[1]]
    for m in scan_plain(snippet):
        if not (m.start < hi and lo < m.end):
            continue  # outside the decoded text: found (or not) in the pass before
        key = (m.rule.id, m.secret)
        if key in seen:
            continue
        seen.add(key)
        out.append(replace(m, start=origin[0], end=origin[1], secret_start=origin[0], line=line, column=column,
                           line_text=m.line_text, encoding=" > ".join(chain), depth=depth, encoded=encoded))
    return out
