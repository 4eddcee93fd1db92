"""A check that trips on a file it may not read says which file, in words; a real bug keeps the type name.

Before: "could not run this check (PermissionError: [Errno 13] Permission denied: '/srv/acme/repo')".
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.runner import run_checks
from launchready_tui.core.catalogue import CheckSpec
from launchready_tui.core.model import Impact, Status
from launchready_tui.core.project import Project
from launchready_tui.net.http import HttpClient
from launchready_tui.net.resolver import Resolver

sys.path.insert(0, str(Path(__file__).parent))
MOD = "badinput_checks"


async def test_unreadable_path_is_named_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CheckSpec, "module_path", property(lambda self: MOD))
    resolver = Resolver(["127.0.0.1:9"], timeout=0.2)
    ctx = CheckContext(project=Project(domain="example.test"), resolver=resolver, http=HttpClient(resolver))
    specs = [CheckSpec(f"t.{name}", name, 1, Impact.OPS, MOD, 5.0) for name in ("unreadable", "bug")]
    unreadable, bug = await run_checks(specs, ctx)
    assert unreadable.status is Status.ERROR
    assert unreadable.summary == "could not read /srv/acme/repo: Permission denied"
    assert bug.status is Status.ERROR and "KeyError" in bug.summary
