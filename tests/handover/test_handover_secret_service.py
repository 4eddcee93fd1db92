"""The vault against a REAL Secret Service: gnome-keyring-daemon under dbus-run-session (handover.md §5).

Every run gets its own HOME, XDG folders and D-Bus session, so nothing touches the developer's
keyring. Skipped when gnome-keyring or dbus-run-session is missing, unless
LAUNCHREADY_REQUIRE_REAL_SERVERS=1 (CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REQUIRE_ENV = "LAUNCHREADY_REQUIRE_REAL_SERVERS"
PASSWORD = "keyring pw ü"

pytestmark = pytest.mark.realservers


def _need(binary: str, package: str) -> str:
    path = shutil.which(binary, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"]))
    if path:
        return path
    msg = f"{binary} is not installed (Debian package {package!r}; `make test` installs it when run as root)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {msg}", pytrace=False)
    pytest.skip(msg)


@pytest.fixture
def session_env(tmp_path: Path) -> dict[str, str]:
    _need("gnome-keyring-daemon", "gnome-keyring")
    _need("dbus-run-session", "dbus-daemon")
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    for d in (home, runtime):
        d.mkdir()
        d.chmod(0o700)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DBUS_", "DISPLAY", "WAYLAND", "LAUNCHREADY_VAULT", "PYTHON_KEYRING", "KEYRING_"))}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"),
               KR_PW=PASSWORD, PYTHONPATH=str(REPO))
    return env


def in_session(env: dict[str, str], start: str, command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in a new D-Bus session after starting gnome-keyring with ``start``:
    "session" (in-memory collection, no password), "unlock" (login keyring with KR_PW) or "locked"."""
    daemon = {
        "session": "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1",
        # printf, never echo: echo would make the password "pw\n" (handover.md §5)
        "unlock": 'printf %s "$KR_PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1',
        "locked": "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1",
    }[start]
    script = f"{daemon}\n{command}\n"
    return subprocess.run(["dbus-run-session", "--", "sh", "-c", script], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def test_keyring_conformance_suite_passes_on_gnome_keyring(session_env: dict[str, str]) -> None:
    env = {**session_env, "LAUNCHREADY_SS_INNER": "1"}
    proc = in_session(env, "session", f"{sys.executable} -m pytest -q -p no:cacheprovider "
                      "tests/handover/test_handover_ss_conformance.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "15 passed" in proc.stdout, proc.stdout


VAULT_SCRIPT = textwrap.dedent("""
    import json, sys
    from launchready_tui.vault import VaultError
    from launchready_tui.vault.opener import open_vault
    action = sys.argv[1]
    out = {}
    try:
        vault = open_vault("11111111-2222-4333-8444-555555555555")
        out["where"] = vault.where
        if action == "write":
            vault.store.set("account:registrar", '{"owner":"Ольга"}')
            vault.store.set("token:registrar", "tok-123456789")
        if action == "delete":
            out["deleted"] = vault.store.delete("token:registrar")
        out["account"] = vault.store.get("account:registrar")
        out["token"] = vault.store.get("token:registrar")
    except VaultError as exc:
        out["error"] = [str(exc.status), exc.message]
    print(json.dumps(out))
""")


def _vault(env: dict[str, str], start: str, action: str) -> dict[str, object]:
    script = Path(env["HOME"]) / "vault_script.py"
    script.write_text(VAULT_SCRIPT)
    proc = in_session(env, start, f"{sys.executable} {script} {action}")
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_store_read_delete_persist_and_locked(session_env: dict[str, str]) -> None:
    """The login keyring on disk: write, read back in a NEW session, refuse while locked, delete."""
    wrote = _vault(session_env, "unlock", "write")
    assert "Secret Service" in str(wrote["where"]) and wrote["account"] == '{"owner":"Ольга"}'
    again = _vault(session_env, "unlock", "read")  # a new D-Bus session and daemon: read from disk
    assert again["account"] == '{"owner":"Ольга"}' and again["token"] == "tok-123456789"
    locked = _vault(session_env, "locked", "read")  # daemon running, keyring not unlocked, no display
    assert locked["error"][0] == "locked", locked
    assert "unlock" in str(locked["error"][1]).lower() and "LAUNCHREADY_VAULT=file" in str(locked["error"][1])
    deleted = _vault(session_env, "unlock", "delete")  # nothing was lost while locked
    assert deleted["deleted"] is True and deleted["token"] is None and deleted["account"] == '{"owner":"Ольга"}'


def test_no_dbus_session_means_no_keyring_not_plaintext(session_env: dict[str, str]) -> None:
    code = VAULT_SCRIPT
    proc = subprocess.run([sys.executable, "-c", code, "write"], env=session_env, capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["error"][0] == "unavailable" and "dbus-run-session" in out["error"][1]
    assert not any(Path(session_env["HOME"]).rglob("*.cfg")) and not any(Path(session_env["HOME"]).rglob("*.enc"))


def test_accounts_cli_end_to_end_on_gnome_keyring(session_env: dict[str, str], tmp_path: Path) -> None:
    """`launchready accounts set/list/remove` against the login keyring; secret-tool sees the same entry."""
    launchready = Path(sys.executable).parent / "launchready"
    project = tmp_path / "launchready.yaml"
    project.write_text("version: 1\ndomain: acme.example\n", encoding="utf-8")
    env = {**session_env, "TOKEN": "tok-abcdefghijklmnop-123"}
    lookup = ('secret-tool lookup service "launchready:$(sed -n "s/^project_id: //p" '
              f'{project})" username account:registrar; echo')
    has_secret_tool = shutil.which("secret-tool") is not None
    proc = in_session(env, "unlock", "\n".join([
        f'printf %s "$TOKEN" | {launchready} accounts set registrar --project {project} --owner "Zoë Ōkubo" '
        '--backup-owner Bob --login ops@acme.example --twofa yes --token-stdin || exit 11',
        f"{launchready} accounts list --project {project} || exit 12",
        lookup if has_secret_tool else "echo",
        f"{launchready} accounts remove registrar --project {project} || exit 13",
        f"{launchready} accounts list --project {project} --format json || exit 14",
    ]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Zoë Ōkubo" in proc.stdout and "tok-…123" in proc.stdout and env["TOKEN"] not in proc.stdout
    if has_secret_tool:
        assert '"owner":"Zoë Ōkubo"' in proc.stdout  # the record, as any Secret Service client sees it
    final = json.loads(proc.stdout[proc.stdout.rindex('{\n  "project_id"'):])
    assert final["accounts"] == [] and "registrar" in final["missing_core"]
