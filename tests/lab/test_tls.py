"""TLS handshakes against the lab with the stdlib ssl module: right SNI verifies, bad variants fail."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import warnings

import pytest
from cryptography import x509

from launchready_tui.lab.server import Lab

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def handshake(lab: Lab, server_name: str, port: int | None = None,
                    ctx: ssl.SSLContext | None = None) -> x509.Certificate:
    ctx = ctx or ssl.create_default_context(cafile=str(lab.ca_file))
    _reader, writer = await asyncio.open_connection("127.0.0.1", port or lab.https_port, ssl=ctx,
                                                    server_hostname=server_name)
    try:
        sslobj = writer.get_extra_info("ssl_object")
        der = sslobj.getpeercert(binary_form=True)
        return x509.load_der_x509_certificate(der)
    finally:
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize("name", ["good.test", "www.good.test", "api.good.test", "docs.good.test",
                                  "admin.good.test", "mta-sts.good.test", "app.flawed.test", "rdap.lab.test"])
async def test_valid_hosts_verify(lab: Lab, name: str) -> None:
    cert = await handshake(lab, name)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert name in sans.get_values_for_type(x509.DNSName)


async def test_flawed_cert_expires_in_five_days(lab: Lab) -> None:
    cert = await handshake(lab, "flawed.test")
    left = cert.not_valid_after_utc - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=4) < left <= dt.timedelta(days=5)
    good = await handshake(lab, "good.test")
    assert good.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=60)


async def test_expired_host_fails_verification(lab: Lab) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
        await handshake(lab, "expired.flawed.test")


async def test_wrong_host_fails_verification(lab: Lab) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="match|mismatch"):
        await handshake(lab, "wronghost.flawed.test")


async def test_untrusted_without_lab_ca(lab: Lab) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        await handshake(lab, "good.test", ctx=ssl.create_default_context())


async def test_protocols_main_tls13_legacy_tls10(lab: Lab) -> None:
    ctx = ssl.create_default_context(cafile=str(lab.ca_file))
    _r, w = await asyncio.open_connection("127.0.0.1", lab.https_port, ssl=ctx, server_hostname="good.test")
    assert w.get_extra_info("ssl_object").version() == "TLSv1.3"
    w.close()
    old = ssl.create_default_context(cafile=str(lab.ca_file))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    # TLS 1.1 refused on the main listener ...
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await asyncio.open_connection("127.0.0.1", lab.https_port, ssl=old, server_hostname="good.test")
    # ... accepted by legacy.flawed.test
    _r, w = await asyncio.open_connection("127.0.0.1", lab.legacy_https_port, ssl=old,
                                          server_hostname="legacy.flawed.test")
    assert w.get_extra_info("ssl_object").version() == "TLSv1.1"
    w.close()
