""""The fix is the record": the one SPF record to publish, merged with what is there.

Starting from the published record(s) it keeps every working term, and:

* merges several ``v=spf1`` records into one, drops terms that cannot parse (saying which), and drops terms
  after ``all`` (no receiver reads them);
* removes includes whose target has no usable SPF record, include/redirect loops, ``a``/``mx`` terms that point
  at nothing, duplicates and ``ptr`` (RFC 7208: do not use);
* adds the include of every configured sender that needs one at the root (Google Workspace, Microsoft 365, …);
* ends in ``~all`` (or keeps ``-all``) instead of ``+all``, ``?all`` or nothing;
* when the record still needs more than 10 lookups, inlines includes that point inside the user's own domain
  (their addresses are the user's own, so copying them is safe) — never a provider's include, whose addresses
  change without notice — and otherwise names the most expensive includes.

The lookup count after the change is measured by linting the proposed record against live DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass, field

from launchready_tui.checks.emailauth.dns_source import EmailDns
from launchready_tui.checks.emailauth.errors import SpfParseError
from launchready_tui.checks.emailauth.providers import Provider
from launchready_tui.checks.emailauth.spf_lint import (
    MAX_LOOKUPS,
    RECOMMENDED_BYTES,
    SpfLint,
    SpfNode,
    TermCheck,
    lint_spf_text,
)
from launchready_tui.checks.emailauth.spf_syntax import Mechanism, Modifier, parse_spf

NON_SENDING_SPF = "v=spf1 -all"


@dataclass(slots=True)
class SpfProposal:
    record: str
    changes: list[str] = field(default_factory=list)
    lookups_before: int | None = None
    lookups_after: int | None = None
    over_limit: bool = False
    heaviest: list[dict[str, object]] = field(default_factory=list)
    unchanged: bool = False

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"record": self.record, "changes": self.changes,
                                  "lookups_after": self.lookups_after}
        if self.lookups_before is not None:
            out["lookups_before"] = self.lookups_before
        if self.over_limit:
            out["still_over_limit"] = True
            out["heaviest_includes"] = self.heaviest
        return out


def _valid_terms(text: str) -> tuple[list[Mechanism | Modifier], list[str]]:
    """The terms of a possibly broken record that parse on their own, and the ones that do not."""
    try:
        return list(parse_spf(text).terms), []
    except SpfParseError:
        pass
    good: list[Mechanism | Modifier] = []
    bad: list[str] = []
    for token in text[6:].split(" "):
        if not token:
            continue
        try:
            good += list(parse_spf(f"v=spf1 {token}").terms)
        except SpfParseError:
            bad.append(token)
    return good, bad


def _checks_by_text(node: SpfNode) -> dict[str, TermCheck]:
    return {t.text.lower(): t for t in node.terms}


def _broken_target(check: TermCheck | None) -> str | None:
    """Why an include/redirect target breaks SPF for everyone, or None."""
    if check is None:
        return None
    if check.loop:
        return "it loops back to a record already on the path"
    child = check.child
    if child is None:
        return None
    if child.status == "missing":
        return f"it has no SPF record ({child.reason})"
    if child.status in ("multiple", "syntax"):
        return f"its SPF record is broken ({child.reason})"
    return None


def _own_subdomain(target: str, domain: str) -> bool:
    t, d = target.lower().rstrip("."), domain.lower().rstrip(".")
    return t != d and t.endswith("." + d)


async def _inline(dns: EmailDns, node: SpfNode) -> list[str] | None:
    """The ip4/ip6 terms equivalent to one of the user's own simple records, or None if it is not simple."""
    record = node.record
    if record is None or record.modifiers:
        return None
    out: list[str] = []
    for mech in record.mechanisms:
        if mech.kind in ("ip4", "ip6") and mech.qualifier == "+":
            assert mech.network is not None
            net = mech.network
            full = net.prefixlen == net.max_prefixlen
            out.append(f"{mech.kind}:{net.network_address if full else net.with_prefixlen}")
        elif mech.kind in ("a", "mx") and mech.qualifier == "+" and "%" not in (mech.domain_spec or ""):
            name = (mech.domain_spec or node.domain).rstrip(".")
            hosts = [name]
            if mech.kind == "mx":
                mx = await dns.query(name, "MX")
                if not mx.outcome.measured:
                    return None
                hosts = [r.split()[-1].rstrip(".") for r in mx.records if r.split()[-1] != "."]
            for host in hosts:
                a, aaaa = await dns.addresses(host)
                if not (a.outcome.measured and aaaa.outcome.measured):
                    return None
                out += [f"ip4:{x}" + (f"/{mech.cidr4}" if mech.cidr4 is not None else "") for x in a.records]
                out += [f"ip6:{x}" + (f"/{mech.cidr6}" if mech.cidr6 is not None else "") for x in aaaa.records]
        elif mech.kind == "all" and mech.qualifier in ("-", "~", "?"):
            break  # the end of the included record: it adds nothing when it does not pass
        else:
            return None
    return out


