""""Did it land?": explain the authentication headers of a message the founder received from their app.

``explain_authentication_results(raw_headers)`` reads a pasted header block (Gmail "Show original", Outlook
"View message source", …): the receiving server's ``Authentication-Results`` (RFC 8601), every
``DKIM-Signature`` and the ``From`` address, and says in plain words whether SPF, DKIM and DMARC passed and
whether each passing result is *aligned* with the From domain (RFC 9989: relaxed alignment = same
organisational domain). It never raises: text without those headers gives an explanation that says so.

Only the topmost Authentication-Results from one server is the receiver's verdict; headers further down were
added on the way (or by the sender) and are listed, not trusted. ``ARC-Authentication-Results`` and
``Received-SPF`` are used only when there is no Authentication-Results at all.

Pure: no DNS, no cryptography (the wizard panel imports it).

Why not a library: ``authres`` (last release 2019) rejects the Authentication-Results that Microsoft 365 writes
(no server name), and ``email.parser`` expects a clean message, while people paste header blocks with a
summary table above and the body below. So the block is unfolded here, tolerantly, and only address parsing
is left to the standard library (``email.utils.getaddresses``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

from launchready_tui.checks.emailauth.dkim_signature import DkimSignature, parse_dkim_signature
from launchready_tui.checks.emailauth.errors import HeaderParseError, ParseError

MAX_INPUT = 512 * 1024  # a pasted header block; anything bigger is cut (with a note)
_FIELD = re.compile(r"([!-9;-~]+):[ \t]?(.*)")
PASS_RESULTS = ("pass",)


# ------------------------------------------------------------------------------------- header block


@dataclass(frozen=True, slots=True)
class HeaderField:
    name: str  # as written
    value: str  # unfolded

    @property
    def key(self) -> str:
        return self.name.lower()


def split_headers(raw: str) -> list[HeaderField]:
    """Unfold a pasted header block into fields, top first. Lines that are not headers are skipped."""
    text = raw[:MAX_INPUT].replace("\r\n", "\n").replace("\r", "\n")
    fields: list[list[str]] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        if not line.strip():
            if current is not None and len(fields) >= 3:
                break  # the blank line after the header block: the body follows
            current = None
            continue
        if line[0] in " \t" and current is not None:
            current[1] += " " + line.strip()
            continue
        m = _FIELD.fullmatch(line)
        if m:
            current = [m.group(1), m.group(2).strip()]
            fields.append(current)
        else:
            current = None
    return [HeaderField(n, v) for n, v in fields]


# ---------------------------------------------------------------------------- Authentication-Results


@dataclass(frozen=True, slots=True)
class MethodResult:
    method: str  # spf, dkim, dmarc, arc, iprev, …
    result: str  # pass, fail, softfail, neutral, none, temperror, permerror, policy, bestguesspass, …
    props: dict[str, str] = field(default_factory=dict)  # "smtp.mailfrom", "header.d", "action", …
    reason: str | None = None
    comment: str | None = None

    def prop(self, *names: str) -> str | None:
        for name in names:
            if name in self.props:
                return self.props[name]
        return None


@dataclass(frozen=True, slots=True)
class AuthResults:
    authserv_id: str
    results: tuple[MethodResult, ...]
    raw: str

    def first(self, method: str) -> MethodResult | None:
        return next((r for r in self.results if r.method == method), None)

    def all(self, method: str) -> list[MethodResult]:
        return [r for r in self.results if r.method == method]


def _lex(value: str) -> list[tuple[str, str]]:
    """Tokens of an Authentication-Results value: ("word", text), ("comment", text), (";", ";")."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(value)
    word: list[str] = []

    def flush() -> None:
        if word:
            out.append(("word", "".join(word)))
            word.clear()

    while i < n:
        ch = value[i]
        if ch == "(":
            flush()
            depth, j, buf = 1, i + 1, []
            while j < n and depth:
                c = value[j]
                if c == "\\" and j + 1 < n:
                    buf.append(value[j + 1])
                    j += 2
                    continue
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
                buf.append(c)
                j += 1
            out.append(("comment", "".join(buf).strip()))
            i = j + 1
            continue
        if ch == '"':
            j, buf = i + 1, []
            while j < n and value[j] != '"':
                if value[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(value[j])
                j += 1
            word.append("".join(buf))
            i = j + 1
            continue
        if ch == ";":
            flush()
            out.append((";", ";"))
            i += 1
            continue
        if ch.isspace():
            flush()
            i += 1
            continue
        word.append(ch)
        i += 1
    flush()
    return out


def parse_authentication_results(value: str) -> AuthResults:
    """Parse one Authentication-Results value (RFC 8601); raises HeaderParseError (and nothing else)."""
    if not isinstance(value, str):
        raise HeaderParseError("ar.not_text", "the header is not text")
    tokens = _lex(value[:MAX_INPUT])
    groups: list[list[tuple[str, str]]] = [[]]
    for token in tokens:
        if token[0] == ";":
            groups.append([])
        else:
            groups[-1].append(token)
    head = [t for t in groups[0] if t[0] == "word"]
    if not head:
        raise HeaderParseError("ar.no_authserv_id", "Authentication-Results has no server name (authserv-id)")
    authserv_id = head[0][1].lower()
    if "=" in authserv_id:
        # Microsoft 365 omits the server name and starts with "spf=pass": read that group as a result.
        authserv_id = ""
    else:
        groups = groups[1:]
    results: list[MethodResult] = []
    for group in groups:
        words = [t for t in group if t[0] == "word"]
        comments = [t[1] for t in group if t[0] == "comment"]
        if not words:
            continue
        method, eq, result = words[0][1].partition("=")
        if not eq or not method or not result:
            if words[0][1].lower() == "none":
                continue
            raise HeaderParseError("ar.syntax", f"'{words[0][1][:40]}' is not method=result",
                                   term=words[0][1][:40])
        props: dict[str, str] = {}
        reason: str | None = None
        for _kind, word in words[1:]:
            key, eq2, val = word.partition("=")
            if not eq2:
                continue
            key = key.lower()
            if key == "reason":
                reason = val
            else:
                props.setdefault(key, val)
        results.append(MethodResult(method.lower().split("/")[0], result.lower(), props, reason,
                                    comments[0] if comments else None))
    return AuthResults(authserv_id, tuple(results), value)


# ------------------------------------------------------------------------------------------ alignment


def org_domain(domain: str) -> str:
    from launchready_tui.core.project import registrable_domain

    return registrable_domain(domain)


def alignment(auth_domain: str | None, from_domain: str | None) -> str | None:
    """"strict" (same name), "relaxed" (same organisational domain), "no", or None if unknown."""
    if not auth_domain or not from_domain:
        return None
    a, f = auth_domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    if a == f:
        return "strict"
    return "relaxed" if org_domain(a) == org_domain(f) else "no"


def _domain_of(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().strip("<>").rstrip(".")
    domain = value.rpartition("@")[2]
    return domain.lower() or None


# ----------------------------------------------------------------------------------------- explanation


@dataclass(slots=True)
class Verdict:
    check: str  # "SPF", "DKIM", "DMARC"
    result: str
    domain: str | None = None
    aligned: str | None = None  # strict / relaxed / no / None
    words: str = ""
    selector: str | None = None

    @property
    def passed(self) -> bool:
        return self.result in PASS_RESULTS

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"result": self.result, "words": self.words}
        if self.domain:
            out["domain"] = self.domain
        if self.aligned is not None:
            out["aligned"] = self.aligned
        if self.selector:
            out["selector"] = self.selector
        return out


@dataclass(slots=True)
class Explanation:
    found: bool  # an Authentication-Results (or fallback) header was read
    verdict: str  # "authenticated", "at-risk", "failing" or "unknown"
    headline: str
    from_domain: str | None = None
    receiver: str | None = None
    spf: Verdict | None = None
    dkim: list[Verdict] = field(default_factory=list)
    dmarc: Verdict | None = None
    signatures: list[DkimSignature] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the plain-words explanation, one point per line
    notes: list[str] = field(default_factory=list)

    @property
    def selectors(self) -> list[tuple[str, str]]:
        """(domain, selector) of every DKIM signature, for the DKIM check to fetch."""
        return list(dict.fromkeys((s.domain, s.selector) for s in self.signatures))

    def selectors_for(self, domain: str) -> list[str]:
        """Selectors of signatures made by ``domain`` or a name in the same organisation."""
        return [s for d, s in self.selectors if alignment(d, domain) in ("strict", "relaxed")]

    def text(self) -> str:
        out = [self.headline, *[f"- {line}" for line in self.lines]]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "found": self.found, "verdict": self.verdict, "headline": self.headline,
            "from_domain": self.from_domain, "receiver": self.receiver,
            "spf": self.spf.to_json() if self.spf else None, "dkim": [d.to_json() for d in self.dkim],
            "dmarc": self.dmarc.to_json() if self.dmarc else None,
            "signatures": [s.to_json() for s in self.signatures], "lines": self.lines, "notes": self.notes,
        }


