"""Who may be load-tested: loopback freely, anything else only with the owner's stored confirmation.

Every endpoint host is routed (``--connect-to``) and resolved through the project's own resolver, exactly
as the generator will do it. When every address is loopback (the lab, a local dev server) no confirmation
is needed. Otherwise the founder must confirm "I own this system or am authorised to load-test it"; the
confirmation is stored in the project file under ``load.confirmed_targets`` as one readable line per host::

    api.acme.example addresses=203.0.113.7,2001:db8::7 max_users=100 max_rps=58.8 confirmed=2026-11-28

and is asked again when the host resolves to an address it did not cover, or when a plan goes above the
users or request rate it was given for. A bare ``api.acme.example`` line (written by hand) confirms that
host at any address within the default caps.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from launchready_tui.loadgen.plan import LoadPlan

if TYPE_CHECKING:
    from launchready_tui.net.overrides import NetworkOverrides
    from launchready_tui.net.resolver import Resolver


@dataclass(slots=True)
class Target:
    host: str
    port: int
    addresses: list[str] = field(default_factory=list)
    routed_to: str | None = None  # --connect-to destination, when one applies
    error: str | None = None  # DNS failure: the reason in plain words

    @property
    def loopback(self) -> bool:
        return bool(self.addresses) and all(_is_loopback(a) for a in self.addresses)

    def describe(self) -> str:
        where = ", ".join(self.addresses) or "no address"
        via = f" via {self.routed_to}" if self.routed_to else ""
        return f"{self.host} ({where}{via})"


@dataclass(slots=True)
class Confirmation:
    host: str
    addresses: list[str] | None  # None: any address (a hand-written bare host)
    max_users: int | None
    max_rps: float | None
    confirmed: str | None

    def covers(self, target: Target, users: int, rps: float, caps_users: int, caps_rps: float) -> bool:
        if self.host != target.host:
            return False
        if self.addresses is not None and not set(target.addresses) <= set(self.addresses):
            return False
        if users > (self.max_users if self.max_users is not None else caps_users):
            return False
        return rps <= (self.max_rps if self.max_rps is not None else caps_rps) + 1e-9


def _is_loopback(addr: str) -> bool:
    try:
        return ipaddress.ip_address(addr.strip("[]")).is_loopback
    except ValueError:
        return False


def endpoint_hosts(plan: LoadPlan) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for e in plan.endpoints:
        parts = urlsplit(e.url)
        host = (parts.hostname or "").lower().rstrip(".")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 443 if parts.scheme == "https" else 80
        if host and (host, port) not in out:
            out.append((host, port))
    return out


async def inspect_targets(plan: LoadPlan, resolver: Resolver, overrides: NetworkOverrides) -> list[Target]:
    """Where the generator's connections will really go, per endpoint host."""
    targets = []
    for host, port in endpoint_hosts(plan):
        to_host, to_port = overrides.route(host, port)
        routed = f"{to_host}:{to_port}" if (to_host, to_port) != (host, port) else None
        lookup = await resolver.addresses(to_host, to_port)
        targets.append(Target(host, port, list(lookup.addresses), routed,
                              None if lookup.addresses else lookup.reason))
    return targets


def parse_confirmation(text: str) -> Confirmation:
    words = str(text).split()
    host = (words[0] if words else "").lower().rstrip(".")
    values: dict[str, str] = {}
    for w in words[1:]:
        k, _, v = w.partition("=")
        values[k] = v
    addrs = [a for a in values.get("addresses", "").split(",") if a] or None
    users = int(values["max_users"]) if values.get("max_users", "").isdigit() else None
    try:
        rps = float(values["max_rps"]) if "max_rps" in values else None
    except ValueError:
        rps = None
    return Confirmation(host, addrs, users, rps, values.get("confirmed"))


def peak(plan: LoadPlan) -> tuple[int, float]:
    users = max((s.users for s in plan.steps), default=0)
    rps = max((s.total_rps for s in plan.steps), default=0.0)
    return users, rps


def unconfirmed(targets: list[Target], plan: LoadPlan, load_settings: dict[str, Any]) -> list[Target]:
    """Targets that are not loopback and not covered by a stored confirmation."""
    users, rps = peak(plan)
    records = [parse_confirmation(t) for t in load_settings.get("confirmed_targets") or []]
    out = []
    for t in targets:
        if t.loopback or t.error:
            continue
        if not any(r.covers(t, users, rps, plan.caps.max_users, plan.caps.max_rps) for r in records):
            out.append(t)
    return out


def confirmation_line(target: Target, plan: LoadPlan, today: dt.date | None = None) -> str:
    users, rps = peak(plan)
    return confirmation_line_for(target.host, target.addresses, users, rps, today)


def confirmation_line_for(host: str, addresses: list[str], users: int, rps: float,
                          today: dt.date | None = None) -> str:
    """The stored form of "I own this": host, the addresses it had, the peak users and rate confirmed."""
    day = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    rps = math.ceil(rps * 10) / 10  # rounded up, so the plan being confirmed is covered by its own record
    return f"{host} addresses={','.join(addresses)} max_users={users} max_rps={rps:.1f} confirmed={day}"


def record_confirmations(load_settings: dict[str, Any], targets: list[Target], plan: LoadPlan) -> list[str]:
    """Store (replace) the confirmation lines of ``targets``; returns the lines written."""
    current = [str(x) for x in load_settings.get("confirmed_targets") or []]
    hosts = {t.host for t in targets}
    kept = [line for line in current if parse_confirmation(line).host not in hosts]
    lines = [confirmation_line(t, plan) for t in targets]
    load_settings["confirmed_targets"] = kept + lines
    return lines


def refusal(targets: list[Target], plan: LoadPlan) -> str:
    users, rps = peak(plan)
    names = "; ".join(t.describe() for t in targets)
    return (f"not loading {names}: it is not on this machine, and load at up to {users} users "
            f"({rps:.0f} req/s, about {plan.expected_requests():,} requests) needs the owner's confirmation. "
            "If you own it or are authorised to load-test it, re-run with --yes-i-own-this (audit: --yes) or "
            "confirm it in the wizard's load chart (prefer staging over production)")
