"""Which Node and Python versions a project pins, and where (``deploy.runtime_pinned``).

Sources: ``.nvmrc``, ``.node-version``, ``package.json`` ``engines.node``, ``.tool-versions``,
``.python-version``, ``runtime.txt``, ``pyproject.toml`` ``requires-python``, ``Dockerfile`` ``FROM node:X``
/ ``FROM python:X``, ``netlify.toml`` ``NODE_VERSION``/``PYTHON_VERSION``, GitHub Actions
``node-version:``/``python-version:``. Versions are compared at the level that breaks builds: Node's
major, Python's major.minor. A range (``>=18``) is satisfied by any pin at or above it.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Pin:
    runtime: str  # "node" | "python"
    source: str  # "Dockerfile:1", ".nvmrc"
    raw: str
    version: tuple[int, ...] | None  # (20,) or (3, 11); None when it cannot be read ("lts/*")
    minimum: bool = False  # a ">=" range rather than an exact pin


_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")


def _parse(runtime: str, raw: str) -> tuple[tuple[int, ...] | None, bool]:
    text = raw.strip().lstrip("vV=^~ ").removeprefix("python-").removeprefix("nodejs-")
    minimum = raw.strip().startswith(">=") or raw.strip().startswith(">")
    text = text.lstrip(">= ")
    m = _VERSION.match(text)
    if not m:
        return None, minimum
    major = int(m.group(1))
    if runtime == "node":
        return (major,), minimum
    minor = int(m.group(2)) if m.group(2) else None
    return ((major, minor) if minor is not None else (major,)), minimum


def _pin(runtime: str, source: str, raw: str) -> Pin:
    version, minimum = _parse(runtime, raw)
    return Pin(runtime, source, raw.strip(), version, minimum)


def _read(root: Path, rel: str) -> str | None:
    try:
        p = root / rel
        if p.is_file() and p.stat().st_size < 512 * 1024:
            return p.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return None


def find_pins(root: Path, files: list[str]) -> list[Pin]:
    pins: list[Pin] = []
    for name, runtime in ((".nvmrc", "node"), (".node-version", "node"), (".python-version", "python")):
        if (text := _read(root, name)) and text.strip():
            pins.append(_pin(runtime, name, text.strip().splitlines()[0]))
    if text := _read(root, "runtime.txt"):
        pins.append(_pin("python", "runtime.txt", text.strip()))
    if text := _read(root, ".tool-versions"):
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] in ("nodejs", "node", "python"):
                pins.append(_pin("node" if parts[0] != "python" else "python", ".tool-versions", parts[1]))
    if text := _read(root, "package.json"):
        try:
            engines = (json.loads(text) or {}).get("engines") or {}
        except (ValueError, AttributeError):
            engines = {}
        if isinstance(engines, dict) and isinstance(engines.get("node"), str):
            pins.append(_pin("node", "package.json engines.node", engines["node"]))
    if text := _read(root, "pyproject.toml"):
        try:
            req = (tomllib.loads(text).get("project") or {}).get("requires-python")
        except tomllib.TOMLDecodeError:
            req = None
        if isinstance(req, str):
            pins.append(_pin("python", "pyproject.toml requires-python", req))
    for rel in files:
        base = rel.rsplit("/", 1)[-1]
        if base == "Dockerfile" or base.startswith("Dockerfile.") or base.endswith(".Dockerfile"):
            text = _read(root, rel) or ""
            for i, line in enumerate(text.splitlines(), 1):
                m = re.match(r"(?i)\s*FROM\s+(?:--platform=\S+\s+)?(?:[\w./-]+/)?(node|python):([\w.-]+)", line)
                if m:
                    pins.append(_pin(m.group(1).lower(), f"{rel}:{i}", m.group(2)))
        elif rel.startswith(".github/workflows/") and rel.endswith((".yml", ".yaml")):
            text = _read(root, rel) or ""
            for i, line in enumerate(text.splitlines(), 1):
                m = re.search(r"\b(node|python)-version:\s*['\"]?([\w.>=<^~ -]+?)['\"]?\s*$", line)
                if m and "${{" not in line and "matrix" not in line:
                    pins.append(_pin(m.group(1), f"{rel}:{i}", m.group(2)))
    if text := _read(root, "netlify.toml"):
        for key, runtime in (("NODE_VERSION", "node"), ("PYTHON_VERSION", "python")):
            m = re.search(rf"{key}\s*=\s*['\"]([^'\"]+)['\"]", text)
            if m:
                pins.append(_pin(runtime, f"netlify.toml {key}", m.group(1)))
    return pins


def disagreements(pins: list[Pin]) -> dict[str, list[Pin]]:
    """Per runtime, the pins when they do not agree (exact pins differ, or one is below a minimum)."""
    out: dict[str, list[Pin]] = {}
    for runtime in ("node", "python"):
        mine = [p for p in pins if p.runtime == runtime and p.version is not None]
        exact = [p for p in mine if not p.minimum]
        mins = [p for p in mine if p.minimum]
        bad = False
        levels = {_level(p.version) for p in exact if p.version is not None}
        if len(_collapse(levels)) > 1:
            bad = True
        for m in mins:
            if any(p.version is not None and m.version is not None and p.version < m.version for p in exact):
                bad = True
        if bad:
            out[runtime] = mine
    return out


def _level(v: tuple[int, ...]) -> tuple[int, ...]:
    return v[:2]


def _collapse(levels: set[tuple[int, ...]]) -> set[tuple[int, ...]]:
    # "3" and "3.11" do not disagree: keep only the most specific versions that differ
    full = {v for v in levels if len(v) == 2}
    short = {v for v in levels if len(v) == 1 and not any(f[0] == v[0] for f in full)}
    return full | short