def _from_domain(fields: list[HeaderField]) -> str | None:
    value = next((f.value for f in fields if f.key == "from"), None)
    if value is None:
        return None
    try:
        addresses = getaddresses([value])
    except Exception:  # noqa: BLE001 - the stdlib parser can raise odd errors on hostile input
        addresses = []
    for _name, address in addresses:
        if "@" in address:
            return _domain_of(address)
    m = re.search(r"@([A-Za-z0-9.-]+\.[A-Za-z]{2,})", value)
    return m.group(1).lower() if m else None


def _spf_verdict(result: MethodResult, from_domain: str | None) -> Verdict:
    mailfrom = result.prop("smtp.mailfrom")
    domain = _domain_of(mailfrom) or _domain_of(result.prop("smtp.helo"))
    aligned = alignment(domain, from_domain)
    v = Verdict("SPF", result.result, domain, aligned)
    sender = domain or "the envelope sender"
    if result.result == "pass":
        if aligned in ("strict", "relaxed"):
            v.words = f"SPF passed for {sender}, which matches your From domain: it counts for DMARC."
        elif aligned == "no":
            v.words = (f"SPF passed, but for {sender} (your provider's bounce domain), not {from_domain}: it does "
                       "not count for DMARC. Set up a custom return-path / MAIL FROM subdomain at your provider.")
        else:
            v.words = f"SPF passed for {sender}."
    elif result.result in ("fail", "softfail"):
        v.words = (f"SPF {result.result}: the server that handed over this message is not listed in {sender}'s SPF "
                   "record. Add your sending service's include to SPF.")
    elif result.result == "none":
        v.words = f"SPF none: {sender} publishes no SPF record."
    elif result.result == "neutral":
        v.words = f"SPF neutral: {sender}'s SPF record neither allows nor forbids this server (it ends in ?all)."
    elif result.result == "permerror":
        v.words = f"SPF permerror: {sender}'s SPF record is broken (syntax, or more than 10 DNS lookups)."
    elif result.result == "temperror":
        v.words = "SPF temperror: the receiver could not look up SPF (a DNS problem at the time); it may retry."
    else:
        v.words = f"SPF result: {result.result}."
    return v


