"""``Lab``: the whole built-in demo target (DNS, CA, HTTPS/HTTP app, generated repos) on 127.0.0.1.

    async with Lab() as lab:
        lab.nameserver        # "127.0.0.1:PORT"
        lab.connect_to        # ["good.test:443:127.0.0.1:PORT", ...]
        lab.project_dict()    # a launchready.yaml wired to the lab

Also ``run_lab_foreground`` for ``launchready lab [--write-project PATH]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import yaml

from launchready_tui.lab.ca import LabCA
from launchready_tui.lab.dns_server import DNSServer
from launchready_tui.lab.fakes import Fakes
from launchready_tui.lab.h2_edge import H2Edge
from launchready_tui.lab.hosts import FLAWED, GOOD, HOSTS
from launchready_tui.lab.repo import make_repo
from launchready_tui.lab.site_content import SiteContent
from launchready_tui.lab.state import LabState
from launchready_tui.lab.web import WebServers
from launchready_tui.lab.zones import build_zones

LOOPBACK = "127.0.0.1"


class Lab:
    """Start with ``await lab.start()`` (or ``async with``); everything binds to 127.0.0.1 random ports."""

    domain = GOOD
    flawed_domain = FLAWED

    def __init__(self, workdir: Path | None = None, *, make_repos: bool = True) -> None:
        self._own_workdir = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix="launchready-lab-")) if workdir is None else workdir
        self.make_repos = make_repos
        self.fakes = Fakes()
        self.ca: LabCA | None = None
        self.dns: DNSServer | None = None
        self.web: WebServers | None = None
        self.edge: H2Edge | None = None  # HTTP/2 edge in front of the origin (edge.http2's passing example)
        self.state: LabState | None = None
        self.repos: dict[str, Path] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # key generation and git are blocking: keep the event loop free while they run
        self.ca = await asyncio.to_thread(LabCA, self.workdir / "tls")
        zones = await asyncio.to_thread(build_zones)
        if self.make_repos:
            for name, flawed in ((GOOD, False), (FLAWED, True)):
                self.repos[name] = await asyncio.to_thread(
                    make_repo, self.workdir / "repos" / name, self.fakes, flawed=flawed
                )
        self.dns = DNSServer(zones, LOOPBACK)
        self.state = LabState(self.fakes, SiteContent(self.fakes))
        self.web = WebServers(self.ca, self.state, LOOPBACK)
        try:
            await self.dns.start()
            await asyncio.to_thread(self.web._issue_leaves)  # RSA/EC keys off the loop, before start()
            await self.web.start(issue=False)
            self.edge = H2Edge(self.web.leaves, self.web.https_port, str(self.ca.ca_file), LOOPBACK)
            await self.edge.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self.edge is not None:
            await self.edge.stop()
        if self.web is not None:
            await self.web.stop()
        if self.dns is not None:
            await self.dns.stop()
        if self._own_workdir:
            await asyncio.to_thread(shutil.rmtree, self.workdir, True)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- addresses -------------------------------------------------------------------------------

    def _web(self) -> WebServers:
        if self.web is None:
            raise RuntimeError("the lab is not started")
        return self.web

    @property
    def dns_port(self) -> int:
        if self.dns is None:
            raise RuntimeError("the lab is not started")
        return self.dns.port

    @property
    def https_port(self) -> int:
        return self._web().https_port

    @property
    def http_port(self) -> int:
        return self._web().http_port

    @property
    def legacy_https_port(self) -> int:
        """The listener of ``legacy.flawed.test`` (TLS 1.0-1.2)."""
        return self._web().legacy_https_port

    @property
    def ca_file(self) -> Path:
        if self.ca is None:
            raise RuntimeError("the lab is not started")
        return self.ca.ca_file

    @property
    def nameserver(self) -> str:
        return f"{LOOPBACK}:{self.dns_port}"

    @property
    def connect_to(self) -> list[str]:
        return self._web().connect_to()

    @property
    def hosts(self) -> list[str]:
        return [h.name for h in HOSTS]

    def canary(self, domain: str) -> str:
        return self.fakes.canary_good if domain == GOOD else self.fakes.canary_flawed

    # -- project file ----------------------------------------------------------------------------

    def project_dict(self, domain: str = GOOD) -> dict[str, Any]:
        """A contract-shaped project file for ``domain`` ("good.test" or "flawed.test"), wired to this lab."""
        if domain not in (GOOD, FLAWED):
            raise ValueError(f"the lab serves {GOOD} and {FLAWED}, not {domain!r}")
        api = f"https://api.{domain}"
        subdomains = ["app", "api", "admin", "docs"] + (["shop", "legacy", "expired", "wronghost"]
                                                        if domain == FLAWED else ["status"])
        project: dict[str, Any] = {
            "version": 1,
            "product": "Good Co (lab)" if domain == GOOD else "Flawed Co (lab)",
            "domain": domain,
            "app_url": f"https://app.{domain}",
            "api_url": api,
            "subdomains": subdomains,
            "endpoints": [
                {"name": "home", "method": "GET", "url": f"https://{domain}/", "ai": False},
                {"name": "login", "method": "POST", "url": f"{api}/v1/login",
                 "body": f'{{"email": "demo@{domain}", "password": "demo"}}', "ai": False},
                {"name": "generate", "method": "POST", "url": f"{api}/v1/generate",
                 "body": '{"prompt": "Write a tagline"}', "ai": True},
            ],
            "health_url": f"{api}/health",
            "ai_endpoint": {
                "url": f"{api}/v1/chat",
                "method": "POST",
                "body_template": '{"message": "{prompt}"}',
                "response_path": "reply",
                "tool_calls_path": "tool_calls",  # the vulnerable bot reports the tools it called
                "canaries": [self.canary(domain), self.fakes.customer_canary],
                "timeout_s": 15,
                "max_requests": 120,
            },
            "email": {"sends_mail": True, "senders": ["google-workspace"], "dkim_selectors": ["google"]},
            "environments": ["production", "staging"],
            # RDAP through the lab's stand-in registry, never IANA (checks/rdap.py documents the key)
            "rdap": {"bootstrap": "https://rdap.lab.test/bootstrap/dns.json"},
            "network": {
                "nameservers": [self.nameserver],
                "resolve": [],
                "connect_to": self.connect_to,
                "ca_file": str(self.ca_file),
            },
        }
        if domain in self.repos:
            project["repo"] = str(self.repos[domain])
        return project

    def write_project(self, path: Path, domain: str = GOOD) -> Path:
        """Write ``project_dict(domain)`` as YAML to ``path`` (plain safe_dump; core/project.py owns the rest)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "# launchready project wired to the built-in lab (valid while the lab runs)\n"
        text += yaml.safe_dump(self.project_dict(domain), sort_keys=False, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    def describe(self) -> str:
        """The lab's addresses, for humans."""
        lines = [
            f"DNS        {self.nameserver} (UDP+TCP) for {GOOD}, {FLAWED}",
            f"HTTPS      {LOOPBACK}:{self.https_port}   (SNI picks the certificate)",
            f"HTTP       {LOOPBACK}:{self.http_port}",
            f"legacy TLS {LOOPBACK}:{self.legacy_https_port} (legacy.{FLAWED})",
            f"CA file    {self.ca_file}",
        ]
        lines += [f"repo       {name}: {path}" for name, path in self.repos.items()]
        lines.append("try: curl --cacert " + str(self.ca_file) + f" --connect-to {GOOD}:443:{LOOPBACK}:"
                     f"{self.https_port} https://{GOOD}/health")
        return "\n".join(lines)


async def _run_until_interrupted(write_project: Path | None, domain: str) -> None:
    async with Lab() as lab:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # handlers first: a Ctrl-C right after "running" must take the clean path too
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows' loop
            loop.add_signal_handler(signal.SIGINT, stop.set)
            loop.add_signal_handler(signal.SIGTERM, stop.set)
        if write_project is not None:
            path = lab.write_project(write_project, domain)
            print(f"project file: {path.resolve()}")  # noqa: T201 - this is the command's output
        print(lab.describe())  # noqa: T201
        print("lab running; press Ctrl-C to stop", flush=True)  # noqa: T201
        await stop.wait()
    print("lab stopped", file=sys.stderr)  # noqa: T201


def run_lab_foreground(write_project: Path | None = None, domain: str = FLAWED) -> int:
    """``launchready lab``: run until Ctrl-C, then stop cleanly. Returns the exit code (0, or 130 if cut short)."""
    try:
        asyncio.run(_run_until_interrupted(write_project, domain))
    except KeyboardInterrupt:
        return 130
    return 0
