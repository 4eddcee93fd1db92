"""The SPF linter: walk the include/redirect tree once, count what every receiver will count, report findings.

Unlike ``spf_eval`` (one sender), this answers "is the record broken for *anyone*?" (checks-email.md §1, §4):

* Lookups are counted as RFC 7208 §4.6.4 does — include, a, mx, ptr, exists and redirect, nested includes
  included, ``exp`` not counted — in evaluation order, so we can say where lookup 11 happens and which terms
  (and so which senders) are still evaluated before it.
* Void lookups (a/mx/exists names with no answer) and ``mx`` names with more than 10 MX records are found by
  asking DNS, as receivers do. An ``a`` is void when its name has neither A nor AAAA.
* Every record in the tree is parsed in full; a syntax error in a nested include breaks the parent.
* Include and redirect loops are caught by the chain of names, not by counting to eleven.
* A DNS failure anywhere is an ``error`` finding ("could not check"), never "missing".
* Children of one record are fetched concurrently; counting happens afterwards in evaluation order.

Macros are syntax-checked; a target that only uses ``%{d}`` is expanded, others depend on the sender and are
counted (one lookup each) but not followed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from launchready_tui.checks.emailauth.dns_source import EmailDns, TxtAnswer, name_problem
from launchready_tui.checks.emailauth.errors import Problem, SpfParseError
from launchready_tui.checks.emailauth.findings import Finding, Severity
from launchready_tui.checks.emailauth.spf_macros import static_expand
from launchready_tui.checks.emailauth.spf_syntax import Mechanism, SpfRecord, has_macros, parse_spf, spf_records
from launchready_tui.net.resolver import DnsOutcome

MAX_LOOKUPS = 10
MAX_VOID = 2
MAX_MX = 10
MAX_NODES = 60  # records fetched per lint: far above any working tree, and a cap on hostile ones
RECOMMENDED_BYTES = 450  # RFC 7208 §3.4
UDP_BYTES = 512


@dataclass(slots=True)
class TermCheck:
    text: str
    kind: str  # mechanism kind, or "redirect"
    lookups: int = 0
    target: str | None = None
    void: bool = False
    unmeasured: str | None = None  # why this term's DNS could not be checked
    note: str | None = None
    mx_count: int | None = None
    loop: bool = False
    child: SpfNode | None = None
    qualifier: str = "+"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"term": self.text, "lookups": self.lookups}
        for key in ("target", "unmeasured", "note", "mx_count"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.void:
            out["void"] = True
        if self.loop:
            out["loop"] = True
        return out


@dataclass(slots=True)
class SpfNode:
    domain: str
    via: str = ""  # "", "include" or "redirect"
    status: str = "ok"  # ok, missing, multiple, syntax, unmeasured, truncated
    records: list[str] = field(default_factory=list)
    record: SpfRecord | None = None
    problems: tuple[Problem, ...] = ()
    reason: str = ""
    terms: list[TermCheck] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # terms after "all", redirect next to "all"
    ttl: int | None = None
    sender_id: list[str] = field(default_factory=list)  # obsolete Sender ID (spf2.0/...) records at the name

    @property
    def own_lookups(self) -> int:
        return sum(t.lookups for t in self.terms)

    @property
    def total_lookups(self) -> int:
        return sum(t.lookups + (t.child.total_lookups if t.child else 0) for t in self.terms)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"domain": self.domain, "status": self.status, "lookups": self.own_lookups,
                               "total_lookups": self.total_lookups}
        if self.via:
            out["via"] = self.via
        if self.record is not None:
            out["record"] = self.record.text
        elif self.records:
            out["records"] = self.records
        if self.reason:
            out["reason"] = self.reason
        if self.problems:
            out["problems"] = [p.to_json() for p in self.problems]
        if self.terms:
            out["terms"] = [t.to_json() for t in self.terms]
        children = [t.child.to_json() for t in self.terms if t.child is not None]
        if children:
            out["children"] = children
        if self.ignored:
            out["ignored"] = self.ignored
        return out


@dataclass(slots=True)
class SpfLint:
    domain: str
    root: SpfNode
    lookups: int = 0
    void_names: list[str] = field(default_factory=list)
    cut: str | None = None  # "include:x (in y)" where lookup 11 happens
    before_limit: list[str] = field(default_factory=list)  # top-level terms fully evaluated before it
    after_limit: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)  # every include/redirect target in the tree
    spf_rr_type: bool = False  # an obsolete SPF (type 99) record exists

    @property
    def record(self) -> SpfRecord | None:
        return self.root.record

    @property
    def measured(self) -> bool:
        return self.root.status != "unmeasured"

    def breakdown(self) -> list[dict[str, Any]]:
        """Per top-level term: its lookups including everything nested under it."""
        return [{"term": t.text, "lookups": t.lookups + (t.child.total_lookups if t.child else 0)}
                for t in self.root.terms if t.lookups]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lookups": self.lookups, "limit": MAX_LOOKUPS, "breakdown": self.breakdown(),
                               "void_lookups": len(self.void_names), "tree": self.root.to_json()}
        if self.void_names:
            out["void_names"] = self.void_names
        if self.cut:
            out["limit_reached_at"] = self.cut
            out["still_evaluated_before_limit"] = self.before_limit
            out["never_reached"] = self.after_limit
        return out


class _Walker:
    def __init__(self, dns: EmailDns) -> None:
        self.dns = dns
        self.nodes = 0

    async def node(self, domain: str, via: str, chain: tuple[str, ...]) -> SpfNode:
        self.nodes += 1
        node = SpfNode(domain, via)
        if self.nodes > MAX_NODES:
            node.status, node.reason = "truncated", f"not followed: more than {MAX_NODES} records in the tree"
            return node
        txt = await self.dns.txt(domain)
        self._fill_record(node, txt)
        if node.record is None:
            return node
        await self._terms(node, node.record, chain)
        return node

    @staticmethod
    def _fill_record(node: SpfNode, txt: TxtAnswer) -> None:
        node.ttl = txt.answer.ttl
        if not txt.measured:
            node.status, node.reason = "unmeasured", txt.answer.reason
            return
        records = spf_records(txt.texts)
        node.records = records
        node.sender_id = [t for t in txt.texts if t.lower().startswith("spf2.0/")]
        if not records:
            node.status = "missing"
            node.reason = ("the name does not exist" if txt.outcome is DnsOutcome.NXDOMAIN
                           else "no TXT record starting with v=spf1")
            if txt.answer.cnames:
                node.reason += f" (followed CNAME {' -> '.join(txt.answer.cnames)})"
            return
        if len(records) > 1:
            node.status, node.reason = "multiple", f"{len(records)} TXT records start with v=spf1"
            return
        try:
            node.record = parse_spf(records[0])
        except SpfParseError as exc:
            node.status, node.reason, node.problems = "syntax", str(exc), exc.problems

    async def _terms(self, node: SpfNode, record: SpfRecord, chain: tuple[str, ...]) -> None:
        jobs = []
        reached_all = False
        for mech in record.mechanisms:
            if reached_all:
                node.ignored.append(mech.text)
                continue
            check = TermCheck(mech.text, mech.kind, lookups=1 if mech.counts_lookup else 0, qualifier=mech.qualifier)
            node.terms.append(check)
            jobs.append(self._mechanism(check, mech, node.domain, chain))
            reached_all = mech.kind == "all"
        redirect = record.redirect
        if redirect is not None:
            if record.all_mechanism is not None:
                node.ignored.append(redirect.text)
            else:
                check = TermCheck(redirect.text, "redirect", lookups=1)
                node.terms.append(check)
                jobs.append(self._follow(check, redirect.value, node.domain, "redirect", chain))
        await asyncio.gather(*jobs)

    async def _follow(self, check: TermCheck, spec: str, domain: str, via: str, chain: tuple[str, ...]) -> None:
        target = static_expand(spec, domain)
        if target is None:
            check.note = "depends on the sender (macros): not followed"
            return
        target = target.rstrip(".")
        check.target = target
        if (problem := name_problem(target)) is not None:
            check.note = f"{target!r} cannot be looked up: {problem}"
            check.child = SpfNode(target, via, status="missing", reason=problem)
            return
        if target.lower() in chain:
            check.loop = True
            check.note = f"loop: {' -> '.join((*chain, target.lower()))}"
            return
        check.child = await self.node(target, via, (*chain, target.lower()))

    async def _mechanism(self, check: TermCheck, mech: Mechanism, domain: str, chain: tuple[str, ...]) -> None:
        kind = mech.kind
        if kind == "include":
            assert mech.domain_spec is not None
            await self._follow(check, mech.domain_spec, domain, "include", chain)
            return
        if kind not in ("a", "mx", "exists"):
            return
        spec = mech.domain_spec or domain
        target = static_expand(spec, domain) if has_macros(spec) else spec
        if target is None:
            check.note = "depends on the sender (macros): counted, not checked"
            return
        target = target.rstrip(".")
        check.target = target
        if (problem := name_problem(target)) is not None:
            check.note = f"{target!r} can never match: {problem}"
            return
        if kind == "mx":
            answer = await self.dns.query(target, "MX")
            if not answer.outcome.measured:
                check.unmeasured = answer.reason
            elif not answer.records:
                check.void = True
            else:
                check.mx_count = len(answer.records)
                if all(r.split()[-1] == "." for r in answer.records):
                    check.note = f"{target} has a null MX (it receives no mail), so 'mx' matches nobody"
            return
        if kind == "exists":
            answer = await self.dns.query(target, "A")
            if not answer.outcome.measured:
                check.unmeasured = answer.reason
            elif not answer.records:
                check.void = True
            return
        a, aaaa = await self.dns.addresses(target)
        if a.records or aaaa.records:
            return
        failed = next((x for x in (a, aaaa) if not x.outcome.measured), None)
        if failed is not None:
            check.unmeasured = failed.reason
        else:
            check.void = True


# ------------------------------------------------------------------------------------------ findings


def _walk_order(node: SpfNode, top: bool = True) -> list[tuple[SpfNode, TermCheck, bool]]:
    """Every term in evaluation order (a sender that matches nothing), with whether it is top-level."""
    out: list[tuple[SpfNode, TermCheck, bool]] = []
    for term in node.terms:
        out.append((node, term, top))
        if term.child is not None:
            out += _walk_order(term.child, False)
    return out


def _effective_all(node: SpfNode) -> tuple[TermCheck | None, SpfNode]:
    """The terminal "all" a receiver ends on: this record's, or the redirect target's."""
    for term in node.terms:
        if term.kind == "all":
            return term, node
    redirect = next((t for t in node.terms if t.kind == "redirect"), None)
    if redirect is not None and redirect.child is not None and redirect.child.record is not None:
        return _effective_all(redirect.child)
    return None, node


def _nested_problem_findings(node: SpfNode, where: str, out: list[Finding]) -> None:
    name = node.domain
    if node.status == "unmeasured":
        out.append(Finding("spf.include_unverified", Severity.ERROR,
                           f"could not check {where}: {node.reason}", name=name))
    elif node.status == "missing":
        out.append(Finding("spf.include_missing", Severity.FAIL,
                           f"{where} has no SPF record ({node.reason}), so every receiver rejects your SPF",
                           name=name, permerror=True))
    elif node.status == "multiple":
        out.append(Finding("spf.include_broken", Severity.FAIL,
                           f"{where} has {len(node.records)} SPF records, so every receiver rejects your SPF",
                           name=name, permerror=True))
    elif node.status == "syntax":
        out.append(Finding("spf.include_broken", Severity.FAIL,
                           f"the SPF record of {where} is broken ({node.reason}), so every receiver rejects yours",
                           name=name, permerror=True,
                           detail={"problems": [p.to_json() for p in node.problems]}))
    elif node.status == "truncated":
        out.append(Finding("spf.tree_too_big", Severity.FAIL, f"{where}: {node.reason}", name=name, permerror=True))


def _findings(lint: SpfLint) -> list[Finding]:
    root = lint.root
    out: list[Finding] = []
    domain = lint.domain
    if root.status == "unmeasured":
        return [Finding("spf.unverified", Severity.ERROR, f"could not check SPF: {root.reason}", name=domain)]
    if root.status == "missing":
        return [Finding("spf.missing", Severity.FAIL, f"{domain} has no SPF record: receivers cannot tell your "
                        "mail from a forgery", name=domain)]
    if root.status == "multiple":
        out.append(Finding("spf.multiple", Severity.FAIL, f"{domain} has {len(root.records)} SPF records; receivers "
                           "reject SPF when there is more than one", name=domain, permerror=True,
                           detail={"records": root.records}))
        return out
    if root.status == "syntax":
        out.append(Finding("spf.syntax", Severity.FAIL, f"the SPF record is broken: {root.reason}", name=domain,
                           permerror=True, detail={"problems": [p.to_json() for p in root.problems]}))
        return out
    record = root.record
    assert record is not None

    order = _walk_order(root)
    for node, term, top in order:
        where = f"{term.text}" + ("" if top else f" (inside {node.domain})")
        if term.child is not None and term.child.status != "ok":
            _nested_problem_findings(term.child, f"{term.kind}:{term.target}" if term.kind == "include"
                                     else f"redirect={term.target}", out)
        if term.loop:
            out.append(Finding("spf.loop", Severity.FAIL, f"{where} loops back: {term.note}", name=node.domain,
                               permerror=True))
        if term.unmeasured:
            out.append(Finding("spf.term_unverified", Severity.ERROR, f"could not check {where}: {term.unmeasured}",
                               name=term.target or node.domain))
        if term.mx_count is not None and term.mx_count > MAX_MX:
            out.append(Finding("spf.mx_limit", Severity.FAIL, f"{where}: {term.target} has {term.mx_count} MX records; "
                               f"receivers stop at {MAX_MX}", name=term.target, permerror=True))
        if term.kind == "ptr":
            out.append(Finding("spf.ptr", Severity.WARN if top else Severity.NOTE,
                               f"{where} uses 'ptr', which RFC 7208 says not to use: it is slow and some receivers "
                               "ignore it", name=node.domain))
        if term.note and not term.loop and "can never match" in term.note:
            out.append(Finding("spf.bad_target", Severity.WARN, f"{where}: {term.note}", name=node.domain))
        if term.kind == "include" and term.qualifier == "+" and term.child and term.child.record:
            child_all = term.child.record.all_mechanism
            if child_all is not None and child_all.qualifier == "+":
                out.append(Finding("spf.include_plus_all", Severity.FAIL,
                                   f"{where} ends in '+all', so it lets the whole internet send as {domain}",
                                   name=term.target))

    if lint.lookups > MAX_LOOKUPS:
        out.append(Finding(
            "spf.too_many_lookups", Severity.FAIL,
            f"SPF needs {lint.lookups} DNS lookups; receivers stop at {MAX_LOOKUPS} (at {lint.cut}), so mail from "
            "senders listed after that fails SPF", name=domain, permerror=True,
            detail={"lookups": lint.lookups, "limit_reached_at": lint.cut,
                    "still_evaluated_before_limit": lint.before_limit, "never_reached": lint.after_limit}))
    if len(lint.void_names) > MAX_VOID:
        out.append(Finding("spf.void_lookups", Severity.FAIL,
                           f"{len(lint.void_names)} names in SPF have no address ({_some(lint.void_names)}); "
                           f"receivers stop after {MAX_VOID} such names", name=domain,
                           permerror=True, detail={"names": lint.void_names}))
    elif lint.void_names:
        out.append(Finding("spf.void_lookup", Severity.NOTE,
                           f"{', '.join(lint.void_names)} in SPF has no address: that term matches nobody",
                           name=domain))

    final_all, owner = _effective_all(root)
    if final_all is not None and final_all.qualifier == "+":
        via = "" if owner is root else f" (through redirect to {owner.domain})"
        out.append(Finding("spf.plus_all", Severity.FAIL,
                           f"SPF ends in '+all'{via}: anyone on the internet may send mail as {domain}", name=domain))
    elif final_all is not None and final_all.qualifier == "?":
        out.append(Finding("spf.neutral_all", Severity.WARN,
                           "SPF ends in '?all' (neutral): receivers treat forged mail as if there were no SPF",
                           name=domain))
    elif final_all is None and not any(t.kind == "redirect" for t in root.terms):
        out.append(Finding("spf.no_all", Severity.WARN,
                           "SPF has no closing 'all' term, so mail from anyone else is 'neutral', not rejected",
                           name=domain))
    elif final_all is not None and final_all.qualifier == "~":
        out.append(Finding("spf.softfail_all", Severity.NOTE,
                           "SPF ends in '~all' (soft fail): fine for a sending domain; DMARC decides what happens",
                           name=domain))

    seen: dict[str, int] = {}
    for term in root.terms:
        key = term.text.lower().lstrip("+")
        seen[key] = seen.get(key, 0) + 1
    for key, count in seen.items():
        if count > 1:
            out.append(Finding("spf.duplicate_term", Severity.WARN,
                               f"'{key}' is listed {count} times" + (" and wastes DNS lookups" if any(
                                   key.startswith(k) for k in ("include", "a", "mx", "exists", "ptr")) else ""),
                               name=domain))
    size = len(record.text.encode("utf-8"))
    if size > UDP_BYTES:
        out.append(Finding("spf.too_long", Severity.WARN, f"the SPF record is {size} bytes; over {UDP_BYTES} bytes "
                           "some receivers cannot fetch it (they need TCP)", name=domain))
    elif size > RECOMMENDED_BYTES:
        out.append(Finding("spf.long", Severity.WARN, f"the SPF record is {size} bytes; RFC 7208 advises staying "
                           f"under {RECOMMENDED_BYTES} so the answer fits one UDP packet", name=domain))
    if root.ignored:
        out.append(Finding("spf.ignored_terms", Severity.NOTE,
                           f"ignored by every receiver because they come after 'all' or next to it: "
                           f"{', '.join(root.ignored)}", name=domain))
    for mod in record.unknown_modifiers:
        out.append(Finding("spf.unknown_modifier", Severity.NOTE, f"'{mod.text}' is not a standard SPF modifier "
                           "and is ignored", name=domain))
    if any(has_macros(t.text) for t in root.terms):
        out.append(Finding("spf.macros", Severity.NOTE, "the record uses macros; terms that depend on the sender "
                           "are counted but not followed", name=domain))
    if root.sender_id:
        out.append(Finding("spf.sender_id", Severity.NOTE, "an obsolete Sender ID record (spf2.0/...) is published; "
                           "no receiver uses it any more, so it can be deleted", name=domain))
    if lint.spf_rr_type:
        out.append(Finding("spf.rr_type_99", Severity.NOTE, "an obsolete SPF-type (99) DNS record also exists; "
                           "receivers only read TXT, so keep the two identical or delete the old one", name=domain))
    return out


def _some(names: list[str], limit: int = 3) -> str:
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _count(lint: SpfLint) -> None:
    """Lookup total, where lookup 11 happens, void names and the include list, in evaluation order."""
    running = 0
    cut_top_index: int | None = None
    top_index = -1
    for node, term, top in _walk_order(lint.root):
        if top:
            top_index += 1
        if term.kind in ("include", "redirect") and term.target:
            lint.includes.append(term.target)
        if term.void and term.target:
            lint.void_names.append(term.target)
        running += term.lookups
        if running > MAX_LOOKUPS and lint.cut is None:
            lint.cut = term.text if top else f"{term.text} inside {node.domain}"
            cut_top_index = top_index
    lint.lookups = running
    if cut_top_index is not None:
        tops = [t.text for t in lint.root.terms]
        lint.before_limit = tops[:cut_top_index]
        lint.after_limit = tops[cut_top_index:]


async def lint_spf(dns: EmailDns, domain: str) -> SpfLint:
    """Lint the SPF record published at ``domain`` (with everything it includes)."""
    domain = domain.strip().rstrip(".").lower()
    walker = _Walker(dns)
    root, rr99 = await asyncio.gather(walker.node(domain, "", (domain,)), dns.query(domain, "SPF"))
    lint = SpfLint(domain, root, spf_rr_type=rr99.ok and bool(rr99.records))
    _count(lint)
    lint.findings = _findings(lint)
    return lint


async def lint_spf_text(dns: EmailDns, domain: str, text: str) -> SpfLint:
    """Lint a proposed record for ``domain`` without publishing it (what the fix would give)."""
    domain = domain.strip().rstrip(".").lower()
    walker = _Walker(dns)
    root = SpfNode(domain)
    _Walker._fill_record(root, TxtAnswer(_answered(domain), texts=[text]))
    if root.record is not None:
        await walker._terms(root, root.record, (domain,))
    lint = SpfLint(domain, root)
    _count(lint)
    lint.findings = _findings(lint)
    return lint


def _answered(domain: str) -> Any:
    from launchready_tui.net.resolver import DnsAnswer

    return DnsAnswer(domain, "TXT", DnsOutcome.OK)