def _dkim_verdict(result: MethodResult, from_domain: str | None) -> Verdict:
    domain = result.prop("header.d") or _domain_of(result.prop("header.i"))
    selector = result.prop("header.s")
    aligned = alignment(domain, from_domain)
    v = Verdict("DKIM", result.result, domain.lower() if domain else None, aligned, selector=selector)
    signer = f"{domain}" + (f" (selector {selector})" if selector else "") if domain else "an unnamed domain"
    if result.result == "pass":
        if aligned in ("strict", "relaxed"):
            v.words = f"DKIM passed: signed by {signer}, which matches your From domain: it counts for DMARC."
        elif aligned == "no":
            v.words = (f"DKIM passed, but the signature is {signer}'s, not {from_domain}'s: turn on domain "
                       "authentication at your provider so it signs as your domain.")
        else:
            v.words = f"DKIM passed: signed by {signer}."
    elif result.result in ("fail", "permerror", "neutral", "policy"):
        key = f"The key at {selector}._domainkey.{domain}" if selector and domain else "The signing key"
        v.words = (f"DKIM {result.result} for {signer}: the signature did not verify. {key} may be missing or "
                   "wrong, or something changed the message on the way (a mailing list, a footer).")
    elif result.result == "none":
        v.words = "DKIM none: the message was not signed."
    elif result.result == "temperror":
        v.words = "DKIM temperror: the receiver could not fetch the key (a DNS problem at the time)."
    else:
        v.words = f"DKIM result: {result.result} for {signer}."
    return v


