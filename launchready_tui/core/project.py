"""The project file (launchready.yaml): dataclasses, load, validate, save.

(skeleton: load/save/validation are being built; the dataclass shape is the contract's keys)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Endpoint:
    name: str
    url: str
    method: str = "GET"
    body: str | None = None
    ai: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class AiEndpoint:
    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body_template: str = '{"message": "{prompt}"}'
    response_path: str = ""
    canaries: list[str] = field(default_factory=list)
    timeout_s: float = 15.0
    max_requests: int = 120


@dataclass(slots=True)
class EmailSettings:
    sends_mail: bool = True
    senders: list[str] = field(default_factory=list)
    dkim_selectors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class NetworkSettings:
    nameservers: list[str] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)
    connect_to: list[str] = field(default_factory=list)
    ca_file: str | None = None


@dataclass(slots=True)
class Project:
    domain: str
    version: int = 1
    product: str = ""
    app_url: str | None = None
    api_url: str | None = None
    subdomains: list[str] = field(default_factory=lambda: ["app", "api", "admin", "docs"])
    endpoints: list[Endpoint] = field(default_factory=list)
    health_url: str | None = None
    ai_endpoint: AiEndpoint | None = None
    repo: str | None = None
    email: EmailSettings = field(default_factory=EmailSettings)
    environments: list[str] = field(default_factory=lambda: ["production"])
    network: NetworkSettings = field(default_factory=NetworkSettings)
    answers: dict[str, Any] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    load: dict[str, Any] = field(default_factory=lambda: {"confirmed_targets": []})
    extra: dict[str, Any] = field(default_factory=dict)  # keys owned by later issues (vault refs, contacts…)