async def propose_spf(dns: EmailDns, lint: SpfLint, senders: list[Provider], *, sending: bool = True) -> SpfProposal:
    """The SPF record to publish at ``lint.domain``."""
    domain = lint.domain
    root = lint.root
    current = root.record.text if root.record is not None else (root.records[0] if root.records else None)
    if not sending:
        return SpfProposal(NON_SENDING_SPF, ["this domain sends no mail, so SPF authorizes nobody"],
                           lookups_before=lint.lookups if lint.measured else None, lookups_after=0,
                           unchanged=current == NON_SENDING_SPF and len(root.records) == 1)
    changes: list[str] = []
    terms: list[Mechanism] = []
    sources = root.records or []
    if len(sources) > 1:
        changes.append(f"merged {len(sources)} SPF records into one (receivers reject more than one)")
    alls: list[Mechanism] = []
    redirect: Modifier | None = None
    modifiers: list[str] = []
    for text in sources:
        good, bad = _valid_terms(text)
        changes += [f"removed '{b}' (not valid SPF)" for b in bad]
        after_all = False
        for term in good:
            if isinstance(term, Modifier):
                if term.name == "redirect":
                    redirect = redirect or term
                elif term.name == "exp" and not any(m.startswith("exp=") for m in modifiers):
                    modifiers.append(term.text)
            elif after_all:
                changes.append(f"removed '{term.text}' (it came after 'all', so no receiver read it)")
            elif term.kind == "all":
                alls.append(term)
                after_all = True
            else:
                terms.append(term)
    old_all = next((a for a in alls if a.qualifier == "-"), alls[0] if alls else None)
    if root.record is not None and len(sources) == 1:
        checks, includes = _checks_by_text(root), lint.includes
    else:
        # A broken or duplicated record has no term tree yet: lint the cleaned-up merge to get one.
        base = " ".join(["v=spf1", *(t.text for t in terms), *([redirect.text] if redirect else [])])
        base_lint = await lint_spf_text(dns, domain, base)
        checks, includes = _checks_by_text(base_lint.root), base_lint.includes

    kept: list[str] = []
    seen: set[str] = set()
    for term in terms:
        key = term.text.lower().lstrip("+")
        if key in seen:
            changes.append(f"removed the duplicate '{term.text}'")
            continue
        seen.add(key)
        check = checks.get(term.text.lower())
        if term.kind == "ptr":
            changes.append(f"removed '{term.text}' (RFC 7208: do not use ptr; if a server still sends for you, "
                           "add its ip4:/ip6: address instead)")
            continue
        if term.kind == "include" and (why := _broken_target(check)):
            changes.append(f"removed '{term.text}': {why}")
            continue
        if term.kind in ("a", "mx", "exists") and check is not None and (check.void or (
                check.note and "can never match" in check.note)):
            changes.append(f"removed '{term.text}' ({check.target} has no address, so it matched nobody)")
            continue
        kept.append(term.text)

    if redirect is not None and old_all is not None:
        changes.append(f"removed '{redirect.text}' (ignored next to 'all')")
        redirect = None
    if redirect is not None and (why := _broken_target(checks.get(redirect.text.lower()))):
        changes.append(f"removed '{redirect.text}': {why}")
        redirect = None

    present = {t.lower() for t in includes}
    for provider in senders:
        if provider.spf_include is None:
            continue
        if any(n.lower() in present for n in provider.spf_names):
            continue
        kept.append(f"include:{provider.spf_include}")
        present.add(provider.spf_include.lower())
        changes.append(f"added include:{provider.spf_include} so mail sent through {provider.name} passes SPF")

    if redirect is not None:
        tail = [redirect.text]
    else:
        qualifier = old_all.qualifier if old_all is not None else None
        ending = "-all" if qualifier == "-" else "~all"
        if qualifier in ("+", "?"):
            changes.append(f"replaced '{old_all.text}' with '{ending}' so forged mail no longer passes"
                           if old_all is not None else "")
        elif qualifier is None:
            changes.append(f"added '{ending}' at the end so mail from anyone else is not accepted")
        tail = [ending]
    if not sources:
        changes.insert(0, f"{domain} had no SPF record: this is a new one")

    record = " ".join(["v=spf1", *kept, *tail, *modifiers])
    after = await lint_spf_text(dns, domain, record)

    if after.lookups > MAX_LOOKUPS:
        record, inlined = await _inline_own_includes(dns, domain, record, after)
        changes += inlined
        if inlined:
            after = await lint_spf_text(dns, domain, record)

    proposal = SpfProposal(record, [c for c in changes if c], lookups_before=lint.lookups if lint.measured else None,
                           lookups_after=after.lookups)
    if after.lookups > MAX_LOOKUPS:
        proposal.over_limit = True
        proposal.heaviest = sorted(after.breakdown(), key=lambda b: -int(str(b["lookups"])))[:5]
        names = ", ".join(f"{b['term']} ({b['lookups']})" for b in proposal.heaviest)
        proposal.changes.append(f"still {after.lookups} lookups: remove includes of services you no longer use "
                                f"(most expensive: {names}), or move one sender to its own subdomain")
    if len(record) > RECOMMENDED_BYTES:
        proposal.changes.append(f"the record is {len(record)} characters; DNS panels split it into 255-character "
                                "strings for you")
    proposal.unchanged = len(sources) == 1 and record == current
    return proposal