def _dmarc_verdict(result: MethodResult, from_domain: str | None) -> Verdict:
    domain = result.prop("header.from") or from_domain
    v = Verdict("DMARC", result.result, domain)
    policy = None
    if result.comment:
        m = re.search(r"\bp=([A-Za-z]+)", result.comment)
        policy = m.group(1).lower() if m else None
    action = result.prop("action")
    if result.result == "pass":
        v.words = f"DMARC passed for {domain}: at least one of SPF or DKIM passed and matches the From domain."
    elif result.result == "fail":
        what = f" Your policy is p={policy}." if policy else ""
        acted = f" The receiver's action: {action}." if action else ""
        v.words = (f"DMARC failed for {domain}: neither SPF nor DKIM passed for a domain matching the From address."
                   f"{what}{acted} With p=quarantine or p=reject, mail like this goes to spam or is refused.")
    elif result.result == "none":
        v.words = f"DMARC none: {domain} publishes no DMARC record, so receivers guess."
    elif result.result in ("temperror", "permerror"):
        v.words = f"DMARC {result.result}: the receiver could not use {domain}'s DMARC record."
    else:
        v.words = f"DMARC result: {result.result}."
    return v


def _received_spf(fields: list[HeaderField]) -> MethodResult | None:
    value = next((f.value for f in fields if f.key == "received-spf"), None)
    if not value:
        return None
    word = value.split(None, 1)[0].lower() if value.split() else ""
    m = re.search(r"envelope-from=\"?<?([^\s;\">]+)", value)
    props = {"smtp.mailfrom": m.group(1)} if m else {}
    return MethodResult("spf", word, props) if word else None


def explain_authentication_results(raw_headers: str) -> Explanation:
    """Explain SPF, DKIM and DMARC of one received message, in plain words. Never raises."""
    if not isinstance(raw_headers, str):
        raw_headers = str(raw_headers)
    fields = split_headers(raw_headers)
    from_domain = _from_domain(fields)
    notes: list[str] = []
    if len(raw_headers) > MAX_INPUT:
        notes.append(f"only the first {MAX_INPUT // 1024} KB of the pasted text was read")

    signatures: list[DkimSignature] = []
    for f in fields:
        if f.key == "dkim-signature":
            try:
                signatures.append(parse_dkim_signature(f.value))
            except ParseError as exc:
                notes.append(f"a DKIM-Signature header could not be read: {exc}")

    parsed: list[AuthResults] = []
    for f in fields:
        if f.key == "authentication-results":
            try:
                parsed.append(parse_authentication_results(f.value))
            except ParseError as exc:
                notes.append(f"an Authentication-Results header could not be read: {exc}")
    source = "Authentication-Results"
    if not parsed:
        for f in fields:
            if f.key == "arc-authentication-results":
                value = re.sub(r"^\s*i\s*=\s*\d+\s*;", "", f.value)
                try:
                    parsed.append(parse_authentication_results(value))
                    source = "ARC-Authentication-Results"
                    notes.append("no Authentication-Results header: read the ARC copy instead (the message was "
                                 "forwarded)")
                    break
                except ParseError:
                    continue
    top = parsed[0] if parsed else None
    if len(parsed) > 1:
        others = sorted({p.authserv_id for p in parsed[1:]} - {top.authserv_id} if top else set())
        if others:
            notes.append(f"only the topmost {source} (from {top.authserv_id if top else '?'}) is the receiver's "
                         f"verdict; the ones from {', '.join(others)} were added earlier and are not trusted")

    spf_result = top.first("spf") if top else None
    if spf_result is None:
        spf_result = _received_spf(fields)
    spf = _spf_verdict(spf_result, from_domain) if spf_result else None
    dkim = [_dkim_verdict(r, from_domain) for r in top.all("dkim")] if top else []
    dmarc_result = top.first("dmarc") if top else None
    dmarc = _dmarc_verdict(dmarc_result, from_domain) if dmarc_result else None

    found = top is not None or spf is not None
    explanation = Explanation(found, "unknown", "", from_domain, top.authserv_id if top else None, spf, dkim, dmarc,
                              signatures, notes=notes)
    _conclude(explanation)
    return explanation


