"""Secrets for the stage-5/6 checks come from the real vault (its encrypted-file backend here), else from the
documented environment variables; never from the project file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from launchready_tui.checks.base import CheckContext
from launchready_tui.checks.secret_source import env_name, read_secret
from launchready_tui.core.project import parse_project

PID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


def _ctx(text: str) -> CheckContext:
    project, _ = parse_project(text)
    return CheckContext(project=project, resolver=None, http=None)  # type: ignore[arg-type]  # no network used


@pytest.fixture
def file_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LAUNCHREADY_VAULT", "file")
    monkeypatch.setenv("LAUNCHREADY_VAULT_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from launchready_tui.vault.opener import open_vault

    return open_vault(PID)


async def test_vault_value_wins_over_the_environment(file_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    file_vault.store.set("webhook:slack", "https://hooks.lab.test/services/good")
    monkeypatch.setenv("LAUNCHREADY_ALERT_WEBHOOK", "https://hooks.lab.test/services/other")
    found = await read_secret(_ctx(f"version: 1\ndomain: acme.example\nproject_id: {PID}\n"), "webhook:slack")
    assert (found.value, found.where) == ("https://hooks.lab.test/services/good", "vault")


async def test_environment_fallback_and_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAUNCHREADY_SECRET_AI_TOKEN", "t0ken")
    found = await read_secret(_ctx("version: 1\ndomain: acme.example\n"), "secret:ai_token")
    assert found.value == "t0ken" and found.where == "environment variable LAUNCHREADY_SECRET_AI_TOKEN"
    assert env_name("token:uptimerobot") == "LAUNCHREADY_UPTIMEROBOT_API_KEY"
    missing = await read_secret(_ctx("version: 1\ndomain: acme.example\n"), "token:betterstack")
    assert not missing.found and missing.where == ""


async def test_a_webhook_stored_with_accounts_set_reaches_the_alert_check(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The check's advice works as written: `accounts set slack --token-stdin` (real CLI, real file vault)."""
    import asyncio
    import os
    import subprocess
    import sys

    from launchready_tui.checks.secret_source import how_to_provide

    env = {**os.environ, "LAUNCHREADY_VAULT": "file", "LAUNCHREADY_VAULT_PASSPHRASE": "correct horse battery staple",
           "XDG_DATA_HOME": str(tmp_path / "data")}
    for key, value in env.items():
        if key.startswith(("LAUNCHREADY_VAULT", "XDG_DATA_HOME")):
            monkeypatch.setenv(key, value)
    project = tmp_path / "launchready.yaml"
    project.write_text("version: 1\ndomain: acme.example\n")
    advice = how_to_provide("webhook:slack")
    assert "`launchready accounts set slack --owner NAME --token-stdin`" in advice
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "launchready_tui", "accounts", "set", "slack", "--owner", "Ann",
                         "--token-stdin", "--project", str(project)], input="https://hooks.lab.test/services/good\n",
        capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "hooks.lab.test/services/good" not in done.stdout + done.stderr + project.read_text()
    found = await read_secret(_ctx(project.read_text()), "webhook:slack")
    assert (found.value, found.where) == ("https://hooks.lab.test/services/good", "vault")
