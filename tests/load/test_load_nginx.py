"""The generator against real Debian nginx on loopback (HTTPS with a throwaway CA), with its own config:

* ``/fast.txt`` a static file; ``/limited.txt`` behind ``limit_req`` (20 req/s, burst 5): nginx answers 503
  beyond it, a real capacity limit; ``/error`` always 500.

Process helpers (binary lookup, free ports, PKI, start/stop by pid) come from tests/support/realservers.py.
Skipped when nginx is missing, unless LAUNCHREADY_REQUIRE_REAL_SERVERS=1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from load_helpers import NO_ABORT
from support.realservers import make_pki, serve_nginx

from launchready_tui.loadgen.analysis import analyse
from launchready_tui.loadgen.plan import LoadEndpoint, LoadPlan, Network, Step
from launchready_tui.loadgen.process import LoadProcess

pytestmark = pytest.mark.realservers


CONF = """\
    default_type text/plain;
    limit_req_zone $server_name zone=knee:1m rate=20r/s;
    server {{
        listen 127.0.0.1:{port} ssl default_server;
        server_name www.real.test;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        root {docroot};
        location = /limited.txt {{ limit_req zone=knee burst=5 nodelay; }}
        location = /error {{ return 500 "broken\\n"; }}
    }}
"""


@dataclass(frozen=True)
class LoadNginx:
    port: int
    ca_file: Path

    def network(self) -> Network:
        hosts = ("www.real.test", "other.real.test")
        return Network(connect_to=[f"{h}:443:127.0.0.1:{self.port}" for h in hosts], ca_file=str(self.ca_file))


@pytest.fixture(scope="module")
def load_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadNginx]:
    base = tmp_path_factory.mktemp("load-nginx")
    pki = make_pki(base)
    docroot = base / "www"
    docroot.mkdir()
    (docroot / "fast.txt").write_text("fast\n")
    (docroot / "limited.txt").write_text("limited\n")
    with serve_nginx(base, CONF, ("port",), connections=1024, access_log=False, log_level="warn",
                     cert=pki.leaf_cert_file, key=pki.leaf_key_file, docroot=docroot) as ports:
        yield LoadNginx(ports["port"], pki.ca_file)


def plan_for(nginx: LoadNginx, path: str, rates: list[float], host: str = "www.real.test",
             **kw: Any) -> LoadPlan:
    ep = LoadEndpoint(path.strip("/").split(".")[0] or "home", f"https://{host}{path}")
    steps = [Step(max(1, int(r)), {ep.name: r}) for r in rates]
    kw.setdefault("warmup_seconds", 0.0)
    kw.setdefault("step_seconds", 1.5)
    return LoadPlan([ep], steps, network=nginx.network(), **kw)


def the_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["row"] | {"details": r["details"]} for r in result["steps"]]


async def test_static_file_steps_are_measured(load_nginx: LoadNginx) -> None:
    plan = plan_for(load_nginx, "/fast.txt", [20, 60])
    result = await LoadProcess(plan).run()
    low, high = the_rows(result)
    for row, rate in ((low, 20), (high, 60)):
        assert row["error_rate"] == 0 and row["errors"] == {"timeout": 0, "5xx": 0, "connect": 0}
        assert row["details"]["attempted"] == pytest.approx(rate * 1.5, abs=2)
        assert row["p50_ms"] < 50
    assert high["p95_ms"] is not None and high["p95_ms"] < 200
    assert analyse(plan, result).safe_users == 60


async def test_knee_at_the_nginx_rate_limit(load_nginx: LoadNginx) -> None:
    plan = plan_for(load_nginx, "/limited.txt", [10, 45], abort=NO_ABORT, step_seconds=2)
    result = await LoadProcess(plan).run()
    low, high = the_rows(result)
    assert low["errors"]["5xx"] == 0
    # 45 req/s against 20 req/s (+5 burst): about half are refused with 503
    assert 0.3 < high["error_rate"] < 0.7 and high["errors"]["5xx"] > 20
    a = analyse(plan, result)
    assert (a.safe_users, a.breaks_first) == (10, "limited")
    assert "server errors (5xx)" in a.breaks_how and "more workers or instances" in a.note


async def test_error_spike_stops_the_run_on_nginx(load_nginx: LoadNginx) -> None:
    plan = plan_for(load_nginx, "/error", [30, 30, 30], step_seconds=3, retire_on_breach=False)
    result = await LoadProcess(plan).run()
    assert "stopped" in (result["stop_reason"] or "") and result["elapsed_s"] < 6
    (first, *_rest) = the_rows(result)
    assert first["errors"]["5xx"] >= 20 and first["error_rate"] == 1.0


async def test_tls_name_mismatch_is_a_connection_error(load_nginx: LoadNginx) -> None:
    # other.real.test is routed to nginx but is not in its certificate
    plan = plan_for(load_nginx, "/fast.txt", [10], host="other.real.test")
    result = await LoadProcess(plan).run()
    assert "connection failures in a row" in (result["stop_reason"] or "")
    (row,) = the_rows(result)
    assert row["errors"]["connect"] >= 3 and row["errors"]["5xx"] == 0
    assert "TLS" in result["first_errors"]["fast"]["tls"]
