"""The two hard rules of architecture §2, checked on every module present (new ones are covered).

1. core/, net/, checks/, report/, lab/ and the CLI never load Textual or rich; the CLI does not pay
   for httpx, dnspython, cryptography or keyring at import either (startup floor, §6).
2. screens/ and widgets/ never import the network or keyring (checked in their source with ast,
   because Textual itself imports socket at runtime).

Each import runs in a fresh interpreter and inspects sys.modules.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = REPO_ROOT / "launchready_tui"
UI = frozenset({"textual", "rich"})
HEAVY = frozenset({"httpx", "httpcore", "dns", "cryptography", "keyring"})
HEADLESS_DIRS = ("core", "net", "checks", "report", "lab")
UI_DIRS = ("screens", "widgets")
SOCKET_MODULES = frozenset({"httpx", "httpcore", "dns", "socket", "ssl", "keyring", "aiohttp", "h2",
                            "urllib.request", "http.client", "launchready_tui.net", "launchready_tui.lab"})
SOCKET_CALLS = frozenset({"open_connection", "start_server", "create_connection", "open_unix_connection"})


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules_in(*dirs: str) -> list[str]:
    found: list[str] = []
    for d in dirs:
        found += sorted(_module_name(p) for p in (PACKAGE / d).rglob("*.py") if "__pycache__" not in p.parts)
    return found


def _files_in(*dirs: str) -> list[Path]:
    return [p for d in dirs for p in sorted((PACKAGE / d).rglob("*.py")) if "__pycache__" not in p.parts]


def loaded_top_level(module: str) -> set[str]:
    """Top-level package names in sys.modules after `import module` in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=REPO_ROOT)
    assert proc.returncode == 0, f"import {module} failed:\n{proc.stderr}"
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


HEADLESS_MODULES = ["launchready_tui", *_modules_in(*HEADLESS_DIRS)]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_headless_modules_never_load_the_ui(module: str) -> None:
    leaked = loaded_top_level(module) & UI
    assert not leaked, f"import {module} loads {sorted(leaked)}: checks must never import Textual"


def test_cli_is_light() -> None:
    if not (PACKAGE / "cli.py").exists():
        pytest.skip("launchready_tui/cli.py not written yet")
    leaked = loaded_top_level("launchready_tui.cli") & (UI | HEAVY)
    assert not leaked, f"import launchready_tui.cli loads {sorted(leaked)}: import them lazily in main()"


def test_app_does_not_load_check_dependencies() -> None:
    if not (PACKAGE / "app.py").exists():
        pytest.skip("launchready_tui/app.py not written yet")
    leaked = loaded_top_level("launchready_tui.app") & HEAVY
    assert not leaked, f"import launchready_tui.app loads {sorted(leaked)}: load them when checks run"


def forbidden_in_source(source: str) -> list[str]:
    """Network/keyring imports and socket-opening calls found in one UI module's source."""
    problems: list[str] = []

    def forbidden(name: str) -> bool:
        return any(name == m or name.startswith(m + ".") for m in SOCKET_MODULES)

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            problems += [f"line {node.lineno}: import {a.name}" for a in node.names if forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(forbidden(n) for n in names):
                problems.append(f"line {node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in SOCKET_CALLS:
                problems.append(f"line {node.lineno}: {name}(...)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            problems.append(f"line {node.lineno}: __import__(...)")
    return problems


@pytest.mark.parametrize("path", _files_in(*UI_DIRS), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_ui_modules_never_open_sockets(path: Path) -> None:
    problems = forbidden_in_source(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.relative_to(REPO_ROOT)} reaches the network: {problems}"


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import httpx", True),
        ("from dns import asyncresolver", True),
        ("import dns.asyncresolver as r", True),
        ("import socket", True),
        ("from ssl import create_default_context", True),
        ("import keyring", True),
        ("from launchready_tui.net.http import HttpClient", True),
        ("async def f():\n    await asyncio.open_connection('h', 1)", True),
        ("from textual.app import App\nfrom launchready_tui.checks import runner", False),
        ("from launchready_tui.core.model import Status", False),
        ("import dnsx", False),
    ],
)
def test_the_source_scan_itself(source: str, caught: bool) -> None:
    assert bool(forbidden_in_source(source)) is caught
