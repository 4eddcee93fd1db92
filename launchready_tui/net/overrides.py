"""curl-style ``--resolve HOST:PORT:ADDR[,ADDR]`` and ``--connect-to HOST1:PORT1:HOST2:PORT2``.

Parsed once here and applied by the resolver and the HTTP/TLS connectors, so every check honours
them. Semantics follow curl: ``--resolve`` replaces DNS for one host:port; ``--connect-to`` sends the
TCP connection elsewhere while the Host header and SNI stay the original host. An empty HOST1 or
PORT1 in ``--connect-to`` matches any host or port, as in curl.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field


class OverrideError(ValueError):
    """A malformed --resolve / --connect-to value; the message is shown as is."""


def _split_host_port(text: str, what: str) -> tuple[str, int]:
    text = text.strip()
    if text.startswith("["):  # [::1]:53
        host, _, rest = text[1:].partition("]")
        port_text = rest.lstrip(":")
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise OverrideError(f"{what}: expected HOST:PORT, got {text!r}")
    try:
        port = int(port_text)
    except ValueError:
        raise OverrideError(f"{what}: port must be a number in {text!r}") from None
    if not 0 < port < 65536:
        raise OverrideError(f"{what}: port {port} is out of range in {text!r}")
    return host, port


def parse_nameserver(text: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (IPv6 as ``[::1]:53``); port defaults to 53."""
    text = text.strip()
    if not text:
        raise OverrideError("--nameserver: empty value")
    if text.startswith("[") or text.count(":") == 1:
        host, port = _split_host_port(text, "--nameserver")
    else:
        host, port = text, 53
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise OverrideError(f"--nameserver: {host!r} is not an IP address") from None
    return host, port


def _split_fields(text: str, count: int, what: str) -> list[str]:
    # IPv6 addresses are written in brackets, so split on colons outside brackets only.
    parts: list[str] = []
    depth, current = 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == ":" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    if len(parts) != count:
        raise OverrideError(f"{what}: expected {count} colon-separated fields, got {text!r}")
    return [p.strip("[]") for p in parts]


def _port(text: str, what: str, whole: str, allow_empty: bool = False) -> int | None:
    if allow_empty and text == "":
        return None
    try:
        port = int(text)
    except ValueError:
        raise OverrideError(f"{what}: port {text!r} is not a number in {whole!r}") from None
    if not 0 < port < 65536:
        raise OverrideError(f"{what}: port {port} is out of range in {whole!r}")
    return port


@dataclass(frozen=True, slots=True)
class ConnectTo:
    host: str | None  # None matches any host
    port: int | None  # None matches any port
    to_host: str
    to_port: int


@dataclass(slots=True)
class NetworkOverrides:
    resolve: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    connect_to: list[ConnectTo] = field(default_factory=list)

    @classmethod
    def parse(cls, resolve: list[str] | None = None, connect_to: list[str] | None = None) -> NetworkOverrides:
        out = cls()
        for item in resolve or []:
            host, port_text, addrs = _split_fields(item, 3, "--resolve")
            port = _port(port_text, "--resolve", item)
            assert port is not None
            addresses = [a.strip().strip("[]") for a in addrs.split(",") if a.strip()]
            for a in addresses:
                try:
                    ipaddress.ip_address(a)
                except ValueError:
                    raise OverrideError(f"--resolve: {a!r} is not an IP address in {item!r}") from None
            if not host or not addresses:
                raise OverrideError(f"--resolve: expected HOST:PORT:ADDR, got {item!r}")
            out.resolve[(host.lower().rstrip("."), port)] = addresses
        for item in connect_to or []:
            h1, p1, h2, p2 = _split_fields(item, 4, "--connect-to")
            port1 = _port(p1, "--connect-to", item, allow_empty=True)
            port2 = _port(p2, "--connect-to", item)
            assert port2 is not None
            if not h2:
                raise OverrideError(f"--connect-to: the target host is empty in {item!r}")
            out.connect_to.append(ConnectTo(h1.lower().rstrip(".") or None, port1, h2, port2))
        return out

    def route(self, host: str, port: int) -> tuple[str, int]:
        """Where the TCP connection for host:port really goes (first matching --connect-to wins)."""
        key = host.lower().rstrip(".")
        for rule in self.connect_to:
            if (rule.host is None or rule.host == key) and (rule.port is None or rule.port == port):
                return rule.to_host, rule.to_port
        return host, port

    def pinned(self, host: str, port: int) -> list[str] | None:
        """Addresses given by --resolve for host:port, if any."""
        return self.resolve.get((host.lower().rstrip("."), port))

    def routes_all_to_loopback(self) -> bool:
        return bool(self.connect_to) and all(_is_loopback(r.to_host) for r in self.connect_to)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
