"""DMARC records (RFC 9989, "DMARCbis", which replaces RFC 7489): parse, lint, and the records to publish next.

``parse_dmarc(text)`` returns a ``DmarcRecord`` or raises ``DmarcParseError`` for what makes a record unusable
(not ``v=DMARC1`` first, a tag without ``=``, a duplicated tag, an invalid ``p``/``sp``/``np``). What RFC 9989
tolerates — unknown tags, the removed ``pct``/``rf``/``ri``, invalid ``adkim``/``aspf``/``fo`` falling back to
defaults, a missing ``p`` meaning ``none`` — parses, and ``lint_dmarc`` reports it with a severity.

``progression()`` builds the none → quarantine → reject steps as exact records, keeping the user's alignment and
report settings, sending aggregate reports to the address the user gives, and never using a ``pct=`` ramp
(RFC 9989 removed it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from launchready_tui.checks.emailauth.errors import DmarcParseError
from launchready_tui.checks.emailauth.findings import Finding, Severity

POLICIES = ("none", "quarantine", "reject")
STRENGTH = {p: i for i, p in enumerate(POLICIES)}
KNOWN_TAGS = frozenset({"v", "p", "sp", "np", "psd", "t", "adkim", "aspf", "fo", "rua", "ruf"})
REMOVED_TAGS = frozenset({"pct", "rf", "ri"})
MAX_RECORD = 4096  # far beyond any real record: bounds the work on hostile input
_VERSION = re.compile(r"\s*v\s*=\s*DMARC1\s*(?:;|\Z)", re.IGNORECASE)
_TAG = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_SIZE = re.compile(r"[0-9]+[kmgtKMGT]?")
_MAILBOX = re.compile(r"[^@\s,;!]+@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                      r"[A-Za-z0-9])?)+)")


@dataclass(frozen=True, slots=True)
class ReportUri:
    raw: str
    scheme: str
    address: str  # the mailbox for mailto:, the rest otherwise
    size: str | None = None
    problem: str | None = None

    @property
    def host(self) -> str | None:
        """The mail domain of a valid mailto: URI."""
        if self.problem or self.scheme != "mailto":
            return None
        return self.address.rpartition("@")[2].lower()


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    text: str
    tags: dict[str, str]  # lower-case tag -> value as written (stripped)
    order: tuple[str, ...]

    def _policy(self, tag: str) -> str | None:
        value = self.tags.get(tag)
        return value.lower() if value is not None else None

    @property
    def p(self) -> str | None:
        return self._policy("p")

    @property
    def sp(self) -> str | None:
        return self._policy("sp")

    @property
    def np(self) -> str | None:
        return self._policy("np")

    @property
    def effective_p(self) -> str:
        """RFC 9989: a record without p is treated as p=none."""
        return self.p or "none"

    @property
    def effective_sp(self) -> str:
        return self.sp or self.effective_p

    @property
    def effective_np(self) -> str:
        return self.np or self.effective_sp

    @property
    def adkim(self) -> str:
        value = (self.tags.get("adkim") or "r").lower()
        return value if value in ("r", "s") else "r"

    @property
    def aspf(self) -> str:
        value = (self.tags.get("aspf") or "r").lower()
        return value if value in ("r", "s") else "r"

    @property
    def testing(self) -> bool:
        return (self.tags.get("t") or "n").lower() == "y"

    @property
    def rua(self) -> list[ReportUri]:
        return parse_uris(self.tags.get("rua", ""))

    @property
    def ruf(self) -> list[ReportUri]:
        return parse_uris(self.tags.get("ruf", ""))


def is_dmarc_record(text: str) -> bool:
    return bool(_VERSION.match(text))


def parse_uris(value: str) -> list[ReportUri]:
    out: list[ReportUri] = []
    for raw in (v.strip() for v in value.split(",")):
        if not raw:
            continue
        uri, _, size = raw.partition("!")
        problem: str | None = None
        if size and not _SIZE.fullmatch(size):
            problem = f"the size limit '!{size}' is not a number with an optional k/m/g/t unit"
        scheme, colon, rest = uri.partition(":")
        if not colon or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
            out.append(ReportUri(raw, "", uri, size or None,
                                 problem or f"'{uri}' has no scheme: write mailto:{uri}"))
            continue
        scheme = scheme.lower()
        if scheme == "mailto" and not problem:
            address = rest.split("?", 1)[0]
            if not _MAILBOX.fullmatch(address):
                problem = f"'{uri}' is not a valid mailto: address"
            rest = address
        elif scheme != "mailto" and not problem:
            problem = f"'{uri}': receivers only send reports to mailto: addresses"
        out.append(ReportUri(raw, scheme, rest, size or None, problem))
    return out


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse one DMARC record; raises DmarcParseError (and nothing else) when receivers cannot use it."""
    if not isinstance(text, str):
        raise DmarcParseError("dmarc.not_text", "the record is not text")
    if len(text) > MAX_RECORD:
        raise DmarcParseError("dmarc.too_long", f"the record is {len(text)} characters long; that is not DMARC")
    if not text.strip():
        raise DmarcParseError("dmarc.empty", "the record is empty")
    if not is_dmarc_record(text):
        raise DmarcParseError("dmarc.not_dmarc", "this is not a DMARC record: it must start with 'v=DMARC1;'",
                              position=0)
    tags: dict[str, str] = {}
    order: list[str] = []
    pos = 0
    for part in text.split(";"):
        start, stripped = pos, part.strip()
        pos += len(part) + 1
        if not stripped:
            continue
        name, eq, value = stripped.partition("=")
        name = name.strip()
        if not eq or not _TAG.fullmatch(name):
            raise DmarcParseError("dmarc.syntax", f"'{stripped}' is not a tag=value pair (at character {start + 1})",
                                  position=start, term=stripped)
        key = name.lower()
        if key in tags:
            raise DmarcParseError("dmarc.duplicate_tag", f"the tag '{key}' appears twice; receivers reject the record",
                                  position=start, term=stripped)
        tags[key] = value.strip()
        order.append(key)
    for tag in ("p", "sp", "np"):
        policy = tags.get(tag)
        if policy is not None and policy.lower() not in POLICIES:
            raise DmarcParseError("dmarc.invalid_policy", f"{tag}={policy} is not a policy (use none, quarantine or "
                                  "reject)", term=f"{tag}={policy}")
    return DmarcRecord(text, tags, tuple(order))


