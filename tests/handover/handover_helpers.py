"""Helpers shared by the stage-7 tests (a unique module name: pytest puts every test folder on sys.path, and
several folders have a conftest.py, so ``from conftest import …`` would be ambiguous in a full run).

``MemoryKeyring`` is a real ``keyring`` backend class for unit tests (handover.md §5), installed with
``keyring.set_keyring`` by the ``memory_keyring`` fixture; its knobs reproduce what an OS keyring does when
locked (``KeyringLocked``) or waiting on an unanswered prompt (a delay).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked, PasswordDeleteError

from launchready_tui.core.project import Endpoint, Project, load_project
from launchready_tui.lab.server import Lab


class MemoryKeyring(KeyringBackend):
    """In-memory keyring for unit tests. Never auto-selected by keyring (``priority`` raises)."""

    launchready_vetted = "in-memory test keyring"

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.locked = False
        self.delay_s = 0.0
        self.calls: list[str] = []

    @properties.classproperty
    def priority(cls) -> float:  # not viable: keyring's own discovery never picks it
        raise RuntimeError("installed explicitly by tests only")

    def __str__(self) -> str:
        return "MemoryKeyring"

    def _gate(self, op: str) -> None:
        self.calls.append(op)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.locked:
            raise KeyringLocked("Failed to unlock the collection!")

    def get_password(self, service: str, username: str) -> str | None:
        self._gate("get")
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._gate("set")
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._gate("delete")
        if self.values.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


def make_project(tmp_path: Path, domain: str = "acme.example") -> Project:
    project = Project(domain=domain, product="Acme AI",
                      endpoints=[Endpoint(name="home", url=f"https://{domain}/")])
    project.source = tmp_path / "launchready.yaml"
    return project


def write_lab_project(lab: Lab, path: Path, domain: str = "good.test", **extra: Any) -> Project:
    """The lab's project for ``domain`` plus ``extra`` top-level keys, written to ``path`` and loaded back."""
    data = lab.project_dict(domain)
    data.update(extra)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    project, _warnings = load_project(path)
    return project
