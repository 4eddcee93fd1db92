"""core/project.py: domain normalisation, load with line-numbered errors, safe atomic save."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from launchready_tui.core import project as project_mod
from launchready_tui.core.project import (
    AiEndpoint,
    Endpoint,
    NetworkSettings,
    Project,
    ProjectError,
    backup_path,
    check_no_secrets,
    dump_project,
    load_project,
    normalize_domain,
    parse_project,
    project_from_domain,
    registrable_domain,
    save_project,
)

CONTRACT_EXAMPLE = """\
version: 1
product: Acme AI
domain: acme.example                 # the apex
app_url: https://app.acme.example
api_url: https://api.acme.example
subdomains: [app, api, admin, docs]
endpoints:
  - name: login
    method: POST
    url: https://api.acme.example/v1/login
    body: '{"email": "demo@acme.example", "password": "demo"}'
    ai: false
  - name: generate
    method: POST
    url: https://api.acme.example/v1/generate
    ai: true
health_url: https://api.acme.example/health
ai_endpoint:
  url: https://api.acme.example/v1/chat
  method: POST
  headers: {Authorization: "Bearer {secret:ai_token}"}
  body_template: '{"message": "{prompt}"}'
  response_path: reply
  canaries: [LR-CANARY-1a2b3c4d]
  timeout_s: 15
  max_requests: 120
repo: .
email:
  sends_mail: true
  senders: [google-workspace, resend]
  dkim_selectors: [google, resend]
environments: [production, staging]
network:
  nameservers: ["127.0.0.1:5353"]
  resolve: []
  connect_to: ["acme.example:443:127.0.0.1:8443"]
  ca_file: lab-ca.pem