async def _inline_own_includes(dns: EmailDns, domain: str, record: str, lint: SpfLint) -> tuple[str, list[str]]:
    """Replace includes of the user's own subdomains by the addresses they list (collapsed into CIDRs)."""
    parsed = parse_spf(record)
    checks = _checks_by_text(lint.root)
    own = [m for m in parsed.mechanisms if m.kind == "include" and m.qualifier == "+" and m.domain_spec
           and _own_subdomain(m.domain_spec, domain)]
    children = [checks[m.text.lower()].child if m.text.lower() in checks else None for m in own]
    inlined = await asyncio.gather(*(_inline(dns, c) if c is not None else _none() for c in children))
    replaced = {m.text: terms for m, terms in zip(own, inlined, strict=True) if terms is not None}
    if not replaced:
        return record, []
    networks = [ipaddress.ip_network(t.split(":", 1)[1], strict=False) for terms in replaced.values() for t in terms]
    v4 = [n for n in networks if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in networks if isinstance(n, ipaddress.IPv6Network)]
    new_terms = [_network_term(n) for n in ipaddress.collapse_addresses(v4)]
    new_terms += [_network_term(n) for n in ipaddress.collapse_addresses(v6)]
    out: list[str] = ["v=spf1"]
    placed = False
    for term in parsed.terms:
        if term.text in replaced:
            if not placed:
                out += [t for t in new_terms if t not in out]
                placed = True
            continue
        if term.text not in out:
            out.append(term.text)
    saved = 0
    for text in replaced:
        child = checks[text.lower()].child
        saved += 1 + (child.total_lookups if child is not None else 0)
    names = ", ".join(replaced)
    change = (f"replaced {len(replaced)} include(s) of your own records ({names}) with the addresses they list "
              f"({', '.join(new_terms) or 'none'}), saving {saved} lookups; update this record when those "
              "addresses change")
    return " ".join(out), [change]


async def _none() -> None:
    return None


def _network_term(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    full = net.prefixlen == net.max_prefixlen
    return f"ip{net.version}:{net.network_address if full else net.with_prefixlen}"
