"""``DKIM-Signature`` header values (RFC 6376 §3.5): who signed (d=), with which key (s=), how (a=).

Pure and light (no cryptography): the wizard's "Did it land?" panel reads selectors from a pasted header with
it, and the DKIM check then knows which selector to fetch. Signatures are not verified here — the receiving
server already did that and wrote the verdict into Authentication-Results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from launchready_tui.checks.emailauth.dkim import parse_tag_list
from launchready_tui.checks.emailauth.errors import DkimParseError, HeaderParseError

_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
_SELECTOR = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+\.?")


@dataclass(frozen=True, slots=True)
class DkimSignature:
    domain: str  # d=
    selector: str  # s=
    algorithm: str  # a=
    identity: str | None = None  # i=
    signed_headers: tuple[str, ...] = ()  # h=
    timestamp: int | None = None  # t=
    expires: int | None = None  # x=
    body_length: int | None = None  # l= (a weakness: content can be appended)

    @property
    def key_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"d": self.domain, "s": self.selector, "a": self.algorithm,
                                  "key": self.key_name}
        if self.body_length is not None:
            out["l"] = self.body_length
        return out


def is_selector(text: str) -> bool:
    return bool(_SELECTOR.fullmatch(text)) and len(text) <= 63 * 4


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    value = re.sub(r"\s+", "", value)
    return int(value) if value.isdigit() and len(value) <= 20 else None


def parse_dkim_signature(value: str) -> DkimSignature:
    """Parse a DKIM-Signature header value; raises HeaderParseError (and nothing else)."""
    if not isinstance(value, str):
        raise HeaderParseError("dkim_sig.not_text", "the header is not text")
    if len(value) > 65536:
        raise HeaderParseError("dkim_sig.too_long", "the header is too long to be a DKIM-Signature")
    try:
        tags = parse_tag_list(value)
    except DkimParseError as exc:
        raise HeaderParseError("dkim_sig.syntax", f"DKIM-Signature: {exc}") from None
    domain = re.sub(r"\s+", "", tags.get("d", "")).lower().rstrip(".")
    selector = re.sub(r"\s+", "", tags.get("s", "")).lower()
    if not domain or not _DOMAIN.fullmatch(domain):
        raise HeaderParseError("dkim_sig.no_domain", "DKIM-Signature has no valid d= (signing domain)")
    if not selector or not is_selector(selector):
        raise HeaderParseError("dkim_sig.no_selector", "DKIM-Signature has no valid s= (selector)")
    algorithm = re.sub(r"\s+", "", tags.get("a", "")).lower()
    headers = tuple(h.strip().lower() for h in tags.get("h", "").split(":") if h.strip())
    return DkimSignature(domain, selector, algorithm, tags.get("i") or None, headers, _int(tags.get("t")),
                         _int(tags.get("x")), _int(tags.get("l")))
