"""MTA-STS (RFC 8461), TLS-RPT (RFC 8460) and BIMI records, and the MTA-STS policy file: parse or say why not.

Every parser returns a dataclass or raises ``ContextRecordError`` (never anything else), so the checks can
report "present but broken" with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from launchready_tui.checks.emailauth.errors import ContextRecordError

STS_MODES = ("enforce", "testing", "none")
MAX_AGE_LIMIT = 31557600  # one year (RFC 8461 §3.2)
MAX_TEXT = 64 * 1024
_STS_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_HOST = re.compile(r"(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?)+\.?")


def _fields(text: str, version_tag: str, version: str) -> dict[str, str]:
    if not isinstance(text, str):
        raise ContextRecordError("record.not_text", "the record is not text")
    if len(text) > MAX_TEXT:
        raise ContextRecordError("record.too_long", "the record is too long")
    parts = [p.strip() for p in text.split(";")]
    out: dict[str, str] = {}
    for i, part in enumerate(p for p in parts if p):
        key, eq, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", key):
            raise ContextRecordError("record.syntax", f"'{part[:40]}' is not a key=value pair", term=part[:40])
        if i == 0 and (key != version_tag or value != version):
            raise ContextRecordError("record.version", f"the record must start with {version_tag}={version}",
                                     position=0)
        if key in out:
            raise ContextRecordError("record.duplicate", f"'{key}' appears twice", term=key)
        out[key] = value
    if not out:
        raise ContextRecordError("record.empty", "the record is empty")
    return out


# ------------------------------------------------------------------------------------------- MTA-STS


@dataclass(frozen=True, slots=True)
class StsRecord:
    id: str


def parse_sts_record(text: str) -> StsRecord:
    fields = _fields(text, "v", "STSv1")
    sid = fields.get("id")
    if sid is None:
        raise ContextRecordError("mta_sts.no_id", "the _mta-sts record has no id= (change it whenever the policy "
                                 "changes)")
    if not _STS_ID.fullmatch(sid):
        raise ContextRecordError("mta_sts.bad_id", f"id={sid} must be 1-32 letters or digits")
    return StsRecord(sid)


@dataclass(frozen=True, slots=True)
class StsPolicy:
    mode: str
    max_age: int
    mx: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def covers(self, host: str) -> bool:
        return any(mx_matches(pattern, host) for pattern in self.mx)


def mx_matches(pattern: str, host: str) -> bool:
    """RFC 8461 §4.1: a leading "*." matches exactly one label."""
    p, h = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if p.startswith("*."):
        head, _, rest = h.partition(".")
        return bool(head) and rest == p[2:]
    return p == h


def parse_sts_policy(text: str) -> StsPolicy:
    if not isinstance(text, str):
        raise ContextRecordError("policy.not_text", "the policy is not text")
    if len(text) > MAX_TEXT:
        raise ContextRecordError("policy.too_long", "the policy file is larger than 64 KB")
    values: dict[str, list[str]] = {}
    warnings: list[str] = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise ContextRecordError("policy.syntax", f"line {number} is not 'key: value'", position=number)
        values.setdefault(key.strip().lower(), []).append(value.strip())
    if values.get("version") != ["STSv1"]:
        raise ContextRecordError("policy.version", "the policy must contain 'version: STSv1' once")
    mode = (values.get("mode") or [""])[0]
    if mode not in STS_MODES or len(values.get("mode", [])) != 1:
        raise ContextRecordError("policy.mode", f"mode must be enforce, testing or none, found {mode!r}")
    age_text = (values.get("max_age") or [""])[0]
    if not age_text.isdigit() or len(values.get("max_age", [])) != 1:
        raise ContextRecordError("policy.max_age", f"max_age must be a number of seconds, found {age_text!r}")
    max_age = int(age_text)
    if max_age > MAX_AGE_LIMIT:
        raise ContextRecordError("policy.max_age", f"max_age {max_age} is more than a year ({MAX_AGE_LIMIT})")
    mx = tuple(values.get("mx", []))
    for pattern in mx:
        if not _HOST.fullmatch(pattern):
            raise ContextRecordError("policy.mx", f"mx: {pattern!r} is not a host name")
    if mode != "none" and not mx:
        raise ContextRecordError("policy.mx", f"mode {mode} needs at least one 'mx:' line")
    if max_age < 86400:
        warnings.append(f"max_age is {max_age} s; RFC 8461 suggests weeks (604800 or more)")
    return StsPolicy(mode, max_age, mx, tuple(warnings))


def sts_policy_text(mx_hosts: list[str], mode: str = "testing", max_age: int = 604800) -> str:
    lines = ["version: STSv1", f"mode: {mode}", *[f"mx: {h.rstrip('.')}" for h in mx_hosts], f"max_age: {max_age}"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------- TLS-RPT


@dataclass(frozen=True, slots=True)
class TlsRptRecord:
    rua: tuple[str, ...]


def parse_tlsrpt(text: str) -> TlsRptRecord:
    fields = _fields(text, "v", "TLSRPTv1")
    rua = fields.get("rua")
    if not rua:
        raise ContextRecordError("tls_rpt.no_rua", "the record has no rua= (where reports go)")
    uris = tuple(u.strip() for u in rua.split(",") if u.strip())
    for uri in uris:
        scheme = uri.partition(":")[0].lower()
        if scheme == "mailto":
            if not re.fullmatch(r"mailto:[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+", uri, re.IGNORECASE):
                raise ContextRecordError("tls_rpt.bad_rua", f"rua {uri!r} is not a valid mailto: address")
        elif scheme == "https":
            if not urlsplit(uri).hostname:
                raise ContextRecordError("tls_rpt.bad_rua", f"rua {uri!r} is not a valid https: URL")
        else:
            raise ContextRecordError("tls_rpt.bad_rua", f"rua {uri!r} must start with mailto: or https:")
    return TlsRptRecord(uris)


# ---------------------------------------------------------------------------------------------- BIMI


@dataclass(frozen=True, slots=True)
class BimiRecord:
    logo: str | None  # l= (None: declined)
    authority: str | None  # a= (VMC/CMC certificate)
    problems: tuple[str, ...] = field(default=())


def parse_bimi(text: str) -> BimiRecord:
    fields = _fields(text, "v", "BIMI1")
    logo = fields.get("l") or None
    authority = fields.get("a") or None
    problems: list[str] = []
    if logo is not None:
        parts = urlsplit(logo)
        if parts.scheme.lower() != "https":
            problems.append(f"l={logo} must be an https:// address")
        if not parts.path.lower().endswith(".svg"):
            problems.append(f"l={logo} must point at an SVG (SVG Tiny PS) logo")
    if authority is not None and urlsplit(authority).scheme.lower() != "https":
        problems.append(f"a={authority} must be an https:// address")
    return BimiRecord(logo, authority, tuple(problems))


def looks_like_svg_tiny_ps(body: bytes) -> str | None:
    """Why a fetched logo is not an SVG Tiny PS document, or None when it looks right."""
    head = body[:4096].decode("utf-8", "replace").lower()
    if "<svg" not in head:
        return "the logo is not an SVG document"
    if 'baseprofile="tiny-ps"' not in head.replace("'", '"'):
        return 'the SVG does not declare baseProfile="tiny-ps" (BIMI needs SVG Tiny PS)'
    if len(body) > 32 * 1024:
        return f"the logo is {len(body) // 1024} KB; BIMI logos must stay under 32 KB"
    return None
