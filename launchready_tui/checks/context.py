"""Builds the one resolver and the one HTTP client for a run from the project file and CLI options."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from launchready_tui.checks.base import CheckContext, CheckOptions
from launchready_tui.core.project import Project
from launchready_tui.net.http import HttpClient
from launchready_tui.net.overrides import NetworkOverrides, OverrideError, parse_nameserver
from launchready_tui.net.resolver import Resolver


@dataclass(slots=True)
class NetworkOptions:
    """The four shared network options; command-line values win over the project file's."""

    nameservers: list[str] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    connect_to: list[str] = field(default_factory=list)
    ca_file: str | None = None
    dns_timeout: float = 3.0
    http_timeout: float = 10.0


def effective_network(project: Project, project_dir: Path, cli: NetworkOptions) -> NetworkOptions:
    net = project.network
    _check_project_network(list(net.resolve), list(net.connect_to), [] if cli.nameservers else list(net.nameservers))
    ca = cli.ca_file or net.ca_file
    if ca and not Path(ca).expanduser().is_absolute():
        # A CA named on the command line is relative to the cwd; one in the project file to the file.
        ca = str((Path.cwd() if cli.ca_file else project_dir) / Path(ca).expanduser())
    if ca:
        _check_ca_file(Path(ca).expanduser(), "--ca-file" if cli.ca_file else "network.ca_file (project file)")
    return NetworkOptions(
        nameservers=cli.nameservers or list(net.nameservers),
        resolve=cli.resolve + list(net.resolve),  # first match wins: the command line first
        connect_to=cli.connect_to + list(net.connect_to),
        ca_file=str(Path(ca).expanduser()) if ca else None,
        dns_timeout=cli.dns_timeout,
        http_timeout=cli.http_timeout,
    )


_PROJECT_KEYS = (("--nameserver", "network.nameservers"), ("--resolve", "network.resolve"),
                 ("--connect-to", "network.connect_to"))


def _check_project_network(resolve: list[str], connect_to: list[str], nameservers: list[str]) -> None:
    """The project file's network values, checked on their own so a mistake names the key the user wrote
    (``network.connect_to``), not a ``--connect-to`` option they never typed."""
    try:
        NetworkOverrides.parse(resolve, connect_to)
        for server in nameservers:
            parse_nameserver(server)
    except OverrideError as exc:
        message = str(exc)
        for flag, key in _PROJECT_KEYS:
            if message.startswith(flag):
                message = f"{key} (project file){message[len(flag):]}"
        raise OverrideError(message) from None


def _check_ca_file(path: Path, label: str) -> None:
    """A CA file that cannot be used is bad input, said once up front: otherwise every HTTPS check would fail
    with an OpenSSL message and read as a broken site."""
    import ssl

    try:
        is_file = path.is_file()
    except OSError as exc:  # a folder on the way that we may not enter: is_file() raises instead of False
        raise OverrideError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None
    if not is_file:
        raise OverrideError(f"{label}: {path} does not exist or is not a file")
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except (ssl.SSLError, ValueError):  # SSLError first: it is an OSError too
        raise OverrideError(f"{label}: {path} holds no usable PEM certificate (-----BEGIN CERTIFICATE-----)") from None
    except OSError as exc:
        raise OverrideError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None


@asynccontextmanager
async def check_context(
    project: Project, project_dir: Path, cli: NetworkOptions | None = None, options: CheckOptions | None = None
) -> AsyncIterator[CheckContext]:
    net = effective_network(project, project_dir, cli or NetworkOptions())
    overrides = NetworkOverrides.parse(net.resolve, net.connect_to)
    resolver = Resolver(net.nameservers or None, timeout=net.dns_timeout, overrides=overrides)
    async with HttpClient(resolver, overrides, ca_file=net.ca_file, timeout=net.http_timeout) as http:
        yield CheckContext(project=project, resolver=resolver, http=http, project_dir=project_dir,
                           options=options or CheckOptions())
