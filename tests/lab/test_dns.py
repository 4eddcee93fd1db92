"""The lab DNS server over real UDP and TCP sockets, queried with dnspython directly."""

from __future__ import annotations

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from launchready_tui.lab.server import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def udp(lab: Lab, name: str, rdtype: str, timeout: float = 2.0) -> dns.message.Message:
    return await dns.asyncquery.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=lab.dns_port,
                                    timeout=timeout)


async def tcp(lab: Lab, name: str, rdtype: str) -> dns.message.Message:
    return await dns.asyncquery.tcp(dns.message.make_query(name, rdtype), "127.0.0.1", port=lab.dns_port,
                                    timeout=2.0)


def texts(msg: dns.message.Message) -> list[str]:
    return [rd.to_text() for rrset in msg.answer for rd in rrset]


@pytest.mark.parametrize("query", [udp, tcp])
async def test_good_zone_records(lab: Lab, query) -> None:
    a = await query(lab, "good.test", "A")
    assert a.rcode() == dns.rcode.NOERROR and a.flags & dns.flags.AA
    assert texts(a) == ["127.0.0.1"]
    assert texts(await query(lab, "www.good.test", "AAAA")) == ["::1"]
    mx = await query(lab, "good.test", "MX")
    assert texts(mx) == ["1 aspmx.l.google.com."]
    caa = texts(await query(lab, "good.test", "CAA"))
    assert '0 issue "letsencrypt.org"' in caa
    ns = texts(await query(lab, "good.test", "NS"))
    assert "ada.ns.cloudflare.com." in ns
    assert len(texts(await query(lab, "good.test", "SOA"))) == 1


async def test_txt_records_for_email(lab: Lab) -> None:
    spf = "".join(texts(await udp(lab, "good.test", "TXT")))
    assert "v=spf1 include:_spf.google.com -all" in spf
    dmarc = texts(await udp(lab, "_dmarc.good.test", "TXT"))
    assert "p=reject" in dmarc[0] and "rua=mailto:" in dmarc[0]
    # a 2048-bit DKIM key is longer than one TXT string: it arrives split, joined by the client
    dkim = (await tcp(lab, "google._domainkey.good.test", "TXT")).answer[0][0]
    assert len(dkim.strings) == 2 and b"".join(dkim.strings).startswith(b"v=DKIM1")
    missing = await udp(lab, "_dmarc.flawed.test", "TXT")
    assert missing.rcode() == dns.rcode.NXDOMAIN


async def test_cname_chased_and_dangling(lab: Lab) -> None:
    docs = await udp(lab, "docs.good.test", "A")
    assert texts(docs) == ["good-docs.github.io.", "127.0.0.1"]
    shop = await udp(lab, "shop.flawed.test", "A")
    assert shop.rcode() == dns.rcode.NXDOMAIN  # the platform name behind the CNAME is gone
    assert texts(shop) == ["flawed-shop.herokuapp.com."]


async def test_nxdomain_vs_nodata(lab: Lab) -> None:
    nx = await udp(lab, "nope.flawed.test", "A")
    assert nx.rcode() == dns.rcode.NXDOMAIN and not nx.answer
    assert nx.authority[0].rdtype == dns.rdatatype.SOA
    nodata = await udp(lab, "flawed.test", "AAAA")  # name exists, no AAAA
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA
    ent = await udp(lab, "empty.flawed.test", "A")  # empty non-terminal: exists, no data
    assert ent.rcode() == dns.rcode.NOERROR and not ent.answer
    for rdtype in ("DS", "DNSKEY"):  # no DNSSEC anywhere
        msg = await udp(lab, "good.test", rdtype)
        assert msg.rcode() == dns.rcode.NOERROR and not msg.answer
    outside = await udp(lab, "example.com", "A")
    assert outside.rcode() == dns.rcode.REFUSED


async def test_fault_servfail_refused_and_clear(lab: Lab) -> None:
    assert lab.dns is not None
    lab.dns.set_fault("flawed.test", mode="servfail")
    try:
        assert (await udp(lab, "www.flawed.test", "A")).rcode() == dns.rcode.SERVFAIL
        assert (await udp(lab, "good.test", "A")).rcode() == dns.rcode.NOERROR  # other names unaffected
        lab.dns.set_fault("good.test", mode="refused")
        assert (await tcp(lab, "good.test", "A")).rcode() == dns.rcode.REFUSED
    finally:
        lab.dns.clear_faults()
    assert (await udp(lab, "www.flawed.test", "A")).rcode() == dns.rcode.NOERROR


async def test_fault_timeout_never_answers(lab: Lab) -> None:
    assert lab.dns is not None
    lab.dns.set_fault("*", mode="timeout")
    try:
        before = lab.dns.queries
        with pytest.raises(dns.exception.Timeout):
            await udp(lab, "good.test", "A", timeout=0.3)
        assert lab.dns.queries == before + 1  # it arrived; silence was deliberate
    finally:
        lab.dns.set_fault("*")


async def test_fault_delay_still_answers(lab: Lab) -> None:
    assert lab.dns is not None
    lab.dns.set_fault("good.test", delay_ms=50)
    try:
        msg = await udp(lab, "app.good.test", "A")
        assert texts(msg) == ["127.0.0.1"]
    finally:
        lab.dns.set_fault("good.test")
