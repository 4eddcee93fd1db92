"""Mutable per-lab state shared by the web handlers (one instance per Lab)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from launchready_tui.lab.fakes import Fakes
from launchready_tui.lab.site_content import SiteContent

FLAWED_AI_CONCURRENCY = 4  # like a provider's concurrency cap: flawed AI requests queue behind it


@dataclass
class LabState:
    """Mutable per-lab state shared by the handlers."""

    fakes: Fakes
    content: SiteContent
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    hook_posts: list[dict[str, Any]] = field(default_factory=list)
    login_inflight: int = 0
    ai_gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(FLAWED_AI_CONCURRENCY))
    chat_log: dict[str, deque[float]] = field(default_factory=dict)
    inflight: int = 0  # requests being handled right now (the concurrency test reads it)
    peak_inflight: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)  # opens the /hold route


STATE: web.AppKey[LabState] = web.AppKey("lab_state", LabState)
