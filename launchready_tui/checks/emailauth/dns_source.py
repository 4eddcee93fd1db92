"""DNS for the email checks: the run's resolver, a per-check cache, TXT decoding and name validation.

* Every query goes through ``net/resolver.Resolver`` (typed outcomes: a timeout is never "no record").
* The cache lives only as long as one ``EmailDns`` (one check, or one ``email.summary`` run), keyed by name and
  type (the resolver's nameservers are fixed for its lifetime): a re-check after the user edits DNS always asks
  again (checks-email.md §2; checkdmarc's global cache is the counter-example). Identical in-flight queries are
  shared, and a semaphore keeps selector probing from flooding a resolver.
* TXT answers come back from the resolver in zone-file text; we turn them back into the exact bytes of each
  string (``dns.rdata``), join a record's strings without separators (RFC 7208 §3.3, RFC 6376 §3.6.2.2) and
  decode as UTF-8 with replacement so non-ASCII garbage stays visible (and invalid) instead of raising.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

import dns.exception
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from launchready_tui.net.resolver import DnsAnswer, DnsOutcome

MAX_LABEL = 63
MAX_NAME = 253


class DnsSource(Protocol):
    async def query(self, name: str, rdtype: str) -> DnsAnswer: ...


@dataclass(slots=True)
class TxtAnswer:
    answer: DnsAnswer
    texts: list[str] = field(default_factory=list)  # one decoded string per TXT record
    strings: list[list[bytes]] = field(default_factory=list)  # the raw character-strings of each record
    undecodable: int = 0  # records whose text form could not be read back (should not happen)

    @property
    def outcome(self) -> DnsOutcome:
        return self.answer.outcome

    @property
    def measured(self) -> bool:
        return self.answer.outcome.measured


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be asked in DNS (empty label, label over 63, name over 253), or None."""
    bare = name[:-1] if name.endswith(".") else name
    if not bare:
        return "the name is empty"
    if len(bare.encode("utf-8", "surrogateescape")) > MAX_NAME:
        return f"the name is {len(bare)} characters long (the limit is {MAX_NAME})"
    for label in bare.split("."):
        if not label:
            return f"{name!r} has an empty label (two dots in a row)"
        if len(label.encode("utf-8", "surrogateescape")) > MAX_LABEL:
            return f"a label of {name!r} is longer than {MAX_LABEL} characters"
    return None


def _wire_text(name: str) -> str:
    # dnspython reads backslashes in names as escapes; an SPF macro can legitimately produce one.
    return name.replace("\\", "\\\\")


def decode_txt_record(text: str) -> tuple[str, list[bytes]] | None:
    """A TXT record in zone-file text (``"v=spf1 " "-all"``) → (joined decoded text, raw strings)."""
    try:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, text)
    except (dns.exception.DNSException, ValueError, UnicodeError):
        return None
    strings = [bytes(s) for s in rdata.strings]  # type: ignore[attr-defined]
    return b"".join(strings).decode("utf-8", "replace"), strings


class EmailDns:
    """The DNS view of one check run: cached, deduplicated, bounded, cancellable."""

    def __init__(self, resolver: DnsSource, *, cancel_event: asyncio.Event | None = None, limit: int = 16) -> None:
        self.resolver = resolver
        self.cancel_event = cancel_event
        self._gate = asyncio.Semaphore(limit)
        self._cache: dict[tuple[str, str], asyncio.Future[DnsAnswer]] = {}
        self.sent = 0  # queries actually sent (for tests and the benchmark)

    def _check_cancelled(self) -> None:
        if self.cancel_event is not None and self.cancel_event.is_set():
            raise asyncio.CancelledError("cancelled")

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        self._check_cancelled()
        key = (name.lower().rstrip("."), rdtype.upper())
        cached = self._cache.get(key)
        if cached is not None:
            return await asyncio.shield(cached)
        future: asyncio.Future[DnsAnswer] = asyncio.get_running_loop().create_future()
        self._cache[key] = future
        try:
            problem = name_problem(name)
            if problem is not None:
                answer = DnsAnswer(name, rdtype.upper(), DnsOutcome.ERROR, reason=f"cannot look up {name!r}: {problem}")
            else:
                async with self._gate:
                    self._check_cancelled()
                    self.sent += 1
                    answer = await self.resolver.query(_wire_text(name), rdtype)
        except BaseException as exc:
            self._cache.pop(key, None)
            if not future.done():
                future.set_exception(exc)
                future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        future.set_result(answer)
        return answer

    async def txt(self, name: str) -> TxtAnswer:
        answer = await self.query(name, "TXT")
        out = TxtAnswer(answer)
        if answer.outcome is DnsOutcome.OK:
            for record in answer.records:
                decoded = decode_txt_record(record)
                if decoded is None:
                    out.undecodable += 1
                    continue
                out.texts.append(decoded[0])
                out.strings.append(decoded[1])
        return out

    async def addresses(self, name: str) -> tuple[DnsAnswer, DnsAnswer]:
        """A and AAAA for ``name``, asked together."""
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        return a, aaaa