def _conclude(e: Explanation) -> None:
    if not e.found:
        e.headline = ("No Authentication-Results header found: paste the full headers of a message you received "
                      "(in Gmail: ⋮ → Show original; in Outlook: View → View message source).")
        if e.signatures:
            e.lines += [f"The message is DKIM-signed by {s.domain} with selector '{s.selector}' "
                        f"(key at {s.key_name})." for s in e.signatures]
        return
    aligned_pass = [v for v in ([e.spf] if e.spf else []) + e.dkim
                    if v.passed and v.aligned in ("strict", "relaxed")]
    if e.dmarc is not None and e.dmarc.passed:
        e.verdict = "authenticated"
    elif e.dmarc is not None and e.dmarc.result == "fail":
        e.verdict = "failing"
    elif aligned_pass:
        e.verdict = "at-risk" if e.dmarc is None or e.dmarc.result == "none" else "authenticated"
    else:
        e.verdict = "failing"
    who = e.receiver or "the receiving server"
    frm = e.from_domain or "your domain"
    if e.verdict == "authenticated":
        by = ", ".join(v.check for v in aligned_pass) or "SPF or DKIM"
        e.headline = f"It landed authenticated: {who} verified this message as really from {frm} ({by} aligned)."
    elif e.verdict == "at-risk":
        e.headline = (f"It passed, but {frm} has no DMARC policy: {who} checked SPF/DKIM, yet forged mail "
                      "in your name is treated the same way.")
    else:
        e.headline = (f"Not authenticated: {who} could not verify that this message comes from {frm}; mail like "
                      "this is likely to land in spam.")
    for v in [e.spf, *e.dkim, e.dmarc]:
        if v is not None and v.words:
            e.lines.append(v.words)
    if not e.dkim and not e.signatures:
        e.lines.append("DKIM: the message carries no DKIM signature. Turn on DKIM at your email provider.")
    strict_hint = any(v.aligned == "relaxed" and v.passed for v in [e.spf, *e.dkim] if v is not None)
    if strict_hint:
        e.notes.append("alignment here is relaxed (same organisation, different name); a DMARC record with "
                       "adkim=s or aspf=s would need the exact same name")
    if e.from_domain:
        mine = [s for s in e.signatures if alignment(s.domain, e.from_domain) in ("strict", "relaxed")]
        for s in mine:
            e.lines.append(f"Your DKIM selector is '{s.selector}' (key at {s.key_name}): add it to the project so "
                           "the DKIM check can fetch and judge that key.")
        for s in e.signatures:
            if s.body_length is not None:
                e.notes.append(f"the signature by {s.domain} covers only the first {s.body_length} bytes of the "
                               "body (l=): text appended later still verifies")
            if s.algorithm == "rsa-sha1":
                e.notes.append(f"the signature by {s.domain} uses rsa-sha1, which receivers no longer accept")


def selectors_from_headers(raw_headers: str, domain: str) -> list[str]:
    """The DKIM selectors a pasted header block shows for ``domain`` (same organisation)."""
    return explain_authentication_results(raw_headers).selectors_for(domain)


__all__ = ["AuthResults", "Explanation", "HeaderField", "MethodResult", "Verdict", "explain_authentication_results",
           "parse_authentication_results", "selectors_from_headers", "split_headers", "HeaderParseError"]