def lint_dmarc(record: DmarcRecord, domain: str, name: str | None = None) -> list[Finding]:
    """Findings for a record that parsed (checks-email.md §1, DMARC table)."""
    where = name or f"_dmarc.{domain}"
    out: list[Finding] = []
    tags = record.tags
    if record.p is None:
        out.append(Finding("dmarc.p_missing", Severity.WARN, "the record has no p= policy, so receivers treat it as "
                           "p=none: spoofed mail is still delivered", name=where))
    elif record.p == "none":
        out.append(Finding("dmarc.p_none", Severity.WARN, "p=none is monitoring only: mail forged in your name is "
                           "still delivered", name=where))
    p = record.effective_p
    if record.sp is not None and STRENGTH[record.sp] < STRENGTH[p]:
        out.append(Finding("dmarc.sp_weaker", Severity.WARN, f"sp={record.sp} is weaker than p={p}: forged mail "
                           f"from subdomains (like billing.{domain}) gets through", name=where))
    if record.np is not None and STRENGTH[record.np] < STRENGTH[record.effective_sp]:
        out.append(Finding("dmarc.np_weaker", Severity.WARN, f"np={record.np} is weaker than the policy for "
                           "subdomains: forged mail from made-up subdomains gets through", name=where))
    if record.testing:
        out.append(Finding("dmarc.testing", Severity.WARN, "t=y (test mode): receivers apply a policy one level "
                           "weaker than the one you set", name=where))
    t = tags.get("t")
    if t is not None and t.lower() not in ("y", "n"):
        out.append(Finding("dmarc.bad_value", Severity.WARN, f"t={t} is not y or n and is ignored", name=where))
    for tag in ("adkim", "aspf"):
        value = tags.get(tag)
        if value is not None and value.lower() not in ("r", "s"):
            out.append(Finding("dmarc.bad_value", Severity.WARN, f"{tag}={value} is not r or s, so receivers use "
                               "relaxed alignment (r)", name=where))
    psd = tags.get("psd")
    if psd is not None and psd.lower() not in ("y", "n", "u"):
        out.append(Finding("dmarc.bad_value", Severity.WARN, f"psd={psd} is not y, n or u and is ignored", name=where))
    elif psd is not None and psd.lower() == "y":
        out.append(Finding("dmarc.psd", Severity.WARN, "psd=y declares this domain a public suffix (like a TLD); "
                           "a company domain should not set it", name=where))
    fo = tags.get("fo")
    if fo is not None and not all(x.strip() in ("0", "1", "d", "s") for x in fo.split(":")):
        out.append(Finding("dmarc.bad_value", Severity.NOTE, f"fo={fo} is not valid and is ignored (fo=0 applies)",
                           name=where))
    rua = record.rua
    good_rua = [u for u in rua if u.problem is None]
    for uri in rua:
        if uri.problem:
            out.append(Finding("dmarc.bad_rua", Severity.WARN, f"rua: {uri.problem}", name=where))
    if not good_rua:
        out.append(Finding("dmarc.no_rua", Severity.WARN, "no rua= report address: you cannot see who sends mail as "
                           "you, so you cannot safely move to quarantine or reject", name=where))
    for uri in record.ruf:
        if uri.problem:
            out.append(Finding("dmarc.bad_ruf", Severity.NOTE, f"ruf: {uri.problem}", name=where))
    if record.ruf and not any(u.problem for u in record.ruf):
        out.append(Finding("dmarc.ruf", Severity.NOTE, "ruf= asks for failure reports with message details; few "
                           "receivers send them, and they can contain personal data", name=where))
    for tag in record.order:
        if tag in REMOVED_TAGS:
            extra = ""
            if tag == "pct":
                extra = ": receivers now apply the whole policy (use t=y for a test phase instead)"
            out.append(Finding("dmarc.removed_tag", Severity.NOTE, f"{tag}= was removed by RFC 9989 and is "
                               f"ignored{extra}", name=where))
        elif tag not in KNOWN_TAGS:
            out.append(Finding("dmarc.unknown_tag", Severity.NOTE, f"'{tag}=' is not a DMARC tag and is ignored",
                               name=where))
    if "p" in record.order and record.order.index("p") != 1:
        out.append(Finding("dmarc.order", Severity.NOTE, "p= is not right after v=DMARC1; RFC 9989 accepts it, some "
                           "older receivers do not", name=where))
    return out


