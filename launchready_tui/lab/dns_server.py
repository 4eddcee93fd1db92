"""An authoritative DNS server for the lab zones on 127.0.0.1, over UDP and TCP, in dnspython wire format.

It answers like a real authoritative server (AA set; CNAMEs chased inside our zones; NXDOMAIN vs
NODATA with the SOA in the authority section; REFUSED outside our zones) and has fault knobs, settable
at runtime per name or globally, so checks can be tested against slow, failing and silent servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass
from typing import Literal

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.zone

FaultMode = Literal["servfail", "refused", "timeout"]
GLOBAL = "*"  # fault key that applies to every name


@dataclass(slots=True)
class Fault:
    delay_ms: int = 0
    mode: FaultMode | None = None


class DNSServer:
    """Serve ``zones`` (origin -> Zone) on one port, UDP and TCP alike."""

    def __init__(self, zones: dict[str, dns.zone.Zone], host: str = "127.0.0.1") -> None:
        self.zones = {dns.name.from_text(o): z for o, z in zones.items()}
        self.host = host
        self.port = 0
        self.queries = 0  # answered or not: lets tests see that a query arrived
        self._faults: dict[str, Fault] = {}
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- fault knobs -------------------------------------------------------------------------

    def set_fault(self, name: str = GLOBAL, *, delay_ms: int = 0, mode: FaultMode | None = None) -> None:
        """Delay and/or break answers for ``name`` (and names under it), or for every name with ``"*"``."""
        key = GLOBAL if name == GLOBAL else name.lower().rstrip(".")
        if delay_ms == 0 and mode is None:
            self._faults.pop(key, None)
        else:
            self._faults[key] = Fault(delay_ms, mode)

    def clear_faults(self) -> None:
        self._faults.clear()

    def _fault_for(self, qname: dns.name.Name) -> Fault | None:
        labels = qname.to_text(omit_final_dot=True).lower().split(".")
        for i in range(len(labels)):  # most specific name wins
            fault = self._faults.get(".".join(labels[i:]))
            if fault:
                return fault
        return self._faults.get(GLOBAL)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # UDP first on a random port, then TCP on the same number; retry if TCP's is taken
        for _ in range(20):
            transport, _proto = await loop.create_datagram_endpoint(
                lambda: _UDPProtocol(self), local_addr=(self.host, 0)
            )
            port = transport.get_extra_info("sockname")[1]
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, self.host, port)
            except OSError:
                transport.close()
                continue
            self._udp, self.port = transport, port
            return
        raise OSError("could not bind the lab DNS server on a shared UDP/TCP port")

    async def stop(self) -> None:
        if self._udp:
            self._udp.close()
        if self._tcp:
            self._tcp.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._tcp.wait_closed(), 2)  # bounded shutdown
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- transports ----------------------------------------------------------------------------

    async def _answer_wire(self, wire: bytes, max_size: int) -> bytes | None:
        self.queries += 1
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None  # garbage: stay silent like most servers
        fault = self._fault_for(query.question[0].name) if query.question else self._faults.get(GLOBAL)
        if fault and fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault and fault.mode == "timeout":
            return None
        if fault and fault.mode in ("servfail", "refused"):
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.SERVFAIL if fault.mode == "servfail" else dns.rcode.REFUSED)
        else:
            response = self.resolve(query)
        if query.edns >= 0:
            max_size = max(512, min(query.payload, max_size))
        try:
            return response.to_wire(max_size=max_size)
        except dns.exception.TooBig:
            # too large for UDP: empty answer with TC set, the client retries over TCP
            response.answer, response.authority, response.additional = [], [], []
            response.flags |= dns.flags.TC
            return response.to_wire()

    async def _reply_udp(self, wire: bytes, addr: tuple[str, int]) -> None:
        out = await self._answer_wire(wire, 1232)
        if out is not None and self._udp and not self._udp.is_closing():
            self._udp.sendto(out, addr)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                out = await self._answer_wire(await reader.readexactly(length), 65535)
                if out is None:
                    continue  # "timeout" fault: keep the connection open, say nothing
                writer.write(struct.pack("!H", len(out)) + out)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    # -- the authoritative logic ---------------------------------------------------------------

    def _zone_for(self, qname: dns.name.Name) -> dns.zone.Zone | None:
        best: dns.zone.Zone | None = None
        for origin, zone in self.zones.items():
            if qname.is_subdomain(origin) and (best is None or len(origin) > len(best.origin)):
                best = zone
        return best

    def resolve(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        q = query.question[0]
        qname, rdtype = q.name, q.rdtype
        zone = self._zone_for(qname)
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)  # not authoritative, and we do not recurse
            return response
        response.flags |= dns.flags.AA
        for _ in range(8):  # chase CNAMEs inside our zones, as authoritative servers do
            node = zone.get_node(qname)
            if node is None:
                if any(n.is_subdomain(qname) for n in zone.nodes):
                    self._add_soa(response, zone)  # empty non-terminal: the name exists, no data
                else:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                    self._add_soa(response, zone)
                return response
            found = node.get_rdataset(dns.rdataclass.IN, rdtype) if rdtype != dns.rdatatype.ANY else None
            if found is not None:
                response.answer.append(dns.rrset.from_rdata_list(qname, found.ttl, list(found)))
                return response
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is None:
                self._add_soa(response, zone)  # NODATA
                return response
            response.answer.append(dns.rrset.from_rdata_list(qname, cname.ttl, list(cname)))
            qname = cname[0].target
            zone = self._zone_for(qname)
            if zone is None:
                return response  # target outside our zones: the resolver follows it
        return response

    @staticmethod
    def _add_soa(response: dns.message.Message, zone: dns.zone.Zone) -> None:
        soa = zone.find_rdataset(zone.origin, dns.rdatatype.SOA)
        # negative-caching TTL is min(SOA TTL, SOA minimum) (RFC 2308)
        response.authority.append(
            dns.rrset.from_rdata_list(zone.origin, min(soa.ttl, soa[0].minimum), list(soa))
        )


class _UDPProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: DNSServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server._spawn(self.server._reply_udp(data, addr))