answers: {}
accepted: []
load: {confirmed_targets: []}
"""

# Fake secrets assembled at run time so this file does not trip secret scanners.
GITHUB = "ghp_" + "a1B2c3D4" * 5
OPENAI = "sk-proj-" + "abcdEFGH1234ijklMNOP5678"
SLACK_TOKEN = "xoxb-" + "1234567890-abcdefghij"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
SLACK_HOOK = "https://hooks.slack.com/services/" + "T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX"
DISCORD_HOOK = "https://discord.com/api/webhooks/" + "123456789/abcdefghijklmnopqrstuvwxyz012345"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


def _write(tmp_path: Path, text: str, name: str = "launchready.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _full_project() -> Project:
    return Project(
        domain="acme.example",
        product="Acme AI",
        app_url="https://app.acme.example",
        api_url="https://api.acme.example",
        endpoints=[
            Endpoint("login", "https://api.acme.example/v1/login", "POST", body='{"email": "a@acme.example"}'),
            Endpoint("generate", "https://api.acme.example/v1/generate", "POST", ai=True,
                     headers={"Authorization": "Bearer {secret:ai_token}"}),
        ],
        health_url="https://api.acme.example/health",
        ai_endpoint=AiEndpoint("https://api.acme.example/v1/chat", headers={"X-Key": "{secret:ai_key}"},
                               response_path="choices.0.message.content", canaries=["LR-CANARY-1a2b3c4d"],
                               timeout_s=12.5, max_requests=60),
        repo=".",
        environments=["production", "staging"],
        network=NetworkSettings(nameservers=["127.0.0.1:5353"], connect_to=["acme.example:443:127.0.0.1:8443"],
                                ca_file="lab-ca.pem"),
        answers={"monitor.status_page": {"answer": "yes", "note": "statuspage.io"}},
        accepted=[{"fingerprint": "sha256:0123456789abcdef", "reason": "test key", "who": "ann",
                   "date": "2026-11-20"}],
        load={"confirmed_targets": ["api.acme.example"]},
        extra={"project_id": "4b6f0a9e-5c1d-4e2f-8a3b-1c2d3e4f5a6b", "vault_refs": ["token:betterstack"]},
    )


# ----------------------------------------------------------------------------------------------- domains


@pytest.mark.parametrize(
    ("text", "domain", "note_part"),
    [
        ("acme.example", "acme.example", None),
        ("  ACME.Example ", "acme.example", None),
        ("https://www.acme.example/pricing", "www.acme.example", "pasted URL"),
        ("https://acme.example:8443/x?y=1#z", "acme.example", "pasted URL"),
        ("acme.example/pricing", "acme.example", "pasted URL"),
        ("acme.example.", "acme.example", "trailing dot"),
        ("bücher.example", "xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("lab.test", "lab.test", None),
        ("acme.example:8443", "acme.example", "port"),
        ("founder@acme.example", "acme.example", "e-mail"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example", None),
    ],
)
def test_normalize_domain(text: str, domain: str, note_part: str | None) -> None:
    got, note = normalize_domain(text)
    assert got == domain
    if note_part is None:
        assert note is None
    else:
        assert note is not None and note_part in note


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("203.0.113.7", "an IP address is not a domain: 203.0.113.7"),
        ("https://203.0.113.7/login", "an IP address is not a domain"),
        ("2001:db8::1", "an IP address is not a domain"),
        ("[2001:db8::1]", "an IP address is not a domain"),
        ("a" * 300, "253"),
        (".".join(["abcdefghij" * 3] * 10), "253"),
        ("x" * 64 + ".example", "63"),
        ("localhost", "single name"),
        ("acme_co.example", "'_'"),
        ("acme!.example", "'!'"),
        ("-acme.example", "hyphen"),
        ("acme..example", "empty part"),
        ("acme example.com", "spaces"),
        ("co.uk", "public suffix"),
        ("https://", "no domain"),
    ],
)
def test_normalize_domain_rejects(text: str, message_part: str) -> None:
    with pytest.raises(ProjectError) as err:
        normalize_domain(text)
    assert message_part in str(err.value)


def test_normalize_domain_note_never_echoes_a_password() -> None:
    domain, note = normalize_domain("https://admin:pa55word@acme.example/")
    assert domain == "acme.example"
    assert note is not None and "pa55word" not in note


def test_registrable_domain() -> None:
    assert registrable_domain("www.acme.example") == "acme.example"
    assert registrable_domain("a.b.lab.test") == "lab.test"
    assert registrable_domain("shop.acme.co.uk") == "acme.co.uk"
    assert registrable_domain("co.uk") == "co.uk"
    assert registrable_domain("WWW.Acme.Example.") == "acme.example"


def test_project_from_domain_defaults() -> None:
    p = project_from_domain("https://Acme.Example/")
    assert p.domain == "acme.example"
    assert p.version == 1
    assert [(e.name, e.method, e.url) for e in p.endpoints] == [("home", "GET", "https://acme.example/")]
    assert p.subdomains == ["app", "api", "admin", "docs"]
    assert p.environments == ["production"]
    assert p.load == {"confirmed_targets": []}
    with pytest.raises(ProjectError):
        project_from_domain("10.0.0.1")


# ----------------------------------------------------------------------------------------------- loading


def test_load_contract_example(tmp_path: Path) -> None:
    project, warnings = load_project(_write(tmp_path, CONTRACT_EXAMPLE))
    assert warnings == []
    assert project.domain == "acme.example"
    assert project.product == "Acme AI"
    assert [e.name for e in project.endpoints] == ["login", "generate"]
    assert project.endpoints[1].ai is True and project.endpoints[0].method == "POST"
    assert project.ai_endpoint is not None
    assert project.ai_endpoint.headers == {"Authorization": "Bearer {secret:ai_token}"}
    assert project.ai_endpoint.timeout_s == 15.0 and isinstance(project.ai_endpoint.timeout_s, float)
    assert project.ai_endpoint.canaries == ["LR-CANARY-1a2b3c4d"]
    assert project.email.senders == ["google-workspace", "resend"]
    assert project.network.nameservers == ["127.0.0.1:5353"]
    assert project.network.ca_file == "lab-ca.pem"
    assert project.resolve_path("lab-ca.pem") == tmp_path / "lab-ca.pem"
    assert project.endpoint("login") is project.endpoints[0]


def test_load_minimal_uses_defaults(tmp_path: Path) -> None:
    project, warnings = load_project(_write(tmp_path, "version: 1\ndomain: lab.test\n"))
    assert warnings == []
    assert project == Project(domain="lab.test")


def test_missing_version_is_a_warning(tmp_path: Path) -> None:
    project, warnings = load_project(_write(tmp_path, "domain: acme.example\n"))
    assert project.version == 1
    assert len(warnings) == 1 and "version" in warnings[0]


def test_corrupt_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\ndomain: acme.example\nendpoints:\n  - name: login\n   url: [oops\n")
    with pytest.raises(ProjectError) as err:
        load_project(path)
    message = str(err.value)
    assert str(path) in message
    assert "line 5" in message and "column" in message
    assert err.value.line == 5
    assert "Traceback" not in message


def test_tabs_get_a_hint(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\ndomain: acme.example\nemail:\n\tsends_mail: true\n")
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert "line 4" in str(err.value) and "tabs" in str(err.value)


def test_yaml_error_does_not_quote_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, f"version: 1\ndomain: acme.example\ntoken: '{GITHUB}\n")
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert GITHUB not in str(err.value)


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("version: 1\ndomain: acme.example\nendpoints:\n  - name: a\n    url: https://acme.example/\n"
         "  - name: b\n    url: [1, 2]\n", "endpoints[1].url", 7),
        ("version: 1\ndomain: acme.example\nsubdomains: app\n", "subdomains", 3),
        ("version: 1\ndomain: acme.example\nemail:\n  sends_mail: maybe\n", "email.sends_mail", 4),
        ("version: 1\ndomain: acme.example\nai_endpoint:\n  url: https://acme.example/chat\n"
         "  max_requests: lots\n", "ai_endpoint.max_requests", 5),
        ("version: 1\ndomain: acme.example\nnetwork:\n  nameservers: [1.1.1.1, 53]\n",
         "network.nameservers[1]", 4),
        ("version: 1\ndomain: acme.example\nendpoints: {login: x}\n", "endpoints", 3),
        ("version: 1\ndomain: 42\n", "domain", 2),
        ("version: 1\ndomain: acme.example\nproduct: [a]\n", "product", 3),
        ("version: 1\ndomain: acme.example\nenvironments:\n  - production\n  - {x: 1}\n", "environments[1]", 5),
    ],
)
def test_wrong_type_names_key_and_line(tmp_path: Path, text: str, key: str, line: int) -> None:
    with pytest.raises(ProjectError) as err:
        load_project(_write(tmp_path, text))
    message = str(err.value)
    assert key in message
    assert f"line {line}" in message
    assert err.value.line == line and err.value.key == key


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("version: 2\ndomain: acme.example\n", "unsupported version 2"),
        ("version: '1'\ndomain: acme.example\n", "version must be the number 1"),
        ("version: 1\nproduct: Acme\n", "'domain:' key is missing"),
        ("version: 1\ndomain: 10.0.0.1\n", "an IP address is not a domain"),
        ("version: 1\ndomain: acme.example\nendpoints:\n  - url: https://acme.example/\n", "needs a name"),
        ("version: 1\ndomain: acme.example\nendpoints:\n  - name: x\n", "endpoints[0].url is required"),
        ("version: 1\ndomain: acme.example\nendpoints:\n  - name: x\n    url: ftp://acme.example/\n",
         "http(s) URL"),
        ("version: 1\ndomain: acme.example\nendpoints:\n  - name: x\n    url: https://acme.example/\n"
         "    method: FETCH\n", "endpoints[0].method"),
        ("version: 1\ndomain: acme.example\nendpoints:\n  - {name: x, url: 'https://a.example/'}\n"
         "  - {name: x, url: 'https://b.example/'}\n", "already used"),
        ("version: 1\ndomain: acme.example\nai_endpoint:\n  url: https://acme.example/chat\n  timeout_s: 0\n",
         "at least"),
        ("- a\n- b\n", "mapping of keys"),
        ("", "is empty"),
        ("# only a comment\n", "is empty"),
    ],
)
def test_invalid_values(tmp_path: Path, text: str, part: str) -> None:
    with pytest.raises(ProjectError) as err:
        load_project(_write(tmp_path, text))
    assert part in str(err.value)


def test_unknown_keys_warned_with_line_and_round_trip(tmp_path: Path) -> None:
    text = (
        "version: 1\n"
        "domain: acme.example\n"
        "colour: blue\n"
        "endpoints:\n"
        "  - name: home\n"
        "    url: https://acme.example/\n"
        "    retries: 3\n"
        "email:\n"
        "  sendsmail: false\n"
        "project_id: 4b6f0a9e-5c1d-4e2f-8a3b-1c2d3e4f5a6b\n"
        "ai_endpoint:\n"
        "  url: https://acme.example/chat\n"
        "  stream: sse\n"
    )
    path = _write(tmp_path, text)
    project, warnings = load_project(path)
    assert project.extra == {"colour": "blue", "project_id": "4b6f0a9e-5c1d-4e2f-8a3b-1c2d3e4f5a6b"}
    assert project.endpoints[0].extra == {"retries": 3}
    assert project.email.extra == {"sendsmail": False}
    assert project.ai_endpoint is not None and project.ai_endpoint.extra == {"stream": "sse"}
    joined = "\n".join(warnings)
    assert "line 3" in joined and "'colour'" in joined
    assert "line 7" in joined and "endpoints[0].retries" in joined
    assert "line 9" in joined and "email.sendsmail" in joined and "did you mean 'sends_mail'" in joined
    assert "project_id" not in joined  # a known extension key (handover.md), not a typo
    assert "stream" not in joined
    assert len(warnings) == 3

    save_project(project, path)
    again, warnings_again = load_project(path)
    assert again == project
    assert len(warnings_again) == 3
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["colour"] == "blue" and raw["endpoints"][0]["retries"] == 3


def test_duplicate_key_warned(tmp_path: Path) -> None:
    project, warnings = load_project(_write(tmp_path, "version: 1\ndomain: a.example\ndomain: b.example\n"))
    assert project.domain == "b.example"
    assert any("line 3" in w and "first on line 2" in w for w in warnings)


def test_domain_normalised_on_load_with_warning(tmp_path: Path) -> None:
    project, warnings = load_project(_write(tmp_path, "version: 1\ndomain: https://acme.example/pricing\n"))
    assert project.domain == "acme.example"
    assert any("line 2" in w and "pasted URL" in w for w in warnings)


def test_secret_in_file_is_warned_on_load(tmp_path: Path) -> None:
    text = f"version: 1\ndomain: acme.example\nendpoints:\n  - name: a\n    url: https://acme.example/\n" \
           f"    headers: {{Authorization: 'Bearer {GITHUB}'}}\n"
    project, warnings = load_project(_write(tmp_path, text))
    assert any("endpoints[0].headers.Authorization" in w and "vault" in w for w in warnings)
    assert all(GITHUB not in w for w in warnings)
    assert check_no_secrets(project) == [("endpoints[0].headers.Authorization", "GitHub token")]


def test_utf8_bom_and_unicode_values(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    path.write_bytes("\ufeffversion: 1\ndomain: acme.example\nproduct: Café ☕\n".encode())
    project, _ = load_project(path)
    assert project.product == "Café ☕"


# ------------------------------------------------------------------------------------- unreadable files


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no project file at"):
        load_project(tmp_path / "nope.yaml")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="is a folder"):
        load_project(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    path.write_bytes(b"version: 1\ndomain: acme.example\nproduct: Caf\xe9\n")
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert "not UTF-8" in str(err.value) and "line 3" in str(err.value)


@pytest.mark.skipif(sys.platform == "win32" or (hasattr(os, "geteuid") and os.geteuid() == 0),
                    reason="permissions do not apply (Windows or root)")
def test_permission_denied(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\ndomain: acme.example\n")
    path.chmod(0)
    try:
        with pytest.raises(ProjectError, match="permission denied"):
            load_project(path)
    finally:
        path.chmod(0o644)


def test_permission_denied_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real test above is skipped as root; this one runs everywhere.
    path = _write(tmp_path, "version: 1\ndomain: acme.example\n")

    def denied(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert str(err.value) == f"cannot read {path}: permission denied"


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project_mod, "MAX_FILE_BYTES", 100)
    path = _write(tmp_path, "version: 1\ndomain: acme.example\n" + "# padding\n" * 20)
    with pytest.raises(ProjectError, match="larger than"):
        load_project(path)


def test_alias_bomb_is_cheap(tmp_path: Path) -> None:
    lines = ["version: 1", "domain: acme.example", "bomb:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    project, warnings = load_project(path)  # indexing lines visits each node once
    assert "bomb" in project.extra
    assert any("'bomb'" in w for w in warnings)


# ------------------------------------------------------------------------------------------------ saving


def test_round_trip_full_project(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    original = _full_project()
    assert save_project(original, path) == []
    loaded, warnings = load_project(path)
    assert warnings == []
    assert loaded == original


def test_round_trip_contract_example_is_stable(tmp_path: Path) -> None:
    path = _write(tmp_path, CONTRACT_EXAMPLE)
    project, _ = load_project(path)
    save_project(project, path)
    first = path.read_text(encoding="utf-8")
    reloaded, _ = load_project(path)
    assert reloaded == project
    save_project(reloaded, path)
    assert path.read_text(encoding="utf-8") == first  # saving twice changes nothing


def test_saved_key_order_follows_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(_full_project(), path)
    keys = list(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert keys == ["version", "product", "domain", "app_url", "api_url", "subdomains", "endpoints", "health_url",
                    "ai_endpoint", "repo", "email", "environments", "network", "answers", "accepted", "load",
                    "project_id", "vault_refs"]
    text = path.read_text(encoding="utf-8")
    assert "subdomains: [app, api, admin, docs]" in text
    assert text.startswith("# launchready project file")


def test_saving_omits_unset_optionals(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(Project(domain="acme.example"), path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data == {
        "version": 1, "domain": "acme.example", "subdomains": ["app", "api", "admin", "docs"],
        "email": {"sends_mail": True, "senders": [], "dkim_selectors": []}, "environments": ["production"],
    }
    assert load_project(path)[0] == Project(domain="acme.example")


def test_empty_subdomains_survive(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(Project(domain="acme.example", subdomains=[], environments=[]), path)
    loaded, _ = load_project(path)
    assert loaded.subdomains == [] and loaded.environments == []


def test_multiline_body_written_as_block(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    body = '{\n  "email": "demo@acme.example"\n}\n'
    save_project(Project(domain="acme.example", endpoints=[Endpoint("login", "https://acme.example/", "POST",
                                                                    body=body)]), path)
    assert "body: |" in path.read_text(encoding="utf-8")
    assert load_project(path)[0].endpoints[0].body == body


def test_bak_keeps_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(Project(domain="one.example"), path)
    assert not backup_path(path).exists()
    first = path.read_bytes()
    save_project(Project(domain="two.example"), path)
    assert backup_path(path) == tmp_path / "launchready.yaml.bak"
    assert backup_path(path).read_bytes() == first
    assert load_project(path)[0].domain == "two.example"
    assert load_project(backup_path(path))[0].domain == "one.example"


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    for i in range(3):
        save_project(Project(domain=f"v{i}.example"), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["launchready.yaml", "launchready.yaml.bak"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(Project(domain="old.example"), path)
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_mod.os, "replace", broken_replace)
    with pytest.raises(ProjectError, match="No space left"):
        save_project(Project(domain="new.example"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["launchready.yaml"]


def test_save_keeps_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(Project(domain="acme.example"), path)
    path.chmod(0o600)
    save_project(Project(domain="acme.example", product="x"), path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_corrupt_file_is_never_overwritten(tmp_path: Path) -> None:
    broken = "version: 1\ndomain: acme.example\nendpoints: [\n"
    path = _write(tmp_path, broken)
    with pytest.raises(ProjectError) as err:
        save_project(Project(domain="acme.example"), path)
    assert "not overwritten" in str(err.value) and "line" in str(err.value)
    assert path.read_text(encoding="utf-8") == broken
    assert not backup_path(path).exists()


def test_force_replaces_a_corrupt_file_and_backs_it_up(tmp_path: Path) -> None:
    broken = "version: 1\ndomain: acme.example\nendpoints: [\n"
    path = _write(tmp_path, broken)
    notes = save_project(Project(domain="acme.example"), path, force=True)
    assert notes and "broken" in notes[0]
    assert backup_path(path).read_text(encoding="utf-8") == broken
    assert load_project(path)[0].domain == "acme.example"


@pytest.mark.parametrize(
    ("mutate", "key_path"),
    [
        (lambda p: p.endpoints[0].headers.update(Authorization=f"Bearer {GITHUB}"),
         "endpoints[0].headers.Authorization"),
        (lambda p: setattr(p.ai_endpoint, "headers", {"X-Api-Key": OPENAI}), "ai_endpoint.headers.X-Api-Key"),
        (lambda p: p.extra.update(slack=SLACK_HOOK), "slack"),
        (lambda p: p.extra.update(alerts={"discord": DISCORD_HOOK}), "alerts.discord"),
        (lambda p: p.answers.update({"monitor.alert_route": {"token": SLACK_TOKEN}}),
         "answers.monitor.alert_route.token"),
        (lambda p: setattr(p, "product", AWS), "product"),
        (lambda p: setattr(p, "health_url", f"https://api.acme.example/health?jwt={JWT}"), "health_url"),
        (lambda p: setattr(p, "repo", "postgres://app:pa55word@db.acme.example/app"), "repo"),
        (lambda p: p.extra.update(key="9f3Kq7ZpL2xW8vR4tY6uB1nM0cH5jD"), "key"),
        (lambda p: p.ai_endpoint.canaries.append(OPENAI), "ai_endpoint.canaries[1]"),
    ],
)
def test_refuses_to_save_secrets(tmp_path: Path, mutate: object, key_path: str) -> None:
    path = tmp_path / "launchready.yaml"
    project = _full_project()
    mutate(project)  # type: ignore[operator]
    with pytest.raises(ProjectError) as err:
        save_project(project, path)
    message = str(err.value)
    assert key_path in message and "vault" in message
    assert err.value.key == key_path
    for secret in (GITHUB, OPENAI, SLACK_HOOK, DISCORD_HOOK, SLACK_TOKEN, AWS, JWT, "pa55word"):
        assert secret not in message
    assert not path.exists()  # nothing written, not even a temp file
    assert list(tmp_path.iterdir()) == []


def test_secret_refusal_does_not_touch_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    save_project(Project(domain="acme.example"), path)
    before = path.read_bytes()
    with pytest.raises(ProjectError):
        save_project(Project(domain="acme.example", extra={"t": GITHUB}), path)
    assert path.read_bytes() == before and not backup_path(path).exists()


def test_references_and_canaries_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "launchready.yaml"
    project = _full_project()
    assert project.ai_endpoint is not None
    project.ai_endpoint.headers = {"Authorization": "Bearer {secret:ai_token}"}
    project.ai_endpoint.canaries = ["LR-CANARY-1a2b3c4d", "sk-lrcanary-0123456789abcdef"]
    project.extra["db"] = "postgres://app:{secret:db_password}@db.acme.example/app"
    save_project(project, path)
    assert load_project(path)[0] == project
    assert "{secret:ai_token}" in dump_project(project)


def test_save_into_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="does not exist"):
        save_project(Project(domain="acme.example"), tmp_path / "nope" / "launchready.yaml")


def test_save_onto_a_folder(tmp_path: Path) -> None:
    (tmp_path / "launchready.yaml").mkdir()
    with pytest.raises(ProjectError, match="folder"):
        save_project(Project(domain="acme.example"), tmp_path / "launchready.yaml")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_save_through_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    save_project(Project(domain="one.example"), real)
    link = tmp_path / "launchready.yaml"
    link.symlink_to(real)
    save_project(Project(domain="two.example"), link)
    assert link.is_symlink()
    assert load_project(real)[0].domain == "two.example"


def test_parse_project_from_text() -> None:
    project, warnings = parse_project("version: 1\ndomain: lab.test\nextra_key: 1\n", source="pasted")
    assert project.domain == "lab.test"
    assert warnings == ["pasted, line 3: unknown key 'extra_key'; kept as is"]


def test_unrepresentable_value_is_a_plain_error(tmp_path: Path) -> None:
    project = Project(domain="acme.example", extra={"odd": object(), "pair": ("a", "b")})
    with pytest.raises(ProjectError, match="cannot be written as YAML"):
        save_project(project, tmp_path / "launchready.yaml")
    project.extra.pop("odd")
    save_project(project, tmp_path / "launchready.yaml")
    assert load_project(tmp_path / "launchready.yaml")[0].extra == {"pair": ["a", "b"]}
