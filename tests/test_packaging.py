"""The wheel carries the whole package: screens, assets, lab, and the console script (architecture §8).

Hatchling silently drops data that lives outside the package, so the wheel is built for real and
inspected, not the source tree.
"""

from __future__ import annotations

import configparser
import fnmatch
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = REPO_ROOT / "launchready_tui"

REQUIRED_GLOBS = (
    "launchready_tui/assets/*.tcss",
    "launchready_tui/assets/fixes/*.yaml",
    "launchready_tui/screens/*.py",
    "launchready_tui/lab/*.py",
    "launchready_tui/core/*.py",
    "launchready_tui/net/*.py",
    "launchready_tui/checks/*.py",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("launchready-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


@pytest.mark.slow
@pytest.mark.parametrize("pattern", REQUIRED_GLOBS)
def test_wheel_contains(wheel: Path, pattern: str) -> None:
    matches = fnmatch.filter(_names(wheel), pattern)
    assert matches, f"nothing in the wheel matches {pattern}"


@pytest.mark.slow
def test_wheel_contains_every_package_file(wheel: Path) -> None:
    """Every source and data file under launchready_tui/ (py, tcss, yaml, toml, ...) is in the wheel."""
    names = set(_names(wheel))
    expected = {
        p.relative_to(REPO_ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    }
    missing = sorted(expected - names)
    assert not missing, f"files missing from the wheel: {missing}"


@pytest.mark.slow
def test_wheel_declares_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        ep_name = next(n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt"))
        parser = configparser.ConfigParser()
        parser.read_string(zf.read(ep_name).decode())
    assert parser.get("console_scripts", "launchready").strip() == "launchready_tui.cli:main"


@pytest.mark.slow
def test_wheel_has_no_stray_top_level_packages(wheel: Path) -> None:
    tops = {n.split("/", 1)[0] for n in _names(wheel)}
    assert tops == {"launchready_tui", next(t for t in tops if t.endswith(".dist-info"))}