def dmarc_findings(text: str, domain: str, name: str | None = None) -> list[Finding]:
    """Findings for one record text: a parse error is a fail, otherwise the lint findings."""
    try:
        record = parse_dmarc(text)
    except DmarcParseError as exc:
        return [Finding(exc.code, Severity.FAIL, f"the DMARC record is broken: {exc}", name=name or f"_dmarc.{domain}",
                        detail={"record": text})]
    return lint_dmarc(record, domain, name)


# --------------------------------------------------------------------------------------- progression


@dataclass(frozen=True, slots=True)
class DmarcStep:
    policy: str
    record: str
    when: str  # plain words: when to publish this step

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "record": self.record, "when": self.when}


@dataclass(slots=True)
class DmarcPlan:
    name: str  # where to publish: _dmarc.<domain>
    steps: list[DmarcStep] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "steps": [s.to_json() for s in self.steps], "changes": self.changes}


def render(tags: dict[str, str]) -> str:
    order = ["v", "p", "sp", "np", "adkim", "aspf", "rua", "ruf", "fo"]
    return "; ".join(f"{k}={tags[k]}" for k in order if k in tags) + ";"


def progression(domain: str, current: DmarcRecord | None, report_address: str | None, *,
                sending: bool = True) -> DmarcPlan:
    """The records to publish at _dmarc.<domain>, from where the user is now to p=reject."""
    name = f"_dmarc.{domain}"
    plan = DmarcPlan(name)
    tags: dict[str, str] = {"v": "DMARC1"}
    kept_rua = [u.raw for u in current.rua if u.problem is None] if current else []
    if report_address:
        mine = f"mailto:{report_address}"
        if not any(u.lower().split("!")[0] == mine.lower() for u in kept_rua):
            kept_rua.append(mine)
            plan.changes.append(f"reports go to {report_address}")
    if kept_rua:
        tags["rua"] = ",".join(kept_rua)
    if not sending:
        tags["p"] = "reject"
        plan.steps.append(DmarcStep("reject", render(tags), "now: this domain sends no mail, so reject everything"))
        return plan
    if current is not None:
        for keep in ("adkim", "aspf"):
            value = current.tags.get(keep, "").lower()
            if value in ("r", "s"):
                tags[keep] = value
        ruf = [u.raw for u in current.ruf if u.problem is None]
        if ruf:
            tags["ruf"] = ",".join(ruf)
            fo = current.tags.get("fo")
            if fo and all(x.strip() in ("0", "1", "d", "s") for x in fo.split(":")):
                tags["fo"] = fo
        for dropped in [t for t in current.order if t in REMOVED_TAGS or t == "t"]:
            plan.changes.append(f"dropped {dropped}= ({'test mode' if dropped == 't' else 'removed by RFC 9989'})")
    start = current.effective_p if current is not None else None
    ladder = [p for p in POLICIES if start is None or STRENGTH[p] > STRENGTH[start]]
    if start is not None and not ladder:
        ladder = ["reject"]
    if current is not None:
        for sub in ("sp", "np"):
            value = getattr(current, sub)
            if value is not None and STRENGTH[value] >= STRENGTH["reject"]:
                tags[sub] = value
            elif value is not None:
                plan.changes.append(f"dropped {sub}={value} so subdomains get the same protection as {domain}")
    whens = {
        "none": "now: start monitoring; read the reports for 2-4 weeks and make sure every service that sends "
                "for you passes SPF or DKIM",
        "quarantine": "once the reports show only your own services: forged mail goes to spam",
        "reject": "after a few clean weeks at quarantine: forged mail is refused",
    }
    if start == "reject":
        whens["reject"] = "now: your policy stays p=reject; this fixes the other findings"
    elif start is not None:
        whens[ladder[0]] = f"next step from p={start}: {whens[ladder[0]]}"
    for policy in ladder:
        step_tags = dict(tags, p=policy)
        plan.steps.append(DmarcStep(policy, render(step_tags), whens[policy]))
    return plan
