"""DKIM public-key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463): parse the tag list, load the key, judge it.

The key is loaded with ``cryptography`` (``load_der_public_key`` accepts both SubjectPublicKeyInfo and the raw
PKCS#1 ``RSAPublicKey`` that some providers publish; Ed25519 keys are 32 raw bytes), so the size we report is
the size of a key that actually loads — a corrupted key is "does not parse", never a size.

Verdicts (checks-email.md §1): RSA < 1024 bits fail, 1024 ≤ bits < 2048 warn (RFC 8301 asks for 2048), ≥ 2048
or Ed25519 pass; unknown ``k=``, a bad ``v=``, an unloadable key fail; ``s=`` without ``email``/``*`` fail for a
mail selector; ``h=sha1`` only warn; ``t=y`` warn; empty ``p=`` is a revoked key.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from launchready_tui.checks.emailauth.errors import DkimParseError
from launchready_tui.checks.emailauth.findings import Finding, Severity

KEY_TYPES = ("rsa", "ed25519")
MAX_RECORD = 16384
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_B64_CHARS = re.compile(r"[A-Za-z0-9+/=]*")
_RSA_OID = bytes.fromhex("2a864886f70d010101")  # rsaEncryption, DER-encoded


@dataclass(frozen=True, slots=True)
class DkimKey:
    text: str
    tags: dict[str, str]
    key_type: str  # "rsa" or "ed25519"
    bits: int | None  # RSA modulus size; 256 for Ed25519; None when revoked
    revoked: bool
    hashes: tuple[str, ...]  # h= (empty: any)
    services: tuple[str, ...]  # s= (default "*")
    flags: tuple[str, ...]  # t=
    der_format: str | None = None  # "spki", "pkcs1" or "raw" (Ed25519)

    @property
    def testing(self) -> bool:
        return "y" in self.flags

    @property
    def usable_for_mail(self) -> bool:
        return "*" in self.services or "email" in self.services


def parse_tag_list(text: str, error: type[DkimParseError] = DkimParseError) -> dict[str, str]:
    """RFC 6376 §3.2 tag=value list; whitespace around tags and values is folding and is dropped."""
    tags: dict[str, str] = {}
    for part in text.split(";"):
        stripped = part.strip()
        if not stripped:
            continue
        name, eq, value = stripped.partition("=")
        name = name.strip()
        if not eq or not _TAG_NAME.fullmatch(name):
            raise error("dkim.syntax", f"'{stripped[:40]}' is not a tag=value pair", term=stripped[:40])
        if name in tags:
            raise error("dkim.duplicate_tag", f"the tag '{name}' appears twice", term=name)
        tags[name] = value.strip()
    return tags


def _colon_list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(x.strip().lower() for x in value.split(":") if x.strip())


def _key_bits(key_type: str, data: bytes) -> tuple[int, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if key_type == "ed25519":
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(data)
        except ValueError:
            raise DkimParseError("dkim.bad_key", f"the Ed25519 key is {len(data)} bytes, not 32") from None
        return 256, "raw"
    try:
        key = serialization.load_der_public_key(data)
    except (ValueError, TypeError, binascii.Error):
        raise DkimParseError("dkim.bad_key", "the public key does not parse (corrupted or cut short)") from None
    except Exception as exc:  # noqa: BLE001 - cryptography may raise its own types for hostile DER
        raise DkimParseError("dkim.bad_key", f"the public key does not parse ({type(exc).__name__})") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise DkimParseError("dkim.key_mismatch", f"k=rsa but the key is a {type(key).__name__}")
    fmt = "spki" if _RSA_OID in data[:32] else "pkcs1"  # SPKI names the algorithm; PKCS#1 is the bare key
    return key.key_size, fmt


def parse_dkim_key(text: str) -> DkimKey:
    """Parse a DKIM key record; raises DkimParseError (and nothing else) when receivers cannot use it."""
    if not isinstance(text, str):
        raise DkimParseError("dkim.not_text", "the record is not text")
    if len(text) > MAX_RECORD:
        raise DkimParseError("dkim.too_long", f"the record is {len(text)} characters long; that is not a DKIM key")
    tags = parse_tag_list(text)
    if "v" in tags:
        first = next(iter(tags))
        if tags["v"] != "DKIM1":
            raise DkimParseError("dkim.bad_version", f"v={tags['v']} is not 'DKIM1' (check for a ':' or ',' where "
                                 "';' belongs)", term=f"v={tags['v']}")
        if first != "v":
            raise DkimParseError("dkim.bad_version", "v=DKIM1 must be the first tag", term="v")
    if "p" not in tags:
        raise DkimParseError("dkim.no_key", "the record has no p= (public key) tag")
    key_type = tags.get("k", "rsa").strip().lower()
    if key_type not in KEY_TYPES:
        raise DkimParseError("dkim.unknown_key_type", f"k={tags.get('k')} is not a key type receivers know (rsa or "
                             "ed25519)", term=f"k={tags.get('k')}")
    blob = re.sub(r"\s+", "", tags["p"])
    hashes = _colon_list(tags.get("h"))
    services = _colon_list(tags.get("s")) or ("*",)
    flags = _colon_list(tags.get("t"))
    if not blob:
        return DkimKey(text, tags, key_type, None, True, hashes, services, flags)
    if not _B64_CHARS.fullmatch(blob):
        raise DkimParseError("dkim.bad_key", "p= is not base64")
    try:
        data = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise DkimParseError("dkim.bad_key", "p= is not valid base64") from None
    bits, fmt = _key_bits(key_type, data)
    return DkimKey(text, tags, key_type, bits, False, hashes, services, flags, fmt)


def judge_key(key: DkimKey, name: str) -> list[Finding]:
    """Findings for a key that parsed, published at ``name`` (<selector>._domainkey.<domain>)."""
    out: list[Finding] = []
    if key.revoked:
        out.append(Finding("dkim.revoked", Severity.NOTE, f"{name} is a revoked key (empty p=): mail signed with it "
                           "fails DKIM", name=name))
        return out
    if not key.usable_for_mail:
        out.append(Finding("dkim.not_for_mail", Severity.FAIL, f"{name} has s={':'.join(key.services)}, so it cannot "
                           "verify email signatures", name=name))
    if key.key_type == "rsa" and key.bits is not None:
        if key.bits < 1024:
            out.append(Finding("dkim.weak_key", Severity.FAIL, f"{name} is a {key.bits}-bit RSA key: receivers "
                               "ignore keys under 1024 bits and it can be broken", name=name,
                               detail={"bits": key.bits}))
        elif key.bits < 2048:
            out.append(Finding("dkim.short_key", Severity.WARN, f"{name} is a {key.bits}-bit RSA key; RFC 8301 asks "
                               "for 2048 bits", name=name, detail={"bits": key.bits}))
    if key.hashes and "sha256" not in key.hashes:
        out.append(Finding("dkim.sha1_only", Severity.WARN, f"{name} allows only h={':'.join(key.hashes)}; rsa-sha1 "
                           "signatures must not be used (RFC 8301)", name=name))
    if key.testing:
        out.append(Finding("dkim.testing", Severity.WARN, f"{name} has t=y (testing): receivers may treat signed mail "
                           "as unsigned", name=name))
    return out


def key_record_findings(text: str, name: str) -> tuple[DkimKey | None, list[Finding]]:
    try:
        key = parse_dkim_key(text)
    except DkimParseError as exc:
        return None, [Finding(exc.code, Severity.FAIL, f"{name}: {exc}", name=name)]
    return key, judge_key(key, name)


def without_testing_flag(key: DkimKey) -> str:
    """The same record with t=y removed (the fix for dkim.testing)."""
    parts = []
    for k, v in key.tags.items():
        if k == "t":
            rest = [f for f in _colon_list(v) if f != "y"]
            if rest:
                parts.append(f"t={':'.join(rest)}")
            continue
        parts.append(f"{k}={v}")
    return "; ".join(parts)
